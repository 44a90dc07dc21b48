/**
 * `GET /customers/{provider}` end to end against the simulators: paging through `links.next`, filters, the
 * signed cursor, the page cache, the gateway paging a plain array, and the providers that do not offer a list.
 */
import { ADOBE_SEEDS } from '../../providers/adobe-vip/seeds.js';
import { keyFile, newApiKey, sha256Hex } from '../security/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problems.js';

interface Page {
  data: {
    id: string;
    provider: string;
    providerId: string;
    status: string;
    displayName: string | null;
    nationalId: string | null;
  }[];
  links: { next: string | null };
  meta: { requestId: string; cache: string; limit: number; count: number; fetchedAt: string };
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => gw.close());
beforeEach(() => {
  gw.sim('tango').reset();
  gw.sim('adobe-vip').reset();
});

const get = (path: string, init?: RequestInit) => fetch(`${gw.url}${path}`, init);

/** Follows `links.next` from `first` until it is null; returns every page. */
async function walk(first: string): Promise<Page[]> {
  const pages: Page[] = [];
  for (let path: string | null = first; path !== null;) {
    const res = await get(path);
    expect(res.status).toBe(200);
    const page = (await res.json()) as Page;
    pages.push(page);
    path = page.links.next;
    if (pages.length > 50) throw new Error('links.next never ended');
  }
  return pages;
}

const ids = (pages: Page[]) => pages.flatMap((p) => p.data.map((c) => c.providerId));

describe('Tango', () => {
  test('walking limit=2 through links.next returns every seeded customer once and no other', async () => {
    const pages = await walk('/customers/tango?limit=2');
    const seen = ids(pages);
    expect([...seen].sort()).toEqual([...gw.sim('tango').seedIds].sort());
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages.every((p) => p.data.length <= 2 && p.meta.limit === 2 && p.meta.count === p.data.length)).toBe(true);
    expect(pages.at(-1)?.links.next).toBeNull();
    // Each page is one upstream call of Tango's paginated list, with the gateway's page size.
    const calls = gw.sim('tango').log.filter((r) => r.path === '/customers');
    expect(calls).toHaveLength(pages.length);
    expect(calls.every((r) => r.query.get('paginate') === 'true' && r.query.get('maxResults') === '2')).toBe(true);
  });

  test('items are customers in the common model, as the lookup answers them', async () => {
    const page = (await (await get('/customers/tango?limit=100')).json()) as Page;
    const listed = page.data.find((c) => c.providerId === 'zanzibar-health');
    const single = (await (await gw.lookup('tango', 'zanzibar-health')).json()) as { data: unknown };
    expect(listed).toEqual(single.data);
  });

  test('the status filter reaches Tango in its own terms, and the next link keeps it', async () => {
    const pages = await walk('/customers/tango?limit=1&status=inactive');
    expect(ids(pages)).toEqual(['dormant-holdings']);
    const first = gw.sim('tango').log.find((r) => r.path === '/customers');
    expect(first?.query.get('status')).toBe('INACTIVE');
  });

  test('the name filter is passed to Tango as displayName', async () => {
    const pages = await walk('/customers/tango?name=acme');
    expect(ids(pages)).toEqual(['acme-wellness']);
    expect(
      gw
        .sim('tango')
        .log.find((r) => r.path === '/customers')
        ?.query.get('displayName'),
    ).toBe('acme');
  });

  test('pages are cached: walking again makes no upstream call and says hit', async () => {
    const first = await walk('/customers/tango?limit=3&status=active');
    const calls = gw.sim('tango').stats.apiRequests;
    const again = await walk('/customers/tango?limit=3&status=active');
    expect(ids(again)).toEqual(ids(first));
    expect(gw.sim('tango').stats.apiRequests).toBe(calls);
    expect(again.every((p) => p.meta.cache === 'hit')).toBe(true);
    const res = await get('/customers/tango?limit=3&status=active');
    expect(res.headers.get('cache-status')).toMatch(/^customer-gateway; hit; ttl=\d+$/);
    expect(res.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
  });

  test('a whole list answered as a plain array is paged by the gateway, once per customer', async () => {
    const all = gw.sim('tango').seedIds.map((id) => ({
      customerIdentifier: id,
      displayName: `Name of ${id}`,
      status: 'ACTIVE',
      createdAt: '2024-01-01T00:00:00Z',
      accounts: [],
    }));
    gw.sim('tango').inject({ fault: { kind: 'status', status: 200, body: all }, match: '/customers' });
    const pages = await walk('/customers/tango?limit=3&name=plain');
    expect(ids(pages)).toEqual(gw.sim('tango').seedIds);
    expect(pages).toHaveLength(Math.ceil(all.length / 3));
    // One upstream call: the array is cached and the later pages are slices of it.
    expect(gw.sim('tango').stats.apiRequests).toBe(1);
  });

  test('a body that is neither an array nor a paginated object is upstream-invalid-response', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 200, body: { unexpected: true } }, match: '/customers' });
    await expectProblem(await get('/customers/tango?name=broken'), 'upstream-invalid-response');
  });

  test('an upstream 404 on the list is upstream-error, never customer-not-found', async () => {
    gw.sim('tango').inject({
      fault: { kind: 'status', status: 404, body: { message: 'No resource' } },
      match: '/customers',
    });
    await expectProblem(await get('/customers/tango?name=missing'), 'upstream-error');
  });
});

