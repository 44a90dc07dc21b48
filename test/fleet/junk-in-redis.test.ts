/**
 * Junk in Redis is a miss, never an error: a value the fleet reads back (a cache entry, a shared token) that is
 * `null`, cut short, of another shape or bound to another key is dropped and read as absent, so the lookup loads
 * the customer (or the replica fetches its token) as if nothing were stored. One real redis-server.
 */
import { Redis } from 'ioredis';
import { customerKey } from '../../src/core/cache-key.js';
import { systemClock } from '../../src/core/clock.js';
import { Deadline } from '../../src/core/deadline.js';
import { GatewayError } from '../../src/core/problems.js';
import { leaseKeyOf, type SharedLoad } from '../../src/fleet/lease.js';
import type { Fleet } from '../../src/fleet/fleet.js';
import { fleetReplica, storedCustomer } from '../support/fleet-replica.js';
import { TestRedis } from '../support/redis-server.js';

let redis: TestRedis;
let raw: Redis;
let fleet: Fleet;

beforeAll(async () => {
  redis = await TestRedis.start();
  raw = new Redis(redis.url);
  fleet = await fleetReplica(redis.url, { keyPrefix: 'junk:' });
});
afterAll(async () => {
  await fleet.close();
  raw.disconnect();
  await redis.stop();
});

const KEY = customerKey('tango', 'zanzibar-health');
const entry = storedCustomer('zanzibar-health');
const view = entry.masked;
const now = entry.fetchedAt;
/** The stored form of `entry` (src/fleet/shared-cache.ts), which every junk value below breaks in one way. */
const good = {
  v: 2,
  key: KEY,
  kind: 'customer',
  version: entry.version,
  rawText: entry.rawText,
  fetchedAt: entry.fetchedAt,
  freshUntil: entry.freshUntil,
  staleUntil: entry.staleUntil,
  masked: view,
};

test('a well-formed entry reads back (the schema is not too strict)', async () => {
  await raw.set(fleet.cache.redisKey(KEY), JSON.stringify(good));
  await expect(fleet.cache.get(KEY)).resolves.toMatchObject({ kind: 'customer', version: 'v' });
});

test.each([
  ['null', 'null'],
  ['a value cut short', JSON.stringify(good).slice(0, 40)],
  ['a string', '"hello"'],
  ['an array', '[]'],
  ['an older version', JSON.stringify({ ...good, v: 1 })],
  ['another key’s entry', JSON.stringify({ ...good, key: customerKey('tango', 'acme-wellness') })],
  ['an entry without its views', JSON.stringify({ ...good, masked: undefined })],
  ['a view whose data is not a string', JSON.stringify({ ...good, masked: { ...view, data: 42 } })],
  ['times that are not numbers', JSON.stringify({ ...good, freshUntil: 'soon' })],
  ['a not-found entry of another problem', JSON.stringify({ ...good, kind: 'not-found', error: { code: 'x' } })],
])('%s is a miss, and is dropped', async (_name, value) => {
  const redisKey = fleet.cache.redisKey(KEY);
  await raw.set(redisKey, value);
  await expect(fleet.cache.get(KEY)).resolves.toBeUndefined();
  expect(await raw.exists(redisKey)).toBe(0);
});

test.each([
  ['null', 'null'],
  ['a token without its expiry', JSON.stringify({ value: 't', refreshAt: now + 60_000 })],
  ['a token whose value is not a string', JSON.stringify({ value: 7, refreshAt: now + 60_000, expiresAt: now + 1 })],
])('a shared token that is %s is absent: this replica fetches its own', async (name, value) => {
  const credential = `credential-${name.replace(/\W+/g, '-')}`;
  // The stored form is `<token digest>.<json>` under `<prefix>token:{<credential>}`.
  await raw.set(`junk:token:{${credential}}`, `digest.${value}`);
  await expect(fleet.tokens.store(credential, 3000).get()).resolves.toBeUndefined();
});

test('junk over a load’s lease (no expiry) is dropped: the lookup loads, not waiting out its deadline', async () => {
  // Every replica's lease expires (`SET NX PX`); a plain SET over it never would, and held every waiter to its end.
  await raw.set(leaseKeyOf(fleet.redis, 'junk-lease'), 'garbage');
  let loads = 0;
  const work: SharedLoad<string> = {
    read: () => Promise.resolve(undefined),
    load: () => Promise.resolve(`loaded ${(loads += 1)}`),
    share: () => undefined,
    rebuild: (failure) => new GatewayError('upstream-error', { detail: failure.detail }),
    timeout: () => new GatewayError('upstream-timeout', { detail: 'waited out the deadline' }),
  };
  const started = Date.now();
  await expect(fleet.coalescer.run('junk-lease', Deadline.after(systemClock, 5000), work)).resolves.toEqual({
    value: 'loaded 1',
    by: 'loaded',
  });
  // Well before the 5 s deadline: a waiter looks at the lease at once (a few round trips on a loaded machine).
  expect(Date.now() - started).toBeLessThan(2000);
});
