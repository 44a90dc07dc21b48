/** Token fetches of Tango's optional OAuth are counted by provider and outcome. */
import { TANGO_SIM_OAUTH, tangoSimulator } from '../../providers/tango/simulator.js';
import type { Simulator } from '../../src/core/simulator.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let sim: Simulator;
let gw: TestGateway;
beforeAll(async () => {
  sim = await tangoSimulator({ rateLimitPerSecond: 0 });
  gw = await startTestGateway({
    env: {
      // A standalone simulator is a real upstream to the gateway: running open takes the explicit switch.
      GATEWAY_ALLOW_ANONYMOUS: 'true',
      TANGO_BASE_URL: sim.baseUrl,
      TANGO_TOKEN_URL: `${sim.origin}/oauth/token`,
      TANGO_CLIENT_ID: TANGO_SIM_OAUTH.id,
      TANGO_CLIENT_SECRET: TANGO_SIM_OAUTH.secret,
    },
  });
});
afterAll(async () => {
  await gw.close();
  await sim.close();
});

test('token_fetches_total counts one fetch for several lookups, and /readyz shows the token state', async () => {
  expect((await gw.lookup('tango', 'zanzibar-health')).status).toBe(200);
  expect((await gw.lookup('tango', 'acme-wellness')).status).toBe(200);
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  expect(text).toContain('token_fetches_total{provider="tango",outcome="ok"} 1');
  const ready = (await (await fetch(`${gw.url}/readyz`)).json()) as {
    providers: { tango: { auth: Record<string, unknown> } };
  };
  expect(ready.providers.tango.auth).toMatchObject({
    kind: 'oauth2-client-credentials',
    token: 'valid',
    tokenRequests: 1,
  });
  expect(JSON.stringify(ready)).not.toContain('tango-sim-');
});
