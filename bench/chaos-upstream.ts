/**
 * One provider's simulator for the chaos runs, in a process of its own, so that the upstream times the requests
 * it receives (its quota check, its own rate limit) on a clock that the gateway's busy event loop does not delay.
 * Started by `startUpstream` (bench/chaos-run.ts) with one JSON argument; prints one JSON line (where it listens,
 * its credentials, its seeded ids) and serves its faults and figures on `/__simulator/faults` until it is sent
 * SIGTERM or its parent goes away. With `arrivals`, it then prints one JSON line per API request it receives
 * (`{"at", "path"}`, on its own clock): the fleet chaos run counts calls per customer and per second with them.
 */
import { adapters } from '../providers/index.js';
import type { FaultRule } from '../src/core/simulator.js';

const { provider, rateLimitPerSecond, faults, arrivals } = JSON.parse(process.argv[2] ?? '{}') as {
  provider: string;
  rateLimitPerSecond: number;
  faults: FaultRule[];
  arrivals?: boolean;
};
const adapter = adapters.find((a) => a.id === provider);
if (!adapter) throw new Error(`no adapter ${provider}`);
const sim = await adapter.simulator({ rateLimitPerSecond });
for (const rule of faults) {
  // The expired-token fault is for upstreams that issue tokens; static credentials do not expire.
  if (rule.fault.kind !== 'expired-token' || sim.tokens) sim.inject(rule);
}
process.stdout.write(
  `${JSON.stringify({ origin: sim.origin, baseUrl: sim.baseUrl, env: sim.env, seedIds: sim.seedIds })}\n`,
);
if (arrivals) sim.onApiRequest = (at, path) => process.stdout.write(`${JSON.stringify({ at, path })}\n`);
const stop = () => void sim.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
// The parent holds our stdin open: if it dies without stopping us, we stop too.
process.stdin.resume();
process.stdin.once('end', stop);
