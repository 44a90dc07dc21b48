/**
 * `npm run chaos`: 5,000 lookups over 500 ids across every registered provider, 50 at a time, on loopback,
 * with faults injected into a large share of upstream calls. Prints the figures as markdown tables and exits
 * non-zero if any "must" fails. Bounded in count (the lookups) and in time (CHAOS_MAX_SECONDS per run, default 300).
 *
 * Two runs, judged alike:
 * 1. the quotas as configured: Tango at its published 1 request per second, so nearly every Tango lookup is
 *    refused by the quota at once (`provider-unavailable`, or the stale entry) and Tango's upstream sees ~1 call/s;
 * 2. Tango's quota raised to 50/s (its simulator enforcing the same), so that enough calls reach Tango to judge
 *    its faults and its answers.
 *
 * `npm run chaos -- fleet` runs the fleet's chaos suite instead (bench/fleet-chaos.ts).
 */
import { adapters } from '../providers/index.js';
import { envPrefix } from '../src/core/provider.js';
import { chaosTable, failedMusts, runChaos } from './chaos-run.js';

if (process.argv.slice(2).includes('fleet')) {
  const { fleetChaosCommand } = await import('./fleet-chaos.js');
  process.exit(await fleetChaosCommand());
}

// Provider and cache settings from the environment override the run's own (`ADOBE_VIP_RETRIES=0 npm run chaos`).
const prefixes = ['CACHE', ...adapters.map((a) => envPrefix(a.id))];
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    (e): e is [string, string] => e[1] !== undefined && prefixes.some((p) => e[0].startsWith(`${p}_`)),
  ),
);

const configurations = [
  { label: `Run 1: quotas as configured (Tango ${env.TANGO_RATE_LIMIT_PER_SECOND ?? 1}/s)`, env },
  { label: 'Run 2: Tango quota raised to 50/s', env: { ...env, TANGO_RATE_LIMIT_PER_SECOND: '50' } },
];

let failures = 0;
for (const configuration of configurations) {
  const report = await runChaos({
    lookups: Number(process.env.CHAOS_LOOKUPS ?? 5000),
    ids: Number(process.env.CHAOS_IDS ?? 500),
    concurrency: Number(process.env.CHAOS_CONCURRENCY ?? 50),
    faultProbability: 0.05,
    maxSeconds: Number(process.env.CHAOS_MAX_SECONDS ?? 300),
    label: configuration.label,
    env: configuration.env,
  });
  process.stdout.write(`${chaosTable(report)}\n`);
  const failed = failedMusts(report);
  if (report.wrongExamples.length > 0)
    process.stdout.write(`\nwrong answers, first ones:\n${report.wrongExamples.map((w) => `- ${w}`).join('\n')}\n`);
  process.stdout.write(
    failed.length === 0 ? '\nall musts hold\n\n' : `\nFAILED:\n${failed.map((f) => `- ${f}`).join('\n')}\n\n`,
  );
  failures += failed.length;
}
process.exit(failures === 0 ? 0 : 1);
