/**
 * Fleet events are taken once and fresh: an event sent again later (a replay by whoever can publish on the
 * channel) and an event sent long ago are ignored; sealed, what an event is about cannot be changed. A real
 * redis-server; wall time (pub/sub delivery is Redis's, not the gateway's clock).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { CacheKey } from '../../src/core/cache-key.js';
import type { Fleet } from '../../src/fleet/fleet.js';
import { fleetReplica } from '../support/fleet-replica.js';
import { TestRedis } from '../support/redis-server.js';
import { until } from '../support/until.js';

let redis: TestRedis;
let sender: Fleet;
let receiver: Fleet;
let raw: Redis;
let listener: Redis;
const captured: Buffer[] = [];
const purged: string[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  const encryptionKey = randomBytes(32);
  [sender, receiver] = await Promise.all([
    fleetReplica(redis.url, { keyPrefix: 'replay:', encryptionKey }),
    fleetReplica(redis.url, { keyPrefix: 'replay:', encryptionKey }),
  ]);
  receiver.onPurge((key) => purged.push(key));
  raw = new Redis(redis.url);
  listener = new Redis(redis.url);
  listener.on('messageBuffer', (_channel: Buffer, message: Buffer) => captured.push(message));
  await listener.subscribe('replay:events');
});
afterAll(async () => {
  listener.disconnect();
  raw.disconnect();
  await Promise.all([sender?.close(), receiver?.close()]);
  await redis?.kill();
});

test('a purge event sent again by someone else is not taken a second time', async () => {
  await sender.purge(['c:tango:replayed' as CacheKey]);
  // Pub/sub delivers in milliseconds; the bound is for a loaded machine.
  await until(() => purged.length === 1 && captured.length === 1, 5000);
  expect(purged).toEqual(['c:tango:replayed']);

  await raw.publish('replay:events', captured[0] as Buffer);
  // A later event from the sender arrives after the replayed one (one channel, in order): then nothing else came.
  await sender.purge(['c:tango:after' as CacheKey]);
  await until(() => purged.includes('c:tango:after'), 5000);
  expect(purged).toEqual(['c:tango:replayed', 'c:tango:after']);
});

test('an event altered in transit does not open', async () => {
  const before = purged.length;
  const altered = Buffer.from(captured[0] as Buffer);
  altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;
  await raw.publish('replay:events', altered);
  await sender.purge(['c:tango:marker' as CacheKey]);
  await until(() => purged.includes('c:tango:marker'), 5000);
  expect(purged.slice(before)).toEqual(['c:tango:marker']);
});

describe('without encryption', () => {
  let plain: Fleet;
  const seen: string[] = [];
  beforeAll(async () => {
    plain = await fleetReplica(redis.url, { keyPrefix: 'replay-plain:' });
    plain.onPurge((key) => seen.push(key));
  });
  afterAll(async () => plain?.close());

  const publish = (event: object) => raw.publish('replay-plain:events', JSON.stringify(event));

  test('an event sent long ago is ignored; a fresh one with a new nonce is taken, once', async () => {
    await publish({ t: 'purge', key: 'c:tango:old', at: Date.now() - 120_000, n: 'nonce-old-0001' });
    const fresh = { t: 'purge', key: 'c:tango:fresh', at: Date.now(), n: 'nonce-fresh-001' };
    await publish(fresh);
    await publish(fresh);
    await publish({ ...fresh, key: 'c:tango:last', n: 'nonce-last-0001' });
    await until(() => seen.includes('c:tango:last'), 5000);
    expect(seen).toEqual(['c:tango:fresh', 'c:tango:last']);
  });
});