describe('the cursor', () => {
  const nextOf = async (path: string) => ((await (await get(path)).json()) as Page).links.next ?? '';
  const cursorOf = (link: string) => new URL(link, 'http://x').searchParams.get('cursor') ?? '';

  test('a cursor used with other filters is refused', async () => {
    const cursor = cursorOf(await nextOf('/customers/tango?limit=1&status=active'));
    const problem = await expectProblem(
      await get(`/customers/tango?limit=1&status=inactive&cursor=${cursor}`),
      'invalid-request',
    );
    expect(problem.detail).toMatch(/another listing/);
    await expectProblem(await get(`/customers/tango?limit=1&cursor=${cursor}`), 'invalid-request');
  });

  test('a cursor of one provider is refused by another', async () => {
    const cursor = cursorOf(await nextOf('/customers/adobe-vip?limit=1'));
    await expectProblem(await get(`/customers/tango?limit=1&cursor=${cursor}`), 'invalid-request');
  });

  test('a tampered or made-up cursor is refused, and Tango is not called', async () => {
    const cursor = cursorOf(await nextOf('/customers/tango?limit=1'));
    const [payload = '', mac = ''] = cursor.split('.');
    const state = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...state, o: 0, u: null, p: 'adobe-vip' })).toString('base64url');
    gw.sim('tango').reset();
    for (const bad of [`${forged}.${mac}`, 'abc', `${payload}.`, `${payload}.${mac}x`]) {
      await expectProblem(await get(`/customers/tango?limit=1&cursor=${encodeURIComponent(bad)}`), 'invalid-request');
    }
    expect(gw.sim('tango').stats.apiRequests).toBe(0);
  });

  test('a cursor signed by another gateway with another secret is refused', async () => {
    const other = await startTestGateway({ env: { LIST_CURSOR_SECRET: 'x'.repeat(40) } });
    try {
      const res = await fetch(`${other.url}/customers/tango?limit=1`);
      const cursor = cursorOf(((await res.json()) as Page).links.next ?? '');
      await expectProblem(await get(`/customers/tango?limit=1&cursor=${cursor}`), 'invalid-request');
    } finally {
      await other.close();
    }
  });
});

describe('query parameters', () => {
  test.each([
    ['limit=0'],
    ['limit=101'],
    ['limit=abc'],
    ['limit=1&limit=2'],
    ['status=bogus'],
    ['status=pending'],
    ['cursor='],
    [`name=${'n'.repeat(101)}`],
  ])('%s is invalid-request, and Tango is not called', async (query) => {
    await expectProblem(await get(`/customers/tango?${query}`), 'invalid-request');
    expect(gw.sim('tango').stats.apiRequests).toBe(0);
  });

  test('limit defaults to 20', async () => {
    const page = (await (await get('/customers/tango')).json()) as Page;
    expect(page.meta.limit).toBe(20);
  });
});

