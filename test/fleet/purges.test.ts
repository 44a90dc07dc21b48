/**
 * Purges and writes under faults, with Fleet objects standing for replicas on one real redis-server: a purge that
 * Redis did not take is sent again on the fleet's clock until it does; a load in flight when a purge comes does not
 * write the purged entry back into the L2; a lease holder that stalled past its lease does not write over the entry
 * of the replica that took it over.
 *
 * Redis keeps its own time (a lease expires on Redis's clock), so the takeover test waits for one lease (2 s). A
 * replica whose timers must not run on their own (its retries, its lease renewals) has a ManualClock that starts at
 * the wall clock's now, so that entries fresh by the wall clock are fresh by it too.
 */
import { Redis } from 'ioredis';
import type { CacheEntry, CustomerEntry } from '../../src/core/cache.js';
import { customerKey, type CacheKey } from '../../src/core/cache-key.js';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { Deadline } from '../../src/core/deadline.js';
import { fleetLease, fleetSharedCache } from '../../src/fleet/cache-tier.js';
import { Fleet } from '../../src/fleet/fleet.js';
import { LEASE_MS } from '../../src/fleet/lease.js';
import { createLogger } from '../../src/core/logger.js';
import { Writable } from 'node:stream';
import { storedCustomer } from '../support/fleet-replica.js';
import { ManualClock } from '../support/manual-clock.js';
import { TestRedis } from '../support/redis-server.js';
import { until } from '../support/until.js';

let redis: TestRedis;
let raw: Redis;
const fleets: Fleet[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  raw = new Redis(redis.url, { disconnectTimeout: 100 });
});
afterAll(async () => {
  redis.resume();
  await Promise.all(fleets.map((f) => f.close()));
  raw.disconnect();
  await redis.stop();
});

/** A replica, connected and listening; `timeoutMs` is its Redis command timeout. */
async function replica(clock: Clock = systemClock, timeoutMs = 2000): Promise<Fleet> {
  const logger = createLogger({
    level: 'silent',
    adapters: [],
    destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
  });
  const fleet = new Fleet(
    { redis: { kind: 'single', url: redis.url }, keyPrefix: 'purges:', timeoutMs, size: 2, encryptionKey: undefined },
    logger,
    clock,
  );
  fleets.push(fleet);
  // Connecting and subscribing usually take milliseconds; the bound is for a loaded machine.
  await until(() => fleet.health === 'up' && fleet.events.listening, 15_000);
  return fleet;
}

const versionOf = async (fleet: Fleet, key: CacheKey) =>
  ((await fleet.cache.get(key)) as CustomerEntry | undefined)?.version;
const entry = (id: string, version: string): CacheEntry => ({ ...storedCustomer(id), version });

test('a purge whose one command timed out is sent again on the fleet’s clock, Redis’s health unchanged', async () => {
  const clock = new ManualClock(Date.now());
  // A short command timeout for the purging replica: its purge times out while Redis is stalled.
  const a = await replica(clock, 300);
  const b = await replica();
  const key = customerKey('tango', 'timed-out-once');
  await b.cache.set(key, storedCustomer('timed-out-once'));
  const seen: string[] = [];
  b.onPurge((purged) => seen.push(purged));

  redis.pause();
  try {
    expect(await a.purge([key])).toEqual({ shared: false, existed: false });
  } finally {
    redis.resume();
  }
  // One timed-out command is no outage: the replica stays up, so nothing waits for its health to change. The stalled
  // command may still run once Redis resumes (it sat in Redis's socket), but the replica cannot know that: the purge
  // stays pending until the fleet's clock says to send it again.
  expect(a.health).toBe('up');
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(a.state().pendingPurges).toBe(1);

  await clock.advance(500);
  // Bounded: a round trip to a local Redis; 5 s is for a loaded machine.
  await until(() => a.state().pendingPurges === 0, 5000);
  expect(seen).toContain(key);
  expect(await b.cache.get(key)).toBeUndefined();
});

test('a load in flight when the purge comes does not write the purged entry back', async () => {
  const [a, b] = await Promise.all([replica(), replica()]);
  const key = customerKey('tango', 'purged-mid-load');
  let holding = false;
  let finish: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (finish = resolve));
  const load = fleetLease(a).run(key, Deadline.after(systemClock, 8000), async (fence) => {
    holding = true;
    // The upstream answered before the purge; the write comes after it.
    const before = entry('purged-mid-load', 'before-purge');
    await gate;
    await fleetSharedCache(a).write(key, before, fence);
    return before;
  });
  await until(() => holding, 5000);
  await b.purge([key]);
  finish();
  expect(((await load) as CustomerEntry).version).toBe('before-purge');
  expect(await b.cache.get(key)).toBeUndefined();

  // A load that starts after the purge stores its entry at once (the purge does not hold the key empty).
  await fleetLease(b).run(key, Deadline.after(systemClock, 8000), async (fence) => {
    const after = entry('purged-mid-load', 'after-purge');
    await fleetSharedCache(b).write(key, after, fence);
    return after;
  });
  expect(await versionOf(a, key)).toBe('after-purge');
});

test('a load made without a lease does not write back an entry purged a moment ago; the marker is short', async () => {
  const [a, b] = await Promise.all([replica(), replica()]);
  const key = customerKey('tango', 'purged-alone');
  await b.purge([key]);
  // Written as a load whose lease Redis could not give (unavailable when it started) would write it.
  await fleetSharedCache(a).write(key, entry('purged-alone', 'before-purge'));
  expect(await b.cache.get(key)).toBeUndefined();
  const marker = await raw.pttl(a.cache.markerKey(key));
  expect(marker).toBeGreaterThan(0);
  expect(marker).toBeLessThanOrEqual(10_000);
});

test('a holder that stalled past its lease does not write over the entry of the replica that took over', async () => {
  // The stalled holder's clock never moves: its renewals never fire, as a stalled event loop's would not.
  const stalled = await replica(new ManualClock(Date.now()));
  const b = await replica();
  const key = customerKey('tango', 'taken-over');
  let holding = false;
  let finish: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (finish = resolve));
  const old = fleetLease(stalled).run(key, Deadline.after(systemClock, 60_000), async (fence) => {
    holding = true;
    const late = entry('taken-over', 'stalled-holder');
    await gate;
    await fleetSharedCache(stalled).write(key, late, fence);
    return late;
  });
  await until(() => holding, 5000);
  const started = Date.now();
  // The waiter takes over once the lease has run out on Redis's clock, loads and stores the newer entry.
  const taken = await fleetLease(b).run(key, Deadline.after(systemClock, 8000), async (fence) => {
    const newer = entry('taken-over', 'new-holder');
    await fleetSharedCache(b).write(key, newer, fence);
    return newer;
  });
  expect((taken as CustomerEntry).version).toBe('new-holder');
  expect(Date.now() - started).toBeGreaterThanOrEqual(LEASE_MS - 500);
  finish();
  await old;
  expect(await versionOf(b, key)).toBe('new-holder');
});
