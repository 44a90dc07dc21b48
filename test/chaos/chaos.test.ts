/**
 * The small chaos run: 300 lookups over every registered provider with faults in about half of the upstream
 * calls. The full run is `npm run chaos`; both judge the same "musts" (bench/chaos-run.ts).
 */
import { chaosTable, failedMusts, MIN_CALLS_TO_JUDGE_FAULT_SHARE, runChaos } from '../../bench/chaos-run.js';

test('under injected faults every answer is correct or a sane problem, quotas hold, nothing crashes', async () => {
  const report = await runChaos({
    lookups: 300,
    ids: 150,
    concurrency: 25,
    faultProbability: 0.05,
    maxSeconds: 20,
    // Tango's quota raised (its simulator enforces the same) so that enough calls reach the upstream to judge the faults.
    // The breaker is made less eager (no ratio, 10 in a row) so that, with faults in half the calls, enough calls
    // reach the upstream in this short run to judge the faults; the breaker has its own tests.
    env: { TANGO_RATE_LIMIT_PER_SECOND: '60', TANGO_BREAKER_FAILURE_RATIO: '0', TANGO_BREAKER_CONSECUTIVE_FAILURES: '10' },
  });
  const musts = failedMusts(report);
  if (musts.length > 0) process.stderr.write(`${chaosTable(report)}\n${report.wrongExamples.join('\n')}\n`);
  expect(musts).toEqual([]);
  expect(report.lookups).toBe(300);
  expect(report.providers.reduce((sum, p) => sum + p.upstreamCalls, 0)).toBeGreaterThanOrEqual(MIN_CALLS_TO_JUDGE_FAULT_SHARE);
  expect(report.faultShare).toBeGreaterThanOrEqual(0.3);
  expect(report.correct).toBeGreaterThan(0);
  for (const p of report.providers) if (p.quota > 0) expect(p.maxCallsInOneSecond).toBeLessThanOrEqual(p.quota);
}, 30_000);
