/**
 * `DELETE /cache/customers/{provider}/{id}`: drops one cached entry so that the next lookup reads the upstream;
 * 404 when nothing was cached; the lookups' id rules; the `cache:purge` scope and the provider grant; open
 * (sandbox) mode may purge.
 */
import { adapters } from '../../providers/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { bearer, keyFile, newApiKey, sha256Hex, withGateway } from './fixtures.js';
import { piiTestAdapter } from './pii-adapter.js';

const OPS_KEY = newApiKey();
const OPS_ELSEWHERE_KEY = newApiKey();
const READER_KEY = newApiKey();
const ID = 'acme-wellness';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    adapters: [...adapters, piiTestAdapter],
    env: {
      GATEWAY_API_KEYS: keyFile([
        { name: 'ops', keySha256: [sha256Hex(OPS_KEY)], providers: ['tango'], scopes: ['cache:purge'] },
        {
          name: 'ops-elsewhere',
          keySha256: [sha256Hex(OPS_ELSEWHERE_KEY)],
          providers: ['piitest'],
          scopes: ['cache:purge'],
        },
        { name: 'reader', keySha256: [sha256Hex(READER_KEY)], providers: ['*'], scopes: ['pii:read'] },
      ]),
    },
  });
});
afterAll(async () => gw.close());

const purge = (path: string, key = OPS_KEY) =>
  fetch(`${gw.url}/cache/customers/${path}`, { method: 'DELETE', headers: bearer(key) });
const lookup = (id: string) => gw.lookup('tango', id, { headers: bearer(READER_KEY) });

test('a purge drops the cached customer: 204, and the next lookup reads the upstream again', async () => {
  const sim = gw.sim('tango');
  expect((await lookup(ID)).headers.get('cache-status')).toContain('fwd=miss');
  const hit = await lookup(ID);
  expect(hit.headers.get('cache-status')).toMatch(/; hit; /);
  const served = sim.stats.apiRequests;

  const res = await purge(`tango/${ID}`);
  expect(res.status).toBe(204);
  expect(await res.text()).toBe('');

  const after = await lookup(ID);
  expect(after.status).toBe(200);
  expect(after.headers.get('cache-status')).toContain('fwd=miss');
  expect(sim.stats.apiRequests).toBe(served + 1);
  expect(gw.logs().some((l) => l.msg === 'cache entry purged' && l.client === 'ops')).toBe(true);
});

test('purging what is not cached is a 404 not-found problem that says so', async () => {
  const res = await purge('tango/no-accounts-yet');
  expect(res.status).toBe(404);
  const body = (await res.json()) as { type: string; detail: string; provider: string };
  expect(body).toMatchObject({ type: '/problems/not-found', provider: 'tango' });
  expect(body.detail).toMatch(/Nothing is cached/);
});

test('a cached customer-not-found can be purged too: the next lookup asks the upstream again', async () => {
  const sim = gw.sim('tango');
  expect((await lookup('created-later')).status).toBe(404);
  const served = sim.stats.apiRequests;
  expect((await lookup('created-later')).status).toBe(404);
  expect(sim.stats.apiRequests).toBe(served);
  expect((await purge('tango/created-later')).status).toBe(204);
  expect((await lookup('created-later')).status).toBe(404);
  expect(sim.stats.apiRequests).toBe(served + 1);
});

test('the id follows the lookup rules: an invalid id is 400, an unknown provider 404', async () => {
  const invalid = await purge('tango/x!');
  expect(invalid.status).toBe(400);
  expect(((await invalid.json()) as { type: string }).type).toBe('/problems/invalid-request');
  const unknown = await purge('nope/whatever');
  expect(unknown.status).toBe(404);
  expect(((await unknown.json()) as { type: string }).type).toBe('/problems/unknown-provider');
});

test('without cache:purge, or for a provider outside the grant, a purge is 403 and the entry stays', async () => {
  await lookup(ID);
  const noScope = await purge(`tango/${ID}`, READER_KEY);
  expect(noScope.status).toBe(403);
  const otherProvider = await purge(`tango/${ID}`, OPS_ELSEWHERE_KEY);
  expect(otherProvider.status).toBe(403);
  expect(((await otherProvider.json()) as { detail: string }).detail).toMatch(/provider "tango"/);
  expect((await lookup(ID)).headers.get('cache-status')).toMatch(/; hit; /);
});

test('in open (sandbox) mode anyone may purge', () =>
  withGateway({}, async (open) => {
    await open.lookup('tango', ID);
    expect((await fetch(`${open.url}/cache/customers/tango/${ID}`, { method: 'DELETE' })).status).toBe(204);
  }));
