/**
 * The fleet's schedule leaves room for replicas that may be sending on their own share (Redis unreachable for
 * them), and a replica's own calls stay inside that room:
 * - a replica that stops saying it takes the fleet's slots is counted absent: the schedule runs at the rate less its
 *   share, and at the full rate again once it is back (or at once when it leaves on shutdown);
 * - a roster that is new (Redis started empty) counts every replica of FLEET_SIZE not yet heard from as absent;
 * - alone, a replica's first call of its own comes only after the schedule stopped counting it and a full window of
 *   the upstream passed; back, it says it is present only once its last call of its own left that window.
 *
 * Before the roster, a replica that never lost Redis took the fleet's full rate while the others sent on their shares
 * (11 to 16 calls in one second at a rate of 10 in the fleet chaos run), and a replica that lost Redis sent on its
 * share at once. A real redis-server, replica c behind a TCP proxy that can cut its path; wall time (Redis's clock
 * decides the slots, and presence is judged on it).
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { systemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { Fleet } from '../../src/fleet/fleet.js';
import type { FleetQuota } from '../../src/fleet/fleet-quota.js';
import { PRESENT_MS } from '../../src/fleet/quota-scripts.js';
import { TestRedis } from '../support/redis-server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { until } from '../support/until.js';

/** The upstream's window and the quota's allowance for the way to the wire (src/fleet/fleet-quota.ts). */
const WINDOW_MS = 1000;
const SKEW_MS = 100;

let redis: TestRedis;
let proxy: TcpProxy;
let raw: Redis;
const fleets: Fleet[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  proxy = await TcpProxy.start(redis.port);
  raw = new Redis(redis.url);
});
afterAll(async () => {
  await Promise.all(fleets.map((f) => f.close()));
  raw?.disconnect();
  await proxy?.close();
  await redis?.stop();
});
afterEach(() => proxy.restore());

function replica(url: string, prefix: string): Fleet {
  const logger = createLogger({
    level: 'silent',
    adapters: [],
    destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
  });
  const fleet = new Fleet(
    { redis: { kind: 'single', url }, keyPrefix: prefix, timeoutMs: 1000, size: 3, encryptionKey: undefined },
    logger,
    systemClock,
  );
  fleets.push(fleet);
  return fleet;
}

/** Three replicas of one fleet (FLEET_SIZE=3) at 10 per second: a and b straight to Redis, c through the proxy. */
function threeReplicas(prefix: string): [FleetQuota, FleetQuota, FleetQuota] {
  return [
    replica(redis.url, prefix).quota('tango', 10),
    replica(redis.url, prefix).quota('tango', 10),
    replica(proxy.url, prefix).quota('tango', 10),
  ];
}

/**
 * Makes the roster an old one once `replicas` replicas are on it (it is new for 30 s after Redis starts empty, and
 * until then counts every replica not yet heard from as absent: see the next test).
 */
async function matureRoster(quota: FleetQuota, replicas: number): Promise<void> {
  await until(async () => (await raw.zcard(quota.keys.roster)) === replicas, 10_000);
  await raw.del(quota.keys.born);
}

/**
 * The spacing of the schedule's slots as `quota` sees them: two slots in a row, the second asked as the first came,
 * so it is the one the first left free (ms between the two "next free" times the script kept). The least of a few
 * tries: a second ask that reached Redis late (a busy moment) starts from then instead.
 */
async function spacing(quota: FleetQuota): Promise<number> {
  let least = Infinity;
  for (let i = 0; i < 4; i++) {
    await quota.acquire(Date.now() + 5000, 'caller');
    const first = Number(await raw.get(quota.keys.quota));
    await quota.acquire(Date.now() + 5000, 'caller');
    least = Math.min(least, Number(await raw.get(quota.keys.quota)) - first);
  }
  return least;
}

test('a replica that stops saying it is present leaves its share free; back or shut down, it is counted', async () => {
  const [a, b, c] = threeReplicas('roster-1:');
  await matureRoster(a, 3);
  // Connecting takes milliseconds; the bounds here are for a loaded machine.
  await until(() => [a, b, c].every((q) => q.scheduleRate === 10), 10_000);
  expect(await spacing(a)).toBeCloseTo(1100 / 10, 1);

  proxy.cut();
  // c's word lapses PRESENT_MS after its last one reached Redis: 10 less c's share of 3.
  // Each replica sees it at its next word (every 100 ms): both within the bound, which is for a loaded machine.
  await until(() => a.scheduleRate === 7 && b.scheduleRate === 7, 5000);
  expect(await spacing(a)).toBeCloseTo(1100 / 7, 1);

  proxy.restore();
  await until(() => a.scheduleRate === 10, 10_000);
  expect(await spacing(b)).toBeCloseTo(1100 / 10, 1);

  // Shutdown takes c off the roster: its share is not held back for the grace a crash (or a cut path) gets.
  await fleets.pop()?.close();
  expect(await raw.zscore(a.keys.roster, c.member)).toBeNull();
  const closedAt = Date.now();
  await until(() => Date.now() > closedAt + 3 * PRESENT_MS, 5000);
  expect(a.scheduleRate).toBe(10);
  expect(await spacing(a)).toBeCloseTo(1100 / 10, 1);
});

test('a new roster (Redis started empty) counts every replica not yet heard from as absent', async () => {
  // One replica of FLEET_SIZE=3 is heard from: the two others may be alone, each with 3 of the rate of 10.
  const quota = replica(redis.url, 'roster-2:').quota('tango', 10);
  // Its first exchange is a probe that learns Redis's clock (no word: nobody present, 10 - 3 * 3), then its word.
  await until(() => quota.scheduleRate === 4, 15_000);
  expect(await spacing(quota)).toBeCloseTo(1100 / 4, 1);
  // Once the roster is old, replicas it never heard from are taken to be gone.
  await matureRoster(quota, 1);
  await until(() => quota.scheduleRate === 10, 5000);
});

test('alone, its first own call waits until the schedule stops counting it; back, present only after', async () => {
  const [a, , c] = threeReplicas('roster-3:');
  await matureRoster(a, 3);
  await until(() => a.scheduleRate === 10, 10_000);

  proxy.cut();
  await c.acquire(Date.now() + 10_000, 'caller');
  const ownCallAt = Date.now();
  expect(c.state().ownShare).toBe(true);
  // c's last word reached Redis at its score (Redis's clock: this machine's). Counted PRESENT_MS more, then a full
  // window of the upstream for the slots given out at the old pace: only then its own call.
  const lastWord = Number(await raw.zscore(a.keys.roster, c.member));
  expect(ownCallAt).toBeGreaterThanOrEqual(lastWord + PRESENT_MS + WINDOW_MS);

  proxy.restore();
  // Its next word (a new score) comes only once its own call has left the upstream's window.
  await until(async () => Number(await raw.zscore(a.keys.roster, c.member)) > lastWord, 10_000);
  const back = Number(await raw.zscore(a.keys.roster, c.member));
  expect(back).toBeGreaterThanOrEqual(ownCallAt + WINDOW_MS + SKEW_MS);
  expect(c.state().ownShare).toBe(false);
});
