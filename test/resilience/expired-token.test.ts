/**
 * The `expired-token` fault that the chaos run injects into Adobe's calls: the simulator really expires the token
 * and answers Adobe's own 401 (code 4116); the gateway drops the token, fetches one new IMS token and succeeds.
 */
import { IMS_PATH } from '../../providers/adobe-vip/simulator.js';
import type { Simulator } from '../../src/core/simulator.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const NO_CACHE = { headers: { 'Cache-Control': 'no-cache' } };

let gw: TestGateway;
let sim: Simulator;
beforeAll(async () => {
  // No test here waits for a timeout: a generous one keeps a healthy answer on a loaded machine from being cut (300 ms
  // once cut the first lookup).
  const env = { PROVIDERS: 'adobe-vip', ADOBE_VIP_TIMEOUT_MS: '2000', ADOBE_VIP_RETRIES: '0' };
  gw = await startTestGateway({ env });
  sim = gw.sim('adobe-vip');
});
afterAll(async () => gw.close());
beforeEach(() => sim.reset());

test('an expired IMS token gets Adobe’s 401 4116; the gateway refreshes once and the lookup succeeds', async () => {
  expect((await gw.lookup('adobe-vip', '9876543210', NO_CACHE)).status).toBe(200);
  const oldToken = sim.log.at(-1)?.headers.authorization;
  const issued = sim.tokens?.issued ?? 0;
  sim.reset();
  sim.inject({ fault: { kind: 'expired-token' }, times: 1 });

  const res = await gw.lookup('adobe-vip', '9876543210', NO_CACHE);
  expect(res.status).toBe(200);
  expect(sim.log.map((e) => [e.path, e.status])).toEqual([
    ['/v3/customers/9876543210', 401],
    [IMS_PATH, 200],
    ['/v3/customers/9876543210', 200],
  ]);
  expect(sim.tokens?.issued).toBe(issued + 1);
  expect(sim.stats.faultKinds['expired-token']).toBe(1);

  // The old token stays expired, and the answer to it is Adobe's own body.
  const again = await fetch(`${sim.baseUrl}/v3/customers/9876543210`, {
    headers: {
      Authorization: String(oldToken),
      'X-Api-Key': gw.config.providers[0]?.env.ADOBE_VIP_API_KEY ?? '',
      Accept: 'application/json',
      'Content-Type': 'application/json',
      'X-Correlation-Id': 'c-1',
    },
  });
  expect(again.status).toBe(401);
  expect(await again.json()).toEqual({ code: '4116', message: 'Authorization token is invalid' });
});

test('a token younger than the fault’s minAgeMs is never expired: a fresh token is not already stale', async () => {
  gw.services.providers.get('adobe-vip')?.auth.invalidate();
  sim.inject({ fault: { kind: 'expired-token', minAgeMs: 60_000 } });
  expect((await gw.lookup('adobe-vip', '9876543210', NO_CACHE)).status).toBe(200);
  expect((await gw.lookup('adobe-vip', '9876543210', NO_CACHE)).status).toBe(200);
  expect(sim.stats.faults).toBe(0);
});

test('the retry after a refresh is never struck: every lookup refreshes once and succeeds', async () => {
  // Struck on every call it may strike: the model is that one lookup meets at most one expiry. Without the exemption
  // the refresh's retry would be refused again and the lookup would end in upstream-auth-failed.
  sim.inject({ fault: { kind: 'expired-token' } });
  for (let i = 0; i < 2; i++) expect((await gw.lookup('adobe-vip', '9876543210', NO_CACHE)).status).toBe(200);
  expect(sim.log.map((e) => [e.path, e.status])).toEqual(
    Array(2)
      .fill([
        ['/v3/customers/9876543210', 401],
        [IMS_PATH, 200],
        ['/v3/customers/9876543210', 200],
      ])
      .flat(),
  );
  expect(sim.stats.faultKinds['expired-token']).toBe(2);
});