describe('Adobe', () => {
  test('walking the reseller’s list (limit=2) returns every active customer of the reseller once', async () => {
    const pages = await walk('/customers/adobe-vip?limit=2');
    const expected = ADOBE_SEEDS.filter((c) => c.resellerId === '5556667778' && c.status === '1000').map(
      (c) => c.customerId,
    );
    expect(ids(pages)).toEqual(expected);
    const calls = gw.sim('adobe-vip').log.filter((r) => r.path === '/v3/resellers/5556667778/customers');
    expect(calls.map((r) => r.query.get('offset'))).toEqual(pages.map((_, i) => String(i * 2)));
    expect(calls.every((r) => typeof r.headers['x-correlation-id'] === 'string')).toBe(true);
  });

  test('status=pending asks Adobe for 1002, name is a prefix of the company name', async () => {
    const pending = ids(await walk('/customers/adobe-vip?status=pending'));
    expect(pending).toEqual(ADOBE_SEEDS.filter((c) => c.status === '1002').map((c) => c.customerId));
    expect(ids(await walk('/customers/adobe-vip?name=Fair'))).toEqual(['9876543210']);
  });

  test('the list item is the common model of what the list carries', async () => {
    const page = (await (await get('/customers/adobe-vip?name=Fairmont')).json()) as Page;
    expect(page.data[0]).toMatchObject({
      id: 'adobe-vip:9876543210',
      displayName: 'Fairmont',
      status: 'active',
      providerStatus: '1000',
    });
  });

  test('without ADOBE_VIP_RESELLER_ID, listing Adobe is not offered', async () => {
    const other = await startTestGateway({ providerEnv: { ADOBE_VIP_RESELLER_ID: '' } });
    try {
      const res = await fetch(`${other.url}/customers/adobe-vip`);
      const problem = await expectProblem(res, 'operation-not-supported');
      expect(problem.provider).toBe('adobe-vip');
      const providers = (await (await fetch(`${other.url}/providers`)).json()) as {
        data: { id: string; capabilities: string[] }[];
      };
      expect(providers.data.find((p) => p.id === 'adobe-vip')?.capabilities).toEqual(['lookup']);
      expect(other.sim('adobe-vip').stats.apiRequests).toBe(0);
    } finally {
      await other.close();
    }
  });
});

describe('providers without a list', () => {
  test('Frontpayment answers operation-not-supported without calling the upstream', async () => {
    const problem = await expectProblem(await get('/customers/frontpayment'), 'operation-not-supported');
    expect(problem.provider).toBe('frontpayment');
    expect(gw.sim('frontpayment').stats.apiRequests).toBe(0);
  });

  test('an unknown provider is unknown-provider', async () => {
    await expectProblem(await get('/customers/nope'), 'unknown-provider');
  });

  test('GET /providers says what each provider offers', async () => {
    const body = (await (await get('/providers')).json()) as {
      data: { id: string; capabilities: string[]; listFilters: unknown }[];
    };
    const of = (id: string) => body.data.find((p) => p.id === id);
    expect(of('tango')).toMatchObject({
      capabilities: ['lookup', 'list', 'balances'],
      listFilters: { status: ['active', 'inactive'], name: true },
    });
    expect(of('adobe-vip')).toMatchObject({
      capabilities: ['lookup', 'list'],
      listFilters: { status: ['active', 'pending', 'inactive'], name: true },
    });
    expect(of('frontpayment')).toMatchObject({ capabilities: ['lookup'], listFilters: null });
  });
});

describe('grants', () => {
  test('a caller whose grant lacks the provider gets forbidden, and the upstream is not called', async () => {
    const key = newApiKey();
    const other = await startTestGateway({
      env: {
        GATEWAY_API_KEYS: keyFile([
          { name: 'adobe-only', keySha256: [sha256Hex(key)], providers: ['adobe-vip'], scopes: [] },
        ]),
      },
    });
    try {
      const headers = { 'X-Api-Key': key };
      await expectProblem(await fetch(`${other.url}/customers/tango`, { headers }), 'forbidden');
      expect(other.sim('tango').stats.apiRequests).toBe(0);
      expect((await fetch(`${other.url}/customers/adobe-vip`, { headers })).status).toBe(200);
      expect((await fetch(`${other.url}/customers/adobe-vip`)).status).toBe(401);
    } finally {
      await other.close();
    }
  });
});
