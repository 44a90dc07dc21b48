/**
 * A fleet quota script that Redis refuses (junk in its key) is not a silent, permanent fallback: the lookup still
 * gets its slot from the replica's local share, and the refusal shows in readiness (degraded, `scripts: failing`)
 * and in a metric. A real redis-server; wall time (Redis's own clock decides the slots).
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { systemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { GatewayMetrics } from '../../src/core/metrics.js';
import { Fleet } from '../../src/fleet/fleet.js';
import { TestRedis } from '../support/redis-server.js';
import { until } from '../support/until.js';
import { answering } from '../support/fleet-replica.js';

let redis: TestRedis;
let fleet: Fleet;
const metrics = new GatewayMetrics({ size: 0, bytes: 0 });

beforeAll(async () => {
  redis = await TestRedis.start();
  const logger = createLogger({
    level: 'silent',
    adapters: [],
    destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
  });
  fleet = new Fleet(
    {
      redis: { kind: 'single', url: redis.url },
      keyPrefix: 'quota-script:',
      timeoutMs: 2000,
      size: 2,
      encryptionKey: undefined,
    },
    logger,
    systemClock,
    metrics,
  );
  // Connecting usually takes milliseconds; the bound is for a loaded machine.
  await until(() => fleet.health === 'up', 15_000);
});
afterAll(async () => {
  await fleet?.close();
  await redis?.kill();
});

test('junk in the quota key: the slot comes from the local share, and readiness and a metric say so', async () => {
  const quota = await answering(fleet.quota('tango', 10));
  await quota.acquire(Date.now() + 5000, 'a');
  expect(fleet.state()).toMatchObject({ redis: 'up', scripts: 'ok' });

  const raw = new Redis(redis.url);
  await raw.set('quota-script:quota:{tango}', 'not a number');
  raw.disconnect();
  // Still served: the replica's share of the rate (5 per second here) without Redis.
  await quota.acquire(Date.now() + 5000, 'a');
  expect(fleet.health).toBe('degraded');
  expect(fleet.state()).toMatchObject({ scripts: 'failing' });
  expect(await metrics.render()).toMatch(/fleet_redis_script_errors_total\{script="quota"\} 1\b/);
});
