/**
 * Junk in Redis is a miss, never an error: a value the fleet reads back (a cache entry, a shared token) that is
 * `null`, cut short, of another shape or bound to another key is dropped and read as absent, so the lookup loads
 * the customer (or the replica fetches its token) as if nothing were stored. One real redis-server.
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { customerKey } from '../../src/core/cache-key.js';
import { systemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { Fleet } from '../../src/fleet/fleet.js';
import { TestRedis } from '../support/redis-server.js';
import { until } from '../support/until.js';

let redis: TestRedis;
let raw: Redis;
let fleet: Fleet;

beforeAll(async () => {
  redis = await TestRedis.start();
  raw = new Redis(redis.url);
  fleet = new Fleet(
    { redisUrl: redis.url, keyPrefix: 'junk:', timeoutMs: 2000, size: 1, encryptionKey: undefined },
    createLogger({ level: 'silent', adapters: [], destination: new Writable({ write: (_c, _e, done) => done() }) }),
    systemClock,
  );
  // Connecting usually takes milliseconds; the bound is for a loaded machine.
  await until(() => fleet.health === 'up', 15_000);
});
afterAll(async () => {
  await fleet.close();
  raw.disconnect();
  await redis.stop();
});

const KEY = customerKey('tango', 'zanzibar-health');
const now = Date.now();
const view = { data: '{}', etag: '"v.m"', clearNationalId: false };
const good = {
  v: 2,
  key: KEY,
  kind: 'customer',
  version: 'v',
  rawText: '{}',
  fetchedAt: now,
  freshUntil: now + 60_000,
  staleUntil: now + 120_000,
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
  // The stored form is `<token digest>.<json>` under `<prefix>token:<credential>`.
  await raw.set(`junk:token:${credential}`, `digest.${value}`);
  await expect(fleet.tokens.store(credential, 3000).get()).resolves.toBeUndefined();
});
