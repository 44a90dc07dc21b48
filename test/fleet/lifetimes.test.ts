/**
 * What the fleet keeps in Redis lives as long as it is used, under names that say nothing: an L2 entry expires
 * when it stops being fresh (no replica reads an expired one), and a key named after a client's address or a
 * credential is a keyed digest under the fleet's key, not a plain hash anyone can recompute. One real redis-server.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { customerKey } from '../../src/core/cache-key.js';
import type { Fleet } from '../../src/fleet/fleet.js';
import { fleetReplica, storedCustomer } from '../support/fleet-replica.js';
import { TestRedis } from '../support/redis-server.js';

let redis: TestRedis;
let raw: Redis;
let fleet: Fleet;

beforeAll(async () => {
  redis = await TestRedis.start();
  raw = new Redis(redis.url);
  fleet = await fleetReplica(redis.url, { keyPrefix: 'life:', encryptionKey: Buffer.alloc(32, 3) });
});
afterAll(async () => {
  await fleet.close();
  raw.disconnect();
  await redis.stop();
});

const plainDigest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 22);

test('an L2 entry lives in Redis while it is fresh, not through the stale-if-error window', async () => {
  // The defaults: 300 s fresh, then an hour of stale-if-error.
  const entry = storedCustomer('zanzibar-health', 300_000, 3_600_000);
  const key = customerKey('tango', 'zanzibar-health');
  expect(await fleet.cache.set(key, entry)).toBe(true);
  const ttl = await raw.pttl(fleet.cache.redisKey(key));
  expect(ttl).toBeGreaterThan(290_000);
  expect(ttl).toBeLessThanOrEqual(300_000);
});

test('rate-limit keys hold a keyed digest of the client, not a plain hash of its address', async () => {
  const limiter = fleet.rateLimiter(10, 60);
  await limiter.consume('203.0.113.9');
  const keys = await raw.keys('life:rl:*');
  expect(keys).toHaveLength(1);
  expect(keys[0]).not.toContain(plainDigest('203.0.113.9'));
  expect(keys[0]).toContain(fleet.keyName('203.0.113.9'));
});

test('a credential is named by a keyed digest too', () => {
  expect(fleet.keyName('tango\0TANGO_CLIENT_SECRET\0s3cret')).not.toBe(
    plainDigest('tango\0TANGO_CLIENT_SECRET\0s3cret'),
  );
});
