/**
 * A replica's own refusal stays local: when the replica holding a customer's fleet lease is refused by its own gates
 * (an open circuit, a full bulkhead, its quota), nothing reached the upstream, so the replicas waiting on that lease
 * load the customer themselves instead of answering with the other replica's refusal. Failures that came from the
 * upstream are still shared. Two Fleet objects stand for two replicas on one real redis-server.
 */
import { Redis } from 'ioredis';
import { customerKey } from '../../src/core/cache-key.js';
import { systemClock } from '../../src/core/clock.js';
import { Deadline } from '../../src/core/deadline.js';
import { GatewayError } from '../../src/core/problems.js';
import { fleetLease, fleetSharedCache } from '../../src/fleet/cache-tier.js';
import type { Fleet } from '../../src/fleet/fleet.js';
import { fleetReplica, storedCustomer } from '../support/fleet-replica.js';
import { TestRedis } from '../support/redis-server.js';
import { until } from '../support/until.js';

let redis: TestRedis;
let raw: Redis;
const fleets: Fleet[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  raw = new Redis(redis.url);
});
afterAll(async () => {
  await Promise.all(fleets.map((f) => f.close()));
  raw.disconnect();
  await redis.stop();
});

/** PTTL commands Redis has served: a waiter asks the lease's time to live once it has found no result yet. */
async function pttlCalls(): Promise<number> {
  const stats = await raw.info('commandstats');
  return Number(/cmdstat_pttl:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

async function replica(): Promise<Fleet> {
  const fleet = await fleetReplica(redis.url, { keyPrefix: 'local:', size: 2 });
  fleets.push(fleet);
  return fleet;
}

/** Two replicas ask for one key; the first holds the lease and fails with `failure` once the second waits. */
async function holderFails(key: string, failure: GatewayError) {
  const [a, b] = await Promise.all([replica(), replica()]);
  const id = customerKey('tango', key);
  let holding = false;
  let bLoads = 0;
  const asked = await pttlCalls();
  const holder = fleetLease(a).run(id, Deadline.after(systemClock, 8000), async () => {
    holding = true;
    // Fails only once the other replica waits on the lease (it has asked the lease's time to live).
    await until(async () => (await pttlCalls()) > asked, 5000);
    throw failure;
  });
  await until(() => holding, 5000);
  const waiter = fleetLease(b).run(id, Deadline.after(systemClock, 8000), async () => {
    bLoads += 1;
    const fresh = storedCustomer(key);
    await fleetSharedCache(b).write(id, fresh);
    return fresh;
  });
  const [held, waited] = await Promise.allSettled([holder, waiter]);
  return { held, waited, bLoads };
}

test('a holder refused by its own gates: the waiting replica loads the customer itself', async () => {
  const refusal = new GatewayError('provider-unavailable', {
    provider: 'tango',
    detail: 'The circuit is open on this replica.',
    retryAfterSeconds: 10,
  });
  const { held, waited, bLoads } = await holderFails('refused-here', refusal);
  expect(held).toMatchObject({ status: 'rejected', reason: { code: 'provider-unavailable' } });
  expect(waited.status).toBe('fulfilled');
  expect(bLoads).toBe(1);
});

test('a holder refused by its quota before the wire: the same', async () => {
  const refusal = new GatewayError('provider-unavailable', { provider: 'tango', refusedBeforeWire: true });
  const { waited, bLoads } = await holderFails('quota-here', refusal);
  expect(waited.status).toBe('fulfilled');
  expect(bLoads).toBe(1);
});

test('a failure that came from the upstream is still shared: the waiter gets it without calling again', async () => {
  const failure = new GatewayError('upstream-error', { provider: 'tango', upstreamStatus: 503, transient: true });
  const { waited, bLoads } = await holderFails('upstream-down', failure);
  expect(waited).toMatchObject({ status: 'rejected', reason: { code: 'upstream-error', upstreamStatus: 503 } });
  expect(bLoads).toBe(0);
});
