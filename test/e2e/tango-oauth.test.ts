/**
 * Tango's optional OAuth (design §5): with TANGO_TOKEN_URL and a client, the gateway reads Tango with a bearer
 * token from the shared client-credentials token source instead of Basic.
 */
import { TANGO_SIM_OAUTH, tangoSimulator } from '../../providers/tango/simulator.js';
import type { Simulator } from '../../src/core/simulator.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await tangoSimulator({ rateLimitPerSecond: 0 });
});
afterAll(async () => sim.close());
beforeEach(() => sim.reset());

const gatewayWith = (secret: string): Promise<TestGateway> =>
  startTestGateway({
    env: {
      PROVIDERS: 'tango',
      TANGO_BASE_URL: sim.baseUrl,
      TANGO_TOKEN_URL: `${sim.origin}/oauth/token`,
      TANGO_CLIENT_ID: TANGO_SIM_OAUTH.id,
      TANGO_CLIENT_SECRET: secret,
    },
  });

test('lookups use one OAuth token, fetched with the client credentials, scope and audience', async () => {
  const gw = await gatewayWith(TANGO_SIM_OAUTH.secret);
  try {
    for (const id of ['zanzibar-health', 'acme-wellness']) expect((await gw.lookup('tango', id)).status).toBe(200);
    const tokens = sim.log.filter((e) => e.path === '/oauth/token');
    expect(tokens).toHaveLength(1);
    expect(Object.fromEntries(new URLSearchParams(tokens[0]?.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: TANGO_SIM_OAUTH.id,
      client_secret: TANGO_SIM_OAUTH.secret,
      scope: 'raas.all',
      audience: 'https://api.tangocard.com/',
    });
    const calls = sim.log.filter((e) => e.path.startsWith('/customers/'));
    expect(calls.map((e) => e.headers.authorization)).toEqual([expect.stringMatching(/^Bearer tango-sim-/), calls[0]?.headers.authorization]);
    expect(gw.logText()).not.toContain(TANGO_SIM_OAUTH.secret);
  } finally {
    await gw.close();
  }
});

test('a refused client is upstream-auth-failed, and the secret is not logged', async () => {
  const gw = await gatewayWith('wrong-secret');
  try {
    const res = await gw.lookup('tango', 'zanzibar-health');
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ type: '/problems/upstream-auth-failed', upstreamStatus: 401 });
    expect(sim.log.filter((e) => e.path.startsWith('/customers/'))).toHaveLength(0);
    expect(gw.logText()).not.toContain('wrong-secret');
  } finally {
    await gw.close();
  }
});
