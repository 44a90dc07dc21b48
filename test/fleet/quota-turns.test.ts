/**
 * Turns by caller hold with the fleet quota: a noisy caller's flood queued on one replica does not push back a
 * quiet caller's lookups, whether they arrive at the same replica or at another one. A real redis-server, two
 * Fleet objects standing for two replicas; wall time, since the slot script reads Redis's own clock.
 *
 * The figures are the order in which slots are granted, not their times, so a loaded machine changes how long the
 * test takes, not what it sees.
 */
import { Writable } from 'node:stream';
import { systemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { Fleet } from '../../src/fleet/fleet.js';
import type { FleetQuota } from '../../src/fleet/fleet-quota.js';
import { TestRedis } from '../support/redis-server.js';
import { until } from '../support/until.js';

let redis: TestRedis;
const fleets: Fleet[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
});
afterAll(async () => {
  await Promise.all(fleets.map((f) => f.close()));
  await redis?.stop();
});

async function replica(prefix: string): Promise<Fleet> {
  const logger = createLogger({
    level: 'silent',
    adapters: [],
    destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
  });
  const fleet = new Fleet(
    {
      redis: { kind: 'single', url: redis.url },
      keyPrefix: prefix,
      timeoutMs: 2000,
      size: 2,
      encryptionKey: undefined,
    },
    logger,
    systemClock,
  );
  fleets.push(fleet);
  // Connecting usually takes milliseconds; the bound is for a loaded machine.
  await until(() => fleet.health === 'up', 15_000);
  return fleet;
}

/**
 * Twenty lookups of a noisy caller queue on `noisy`; once the first has its slot, a quiet caller asks for two on
 * `quiet`. Returns the order of grants after the quiet caller arrived.
 */
async function floodThenQuiet(noisy: FleetQuota, quiet: FleetQuota): Promise<string[]> {
  const granted: string[] = [];
  // 10 per second: slots 110 ms apart, the 22 slots in about 2.4 s (twice that with one replica of FLEET_SIZE=2,
  // while the roster leaves the other's share free); deadlines far enough not to refuse any of them on a loaded
  // machine (this test is about order, not refusals).
  const deadline = () => Date.now() + 20_000;
  const flood = Array.from({ length: 20 }, (_, i) =>
    noisy.acquire(deadline(), 'noisy').then(() => granted.push(`noisy-${i}`)),
  );
  await until(() => granted.length >= 1, 10_000);
  const arrivedAt = granted.length;
  const quiets = [0, 1].map((i) => quiet.acquire(deadline(), 'quiet').then(() => granted.push(`quiet-${i}`)));
  await Promise.all([...flood, ...quiets]);
  return granted.slice(arrivedAt);
}

test('on the same replica: the quiet caller is served within the next slots, not after the flood', async () => {
  const a = await replica('turns-one:');
  const q = a.quota('tango', 10);
  const after = await floodThenQuiet(q, q);
  // Turns alternate: one slot is already held for the noisy caller when the quiet one arrives, then quiet, noisy,
  // quiet: its lookups have the 2nd and 4th slots; one more in case a grant lands as the quiet caller arrives.
  expect(after.indexOf('quiet-0')).toBeLessThan(5);
  expect(after.indexOf('quiet-1')).toBeLessThan(5);
});

test('across replicas: the quiet caller on another replica is not queued behind the flood', async () => {
  const a = await replica('turns-two:');
  const b = await replica('turns-two:');
  const after = await floodThenQuiet(a.quota('tango', 10), b.quota('tango', 10));
  // Each replica holds one slot at a time: the quiet caller's replica takes the next one after the flood's replica,
  // then the two alternate (2nd and 4th), with the same one to spare.
  expect(after.indexOf('quiet-0')).toBeLessThan(5);
  expect(after.indexOf('quiet-1')).toBeLessThan(5);
});

test('a newcomer whose turn, among this replica’s waiters, comes after its deadline is refused at once', async () => {
  const a = await replica('turns-refuse:');
  const q = a.quota('tango', 10);
  const flood = Array.from({ length: 20 }, () => q.acquire(Date.now() + 20_000, 'noisy'));
  const started = Date.now();
  // Twenty waiters ahead of it at 110 ms each: 2.2 s, past its 500 ms.
  await expect(q.acquire(Date.now() + 500, 'noisy')).rejects.toMatchObject({ code: 'provider-unavailable' });
  // At once: waiting for the deadline would take 500 ms; the bound leaves room for a loaded machine.
  expect(Date.now() - started).toBeLessThan(300);
  await Promise.all(flood);
});
