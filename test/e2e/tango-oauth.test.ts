/**
 * Tango's optional OAuth (docs/providers.md): a bearer token from the token endpoint, cached, refreshed once after an
 * upstream 401; a second 401 or a refused token request is upstream-auth-failed. The simulator serves both the
 * API and the token endpoint, as Tango's auth host would.
 */
import { TANGO_SIM_OAUTH, tangoSimulator } from '../../providers/tango/simulator.js';
import type { Simulator } from '../../src/core/simulator.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problems.js';

const NO_CACHE = { headers: { 'Cache-Control': 'no-cache' } };

let sim: Simulator;
beforeAll(async () => {
  sim = await tangoSimulator({ rateLimitPerSecond: 0 });
});
afterAll(async () => sim.close());
beforeEach(() => sim.reset());

const tokenRequests = () => sim.log.filter((r) => r.path === '/oauth/token').length;

function oauthGateway(secret = TANGO_SIM_OAUTH.secret): Promise<TestGateway> {
  return startTestGateway({
    env: {
      // A standalone simulator is a real upstream to the gateway: running open takes the explicit switch.
      GATEWAY_ALLOW_ANONYMOUS: 'true',
      TANGO_BASE_URL: sim.baseUrl,
      TANGO_TOKEN_URL: `${sim.origin}/oauth/token`,
      TANGO_CLIENT_ID: TANGO_SIM_OAUTH.id,
      TANGO_CLIENT_SECRET: secret,
      // The refresh retry must not depend on the retry budget.
      TANGO_RETRIES: '0',
      // No cached or stale customer may stand in for a refused lookup.
      CACHE_TTL_SECONDS: '0',
      CACHE_STALE_IF_ERROR_SECONDS: '0',
    },
  });
}

describe('with OAuth client credentials', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await oauthGateway();
  });
  afterAll(async () => gw.close());

  test('lookups carry a bearer token fetched once and reused', async () => {
    for (const id of ['zanzibar-health', 'acme-wellness', 'dormant-holdings'])
      expect((await gw.lookup('tango', id, NO_CACHE)).status).toBe(200);
    expect(tokenRequests()).toBe(1);
    const api = sim.log.filter((r) => r.path.startsWith('/customers/'));
    expect(api).toHaveLength(3);
    for (const request of api) expect(request.headers.authorization).toMatch(/^Bearer \S+$/);
    const form = new URLSearchParams(sim.log.find((r) => r.path === '/oauth/token')?.body);
    expect(Object.fromEntries(form)).toMatchObject({
      grant_type: 'client_credentials',
      scope: 'raas.all',
      audience: 'https://api.tangocard.com/',
    });
  });

  test('a 401 from Tango drops the token, fetches a new one and tries once more, outside TANGO_RETRIES', async () => {
    await gw.lookup('tango', 'acme-wellness', NO_CACHE);
    sim.reset();
    sim.inject({ fault: { kind: 'status', status: 401 }, times: 1 });
    const res = await gw.lookup('tango', 'acme-wellness', NO_CACHE);
    expect(res.status).toBe(200);
    expect(sim.stats.apiRequests).toBe(2);
    expect(tokenRequests()).toBe(1);
  });

  test('a 401 again after the refresh is upstream-auth-failed, after exactly two attempts', async () => {
    sim.inject({ fault: { kind: 'status', status: 401 } });
    const problem = await expectProblem(await gw.lookup('tango', 'acme-wellness', NO_CACHE), 'upstream-auth-failed');
    expect(problem).toMatchObject({ provider: 'tango', upstreamStatus: 401 });
    expect(sim.stats.apiRequests).toBe(2);
  });
});

test('a token endpoint that refuses the client is upstream-auth-failed, and Tango’s API is never called', async () => {
  const gw = await oauthGateway('wrong-secret');
  try {
    const problem = await expectProblem(await gw.lookup('tango', 'zanzibar-health'), 'upstream-auth-failed');
    expect(problem.provider).toBe('tango');
    expect(JSON.stringify(problem)).not.toContain('wrong-secret');
    expect(sim.stats.apiRequests).toBe(0);
    expect(tokenRequests()).toBe(1);
  } finally {
    await gw.close();
  }
});
