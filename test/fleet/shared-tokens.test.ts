/**
 * One OAuth token per credential for the fleet: two replicas sharing one redis-server and one Tango simulator with
 * its token endpoint fetch one token between them, and a 401 at one replica invalidates it for both.
 */
import { tangoSimulator } from '../../providers/tango/simulator.js';
import type { Simulator } from '../../src/core/simulator.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { TestRedis } from '../support/redis-server.js';
import { tangoOAuthEnv } from '../support/tango-oauth-env.js';

let redis: TestRedis;
let sim: Simulator;
let a: TestGateway;
let b: TestGateway;

const tokenRequests = () => sim.log.filter((r) => r.path === '/oauth/token').length;
const NO_CACHE = { headers: { 'Cache-Control': 'no-cache' } };

function replica(): Promise<TestGateway> {
  return startTestGateway({
    env: {
      ...tangoOAuthEnv(sim),
      TANGO_RETRIES: '0',
      REDIS_URL: redis.url,
      INDEX_KEY: Buffer.alloc(32, 7).toString('base64'),
      // A loaded test machine must not be mistaken for a failing Redis (see two-replicas.test.ts).
      REDIS_TIMEOUT_MS: '1000',
      LOG_LEVEL: 'info',
    },
  });
}

beforeAll(async () => {
  redis = await TestRedis.start();
  sim = await tangoSimulator({ rateLimitPerSecond: 0 });
  [a, b] = await Promise.all([replica(), replica()]);
  // Generous: connecting usually takes milliseconds, but once took over 5 s on a loaded machine.
  const end = Date.now() + 15_000;
  while (!(
    a.services.fleet?.events.listening &&
    b.services.fleet?.events.listening &&
    a.services.fleet.health === 'up'
  )) {
    if (Date.now() > end) throw new Error('the replicas did not connect to redis');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await sim?.close();
  await redis?.stop();
});

test('concurrent lookups at both replicas fetch one token between them, and both use it', async () => {
  const answers = await Promise.all(
    ['zanzibar-health', 'acme-wellness', 'dormant-holdings', 'edge-case-co'].map((id, i) =>
      (i % 2 ? a : b).lookup('tango', id),
    ),
  );
  expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  expect(tokenRequests()).toBe(1);
  const bearers = new Set(sim.log.filter((r) => r.path.startsWith('/customers/')).map((r) => r.headers.authorization));
  expect(bearers.size).toBe(1);
  // The token never appears in a Redis key or a log line.
  const token = [...bearers][0]?.replace(/^Bearer /, '') ?? '';
  expect(token).not.toBe('');
  expect(a.logText()).not.toContain(token);
});

test('a 401 at one replica invalidates the token for both: one new token, used by the other replica too', async () => {
  const before = tokenRequests();
  // The simulator expires the token it is shown (its own clock says so), and answers 401 with it.
  sim.inject({ fault: { kind: 'expired-token' }, times: 1, match: '/customers/' });
  expect((await a.lookup('tango', 'no-accounts-yet', NO_CACHE)).status).toBe(200);
  expect(tokenRequests()).toBe(before + 1);
  // Replica b does not try the refused token: it reads the new one.
  expect((await b.lookup('tango', 'aeroskobing-velvaere', NO_CACHE)).status).toBe(200);
  expect(tokenRequests()).toBe(before + 1);
  const last = sim.log.filter((r) => r.path.startsWith('/customers/')).slice(-2);
  expect(last.map((r) => r.status)).toEqual([200, 200]);
  expect(last[0]?.headers.authorization).toBe(last[1]?.headers.authorization);
});

test('a REDIS_URL without a password is warned about at start, once', () => {
  const warnings = a.logs().filter((l) => String(l.msg).startsWith('REDIS_URL has no password'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]?.level).toBe(40);
});
