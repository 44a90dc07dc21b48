/**
 * A throw in the gateway's own code during an attempt (here an adapter's classify) is a bug: `internal-error`,
 * logged with the request id and the cause, not retried, and never reported as an unreachable upstream.
 */
import { adapters } from '../../providers/index.js';
import type { ProviderAdapter } from '../../src/core/provider.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { problemOf } from './support.js';

const tango = adapters.find((a) => a.id === 'tango') as ProviderAdapter;
const broken: ProviderAdapter = {
  ...tango,
  classify: () => {
    throw new TypeError('classify blew up');
  },
};

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ adapters: [broken], env: { PROVIDERS: 'tango', TANGO_RETRIES: '2' } });
});
afterAll(async () => gw.close());

test('is internal-error 500, tried once, logged with the provider, the request id and the cause', async () => {
  const res = await gw.lookup('tango', 'zanzibar-health', { headers: { 'X-Request-Id': 'bug-1' } });
  expect(res.status).toBe(500);
  const problem = await problemOf(res);
  expect(problem.type).toBe('/problems/internal-error');
  expect(gw.sim('tango').stats.apiRequests).toBe(1);
  const line = gw.logs().find((l) => l.msg === 'the gateway failed during an upstream attempt');
  expect(line).toMatchObject({ provider: 'tango', requestId: 'bug-1', level: 50 });
  expect(JSON.stringify(line?.err)).toMatch(/classify blew up/);
  expect(gw.logText()).not.toMatch(/could not be reached/);
});
