/**
 * `npm run chaos -- fleet`: the fleet chaos run (bench/fleet-chaos-run.ts) in full, each phase
 * `CHAOS_FLEET_PHASE_SECONDS` long (default 20), `CHAOS_FLEET_RUNS` times in a row (default 1). Prints each run's
 * table; the exit code is non-zero if any bound failed in any run. Its short form (4 s phases) runs in the tests.
 */
import { failedFleetMusts, fleetChaosTable, runFleetChaos } from './fleet-chaos-run.js';

export async function fleetChaosCommand(): Promise<number> {
  const runs = Number(process.env.CHAOS_FLEET_RUNS ?? 1);
  const phaseSeconds = Number(process.env.CHAOS_FLEET_PHASE_SECONDS ?? 20);
  let failures = 0;
  for (let run = 1; run <= runs; run++) {
    const report = await runFleetChaos({
      phaseSeconds,
      ...(process.env.CHAOS_FLEET_RATE ? { rate: Number(process.env.CHAOS_FLEET_RATE) } : {}),
      ...(process.env.CHAOS_FLEET_REDIS_TIMEOUT_MS
        ? { redisTimeoutMs: Number(process.env.CHAOS_FLEET_REDIS_TIMEOUT_MS) }
        : {}),
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    const failed = failedFleetMusts(report);
    process.stdout.write(`**Fleet chaos, run ${run} of ${runs} (phases of ${phaseSeconds} s)**\n\n`);
    process.stdout.write(`${fleetChaosTable(report)}\n`);
    if (report.examples.length > 0)
      process.stdout.write(`\nfirst findings:\n${report.examples.map((e) => `- ${e}`).join('\n')}\n`);
    process.stdout.write(
      failed.length === 0 ? '\nall bounds hold\n\n' : `\nFAILED:\n${failed.map((f) => `- ${f}`).join('\n')}\n\n`,
    );
    failures += failed.length;
  }
  return failures === 0 ? 0 : 1;
}
