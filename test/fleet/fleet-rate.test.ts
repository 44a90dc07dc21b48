/**
 * The upstream quota holds for the fleet: two replicas, each a process of its own, share one redis-server and one
 * Tango simulator that enforces Tango's own 1 request per second, with TANGO_RATE_LIMIT_PER_SECOND=1. Busy with
 * different customers, they never send more than one request in any sliding second.
 *
 * Real processes: in one jest process the two replicas, the simulator and jest would share one event loop, and
 * a busy moment of any of them would delay a granted request past the quota's 100 ms allowance for that.
 *
 * Wall time: the replicas' shared slots come from Redis's clock, and what is measured is when their requests reach
 * the simulator. Its clock runs with the wall clock but can be moved ahead, so that the measured requests start in
 * a new second of Tango's without the test sitting out the one the warm-up requests began.
 */
import { tangoSimulator } from '../../providers/tango/simulator.js';
import type { Simulator } from '../../src/core/simulator.js';
import { maxInOneSecond, recordArrivals } from '../resilience/support.js';
import { TestRedis } from '../support/redis-server.js';
import { startReplica, type ReplicaProcess } from '../support/replicas.js';
import { SkippingClock } from '../support/skipping-clock.js';

let redis: TestRedis;
let sim: Simulator;
const replicas: ReplicaProcess[] = [];
const tangoClock = new SkippingClock();

async function readiness(url: string): Promise<string> {
  return ((await (await fetch(`${url}/readyz`)).json()) as { status: string }).status;
}

beforeAll(async () => {
  redis = await TestRedis.start();
  sim = await tangoSimulator({ clock: tangoClock });
  const env = {
    PROVIDERS: 'tango',
    GATEWAY_ALLOW_ANONYMOUS: 'true',
    TANGO_BASE_URL: sim.baseUrl,
    ...sim.env,
    TANGO_RATE_LIMIT_PER_SECOND: '1',
    // Six lookups need six slots 1.1 s apart: 5.5 s of the default 8 s deadline. A replica that wakes late for its
    // slot (a loaded machine) lets it go and asks for another 1.1 s later, so two late wakes refused the last
    // lookup (503) in one suite run. The test is about the spacing of the calls, not about how soon they come.
    TANGO_DEADLINE_MS: '30000',
    REDIS_URL: redis.url,
    FLEET_SIZE: '2',
    INDEX_KEY: Buffer.alloc(32, 7).toString('base64'),
  };
  replicas.push(...(await Promise.all([startReplica(env), startReplica(env)])));
  const end = Date.now() + 10_000;
  while ((await Promise.all(replicas.map((r) => readiness(r.url)))).some((s) => s !== 'ready')) {
    if (Date.now() > end) throw new Error('replicas did not share redis');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // Each replica's first request opens its connection to the simulator and runs the upstream path cold: out of the
  // measured window, refusals included. On a loaded machine (three browsers starting beside this file) the two first
  // requests, slots 1.1 s apart, reached the simulator 872 ms apart, past the quota's 100 ms allowance: Tango's 429
  // and the gateway's retry absorbed it (docs/fleet.md).
  for (const [i, replica] of replicas.entries())
    expect((await fetch(`${replica.url}/customers/tango/synthetic-90${i}`)).status).toBe(200);
  tangoClock.skip(1000);
  sim.reset();
}, 60_000);
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await sim?.close();
  await redis?.stop();
});

test('both replicas busy with different customers: at most one upstream call in any one-second window', async () => {
  const arrivals = recordArrivals(sim);
  const ids = Array.from({ length: 6 }, (_, i) => `synthetic-50${i}`);
  const answers = await Promise.all(ids.map((id, i) => fetch(`${replicas[i % 2]?.url}/customers/tango/${id}`)));
  expect(answers.map((r) => r.status)).toEqual(ids.map(() => 200));
  expect(arrivals.length).toBeGreaterThanOrEqual(6);
  expect(maxInOneSecond(arrivals)).toBeLessThanOrEqual(1);
  // The simulator enforces Tango's 1 request per second: it never had to refuse one (a failure shows every request it
  // saw, ms after the first, with its status).
  const first = sim.log[0]?.at ?? 0;
  const timeline = sim.log.map((entry) => `${entry.at - first} ${entry.path} ${String(entry.status)}`);
  expect({ refused: sim.stats.rateLimited, timeline }).toEqual({ refused: 0, timeline });
}, 60_000);
