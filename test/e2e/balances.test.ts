/**
 * `GET /customers/tango/{id}?include=balances` end to end against the Tango simulator: balances read from the
 * accounts endpoint (every page, either documented form), one cache entry apart from the plain lookup, the
 * partial answer when only the accounts read fails, and the providers that have no balances.
 */
import { balancesKey, customerKey } from '../../src/core/cache-key.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problems.js';

interface Account {
  id: string;
  balance: number | null;
  currency: string | null;
  contactEmail: string | null;
}
interface Answer {
  data: { providerId: string; accounts: Account[] };
  raw?: unknown;
  meta: { cache: string; partial?: { missing: string[]; problem: string; detail: string } };
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({ env: { TANGO_RETRIES: '0' } });
});
afterAll(async () => gw.close());
beforeEach(() => {
  for (const sim of gw.simulators.values()) sim.reset();
  gw.services.cache.delete(balancesKey(customerKey('tango', 'zanzibar-health')));
  gw.services.cache.delete(customerKey('tango', 'zanzibar-health'));
});

const withBalances = (id: string, init: RequestInit = {}) =>
  gw.lookup('tango', id, { query: 'include=balances', ...init });
const tangoPaths = () => gw.sim('tango').log.map((r) => r.path);

test('include=balances fills each account’s balance, currency and contact from Tango’s accounts endpoint', async () => {
  const res = await withBalances('zanzibar-health');
  expect(res.status).toBe(200);
  const body = (await res.json()) as Answer;
  expect(body.data.accounts).toEqual([
    expect.objectContaining({
      id: 'zanzibar-main',
      balance: 1250.5,
      currency: 'USD',
      contactEmail: 'finance@zanzibar.example',
    }),
    expect.objectContaining({ id: 'zanzibar-eu', balance: 0, currency: 'EUR', contactEmail: null }),
  ]);
  expect(body.meta.partial).toBeUndefined();
  // Two upstream reads: the customer and its accounts (paginated, Tango's largest page).
  expect(tangoPaths()).toEqual(['/customers/zanzibar-health', '/customers/zanzibar-health/accounts']);
  const accounts = gw.sim('tango').log[1];
  expect([accounts?.query.get('paginate'), accounts?.query.get('maxResults')]).toEqual(['true', '200']);
  expect(res.headers.get('cache-status')).toBe('customer-gateway; fwd=miss; stored');
});

test('the answer is one cache entry, apart from the plain lookup', async () => {
  await withBalances('zanzibar-health');
  const again = await withBalances('zanzibar-health');
  expect(((await again.json()) as Answer).meta.cache).toBe('hit');
  expect(tangoPaths()).toHaveLength(2);
  // The plain lookup is its own entry, without balances.
  const plain = (await (await gw.lookup('tango', 'zanzibar-health')).json()) as Answer;
  expect(plain.meta.cache).toBe('miss');
  expect(plain.data.accounts.map((a) => a.balance)).toEqual([null, null]);
  expect(tangoPaths()).toHaveLength(3);
});

test('every page of the accounts endpoint is read', async () => {
  const body = (await (await withBalances('many-budgets-group')).json()) as Answer;
  expect(body.data.accounts).toHaveLength(205);
  expect(body.data.accounts.every((a, i) => a.balance === (i + 1) * 10)).toBe(true);
  const pages = gw.sim('tango').log.filter((r) => r.path.endsWith('/accounts'));
  expect(pages).toHaveLength(2);
  // The second page is asked with the cursor Tango gave on the first.
  expect(pages[0]?.query.get('nextCursor')).toBeNull();
  expect(pages[1]?.query.get('nextCursor')).toMatch(/\S/);
});

test('an accounts endpoint answering a plain array is read too', async () => {
  const array = [{ accountIdentifier: 'acme-rewards', currencyCode: 'USD', currentBalance: 42, status: 'ACTIVE' }];
  gw.sim('tango').inject({ fault: { kind: 'status', status: 200, body: array }, match: '/accounts' });
  const body = (await (await withBalances('acme-wellness')).json()) as Answer;
  expect(body.data.accounts[0]).toMatchObject({ id: 'acme-rewards', balance: 42, currency: 'USD' });
});

test('only the accounts read fails: 200 with the customer, balances null, meta.partial, a short TTL', async () => {
  gw.sim('tango').inject({ fault: { kind: 'status', status: 503 }, match: '/accounts' });
  const res = await withBalances('zanzibar-health');
  expect(res.status).toBe(200);
  const body = (await res.json()) as Answer;
  expect(body.data.providerId).toBe('zanzibar-health');
  expect(body.data.accounts.map((a) => a.balance)).toEqual([null, null]);
  expect(body.meta.partial).toEqual({
    missing: ['balances'],
    problem: 'upstream-error',
    detail: expect.any(String) as unknown,
  });
  expect(res.headers.get('cache-status')).toBe('customer-gateway; fwd=miss; stored; detail=partial');
  expect(res.headers.get('cache-control')).toBe('private, max-age=30');

  const again = await withBalances('zanzibar-health');
  expect(again.headers.get('cache-status')).toMatch(/^customer-gateway; hit; ttl=(29|30); detail=partial$/);
  expect(((await again.json()) as Answer).meta.partial?.missing).toEqual(['balances']);
});

test('when the customer read fails, the answer is the lookup’s problem', async () => {
  await expectProblem(await withBalances('no-such-customer'), 'customer-not-found', { cached: true });
  expect(tangoPaths()).toEqual(['/customers/no-such-customer']);
});

test('include=raw,balances carries both', async () => {
  const body = (await (
    await gw.lookup('tango', 'aeroskobing-velvaere', { query: 'include=raw,balances' })
  ).json()) as Answer;
  expect(body.raw).toMatchObject({ customerIdentifier: 'aeroskobing-velvaere' });
  expect(body.data.accounts[0]?.balance).toBe(99.99);
});

test.each(['adobe-vip', 'frontpayment'])(
  '%s has no balances: include=balances is refused before any upstream call',
  async (provider) => {
    const id = provider === 'adobe-vip' ? '9876543210' : 'CSRT1511414842';
    const problem = await expectProblem(
      await gw.lookup(provider, id, { query: 'include=balances' }),
      'invalid-request',
    );
    expect(problem.detail).toMatch(/does not offer balances/);
    expect(gw.sim(provider).stats.apiRequests).toBe(0);
  },
);

test('a purge drops the balances answer with the customer', async () => {
  await withBalances('zanzibar-health');
  const res = await fetch(`${gw.url}/cache/customers/tango/zanzibar-health`, { method: 'DELETE' });
  expect(res.status).toBe(204);
  expect(((await (await withBalances('zanzibar-health')).json()) as Answer).meta.cache).toBe('miss');
});

test('the two reads keep Tango’s 1 request per second', async () => {
  const paced = await startTestGateway({
    env: { TANGO_RATE_LIMIT_PER_SECOND: '1' },
    simulator: (id) => ({ rateLimitPerSecond: id === 'tango' ? 1 : 0 }),
  });
  try {
    const res = await paced.lookup('tango', 'acme-wellness', { query: 'include=balances' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Answer).data.accounts[0]?.balance).toBe(5000);
    expect(paced.sim('tango').stats).toMatchObject({ apiRequests: 2, rateLimited: 0, maxPerSecond: 1 });
  } finally {
    await paced.close();
  }
});
