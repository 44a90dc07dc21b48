import { GatewayClient, pathSegment, type FetchInit, type FetchLike } from '../../console/src/api.js';

interface Call {
  url: string;
  init: FetchInit;
}

/** A fetch that records each request and answers from a script. */
function fakeFetch(answer: (url: string) => Response | Promise<Response>): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, init });
      return answer(url);
    },
  };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

const customerDoc = {
  data: { id: 'tango:zanzibar-health', displayName: 'Zanzibar Health Group' },
  meta: { requestId: 'r1', cache: 'miss', fetchedAt: '2026-11-22T10:00:00.000Z', ageSeconds: 0 },
};

const headersOf = (call: Call | undefined) => new Headers(call?.init.headers);

describe('GatewayClient', () => {
  it('lists providers from { data: [...] }, without credentials when no key is set', async () => {
    const { fetch, calls } = fakeFetch(() =>
      json({
        data: [
          {
            id: 'tango',
            displayName: 'Tango Card',
            idPattern: '^[A-Za-z0-9-]{5,100}$',
            idPatternFlags: '',
            exampleId: 'zanzibar-health',
          },
        ],
      }),
    );
    const client = new GatewayClient({ baseUrl: 'https://gw.example/', apiKey: () => null, fetch });
    const outcome = await client.listProviders();
    expect(outcome).toMatchObject({
      kind: 'ok',
      body: [{ id: 'tango', displayName: 'Tango Card', exampleId: 'zanzibar-health' }],
    });
    expect(calls[0]?.url).toBe('https://gw.example/providers');
    expect(headersOf(calls[0]).has('Authorization')).toBe(false);
  });

  it('sends the session’s key as a Bearer token', async () => {
    const { fetch, calls } = fakeFetch(() => json(customerDoc));
    const client = new GatewayClient({ baseUrl: 'https://gw.example/', apiKey: () => 'secret-1', fetch });
    await client.getCustomer('tango', 'zanzibar-health');
    expect(headersOf(calls[0]).get('Authorization')).toBe('Bearer secret-1');
  });

  it('encodes the id as one path segment and adds include=raw for the raw view', async () => {
    const { fetch, calls } = fakeFetch(() => json(customerDoc));
    const client = new GatewayClient({ baseUrl: 'https://gw.example/base/', apiKey: () => null, fetch });
    await client.getCustomer('adobe-vip', 'Ærø/1?x', { raw: true });
    expect(calls[0]?.url).toBe('https://gw.example/base/customers/adobe-vip/%C3%86r%C3%B8%2F1%3Fx?include=raw');
  });

  it('keeps the browser cache out of lookups, and asks the gateway to skip its cache only on refresh', async () => {
    const { fetch, calls } = fakeFetch(() => json(customerDoc));
    const client = new GatewayClient({ baseUrl: 'https://gw.example/', apiKey: () => null, fetch });
    await client.getCustomer('tango', 'zanzibar-health');
    await client.getCustomer('tango', 'zanzibar-health', { noCache: true });
    expect(calls.map((c) => c.init.cache)).toEqual(['no-store', 'no-store']);
    expect(headersOf(calls[0]).get('Cache-Control')).toBe('no-transform');
    expect(headersOf(calls[1]).get('Cache-Control')).toBe('no-cache');
  });

  it('returns the customer document and the X-Request-Id', async () => {
    const { fetch } = fakeFetch(() => json(customerDoc, 200, { 'X-Request-Id': 'req-42' }));
    const client = new GatewayClient({ baseUrl: 'https://gw.example/', apiKey: () => null, fetch });
    expect(await client.getCustomer('tango', 'zanzibar-health')).toEqual({
      kind: 'ok',
      status: 200,
      body: customerDoc,
      requestId: 'req-42',
    });
  });

  it('returns a problem answer with its Retry-After and request id', async () => {
    const problem = {
      type: '/problems/upstream-rate-limited',
      title: 'Upstream rate limit',
      status: 503,
      detail: 'Tango kept answering 429.',
      requestId: 'req-7',
      retryable: true,
    };
    const { fetch } = fakeFetch(
      () =>
        new Response(JSON.stringify(problem), {
          status: 503,
          headers: { 'Content-Type': 'application/problem+json', 'Retry-After': '7' },
        }),
    );
    const client = new GatewayClient({ baseUrl: 'https://gw.example/', apiKey: () => null, fetch });
    expect(await client.getCustomer('tango', 'zanzibar-health')).toEqual({
      kind: 'problem',
      status: 503,
      problem,
      retryAfter: '7',
      requestId: 'req-7',
    });
  });

  it('calls an answer it cannot read unreadable, 2xx or not', async () => {
    const html = () =>
      new Response('<html>Bad gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } });
    const client = new GatewayClient({
      baseUrl: 'https://gw.example/',
      apiKey: () => null,
      fetch: fakeFetch(html).fetch,
    });
    expect(await client.getCustomer('tango', 'zanzibar-health')).toEqual({
      kind: 'unreadable',
      status: 502,
      requestId: null,
    });
    const odd = new GatewayClient({
      baseUrl: 'https://gw.example/',
      apiKey: () => null,
      fetch: fakeFetch(() => json({ customer: {} })).fetch,
    });
    expect(await odd.getCustomer('tango', 'zanzibar-health')).toMatchObject({ kind: 'unreadable', status: 200 });
  });

  it('reports a network failure as such', async () => {
    const client = new GatewayClient({
      baseUrl: 'https://gw.example/',
      apiKey: () => null,
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
    });
    expect(await client.getCustomer('tango', 'zanzibar-health')).toEqual({
      kind: 'network',
      message: 'Failed to fetch',
    });
  });

  /** A fetch that never answers, and rejects when its signal aborts (as fetch does). */
  const hanging: FetchLike = (_url, init) =>
    new Promise((_resolve, reject) => {
      init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    });

  it('gives up after its timeout', async () => {
    const client = new GatewayClient({
      baseUrl: 'https://gw.example/',
      apiKey: () => null,
      fetch: hanging,
      timeoutMs: 20,
    });
    expect(await client.getCustomer('tango', 'zanzibar-health')).toEqual({ kind: 'timeout', seconds: 0 });
  });

  it('says aborted when the page abandons the request', async () => {
    const client = new GatewayClient({ baseUrl: 'https://gw.example/', apiKey: () => null, fetch: hanging });
    const controller = new AbortController();
    const pending = client.getCustomer('tango', 'zanzibar-health', { signal: controller.signal });
    controller.abort();
    expect(await pending).toEqual({ kind: 'aborted' });
  });

  it('asks for each problem description once, and never for a malformed code', async () => {
    const { fetch, calls } = fakeFetch(() =>
      json({
        code: 'customer-not-found',
        title: 'Customer not found',
        status: 404,
        description: 'No such customer.',
        advice: 'Check the id.',
      }),
    );
    const client = new GatewayClient({ baseUrl: 'https://gw.example/', apiKey: () => null, fetch });
    const [a, b] = await Promise.all([
      client.describeProblem('customer-not-found'),
      client.describeProblem('customer-not-found'),
    ]);
    expect(a?.description).toBe('No such customer.');
    expect(b).toBe(a);
    expect(await client.describeProblem('../providers')).toBeNull();
    expect(calls.map((c) => c.url)).toEqual(['https://gw.example/problems/customer-not-found']);
  });

  it('asks again for a description that failed', async () => {
    let first = true;
    const { fetch, calls } = fakeFetch(() => {
      if (first) {
        first = false;
        return new Response('oops', { status: 500 });
      }
      return json({
        code: 'upstream-error',
        title: 'Upstream error',
        status: 502,
        description: 'It failed.',
        advice: 'Later.',
      });
    });
    const client = new GatewayClient({ baseUrl: 'https://gw.example/', apiKey: () => null, fetch });
    expect(await client.describeProblem('upstream-error')).toBeNull();
    expect((await client.describeProblem('upstream-error'))?.description).toBe('It failed.');
    expect(calls).toHaveLength(2);
  });
});

describe('GatewayClient: search and links', () => {
  const match = {
    id: 'tango:nordlys-energi',
    provider: 'tango',
    providerId: 'nordlys-energi',
    displayName: 'Nordlys Energi AS',
    type: 'organization',
    status: 'active',
    matchedOn: ['email'],
    score: 1,
    indexedAt: '2026-11-22T10:00:00.000Z',
  };
  const searchDoc = {
    data: [match],
    meta: { requestId: 'r1', count: 1, coverage: { tango: { source: 'crawl', records: 9, crawledAt: null } } },
  };
  const linksDoc = {
    data: {
      id: 'tango:nordlys-energi',
      links: [
        {
          id: 'adobe-vip:P1047770001',
          provider: 'adobe-vip',
          providerId: 'P1047770001',
          displayName: 'Nordlys Energi',
          band: 'same',
          score: 0.99,
          evidence: [
            { feature: 'email', agreement: 'exact', from: 'accounts[0].contactEmail', to: 'contacts[0].email' },
          ],
        },
      ],
    },
    meta: { requestId: 'r2', unavailable: [] },
  };

  it('searches by the one key the term names, the value encoded, never from the browser cache', async () => {
    const { fetch, calls } = fakeFetch(() => json(searchDoc));
    const client = new GatewayClient({ baseUrl: 'https://gw.example/base/', apiKey: () => 'k', fetch });
    const outcome = await client.searchCustomers({ key: 'phone', value: '+47 55 12 34 56' });
    expect(outcome).toMatchObject({ kind: 'ok', body: searchDoc });
    expect(calls[0]?.url).toBe('https://gw.example/base/customers/search?phone=%2B47+55+12+34+56');
    expect(calls[0]?.init.cache).toBe('no-store');
    expect(headersOf(calls[0]).get('Authorization')).toBe('Bearer k');
  });

  it('answers a refused search as a problem, with the parameter it names', async () => {
    const problem = {
      type: '/problems/invalid-request',
      title: 'Invalid request',
      status: 400,
      detail: 'The query parameter "email" is not an e-mail address.',
      parameter: 'email',
    };
    const { fetch } = fakeFetch(() => json(problem, 400));
    const client = new GatewayClient({ baseUrl: 'https://gw.example/', apiKey: () => null, fetch });
    expect(await client.searchCustomers({ key: 'email', value: 'a@' })).toMatchObject({
      kind: 'problem',
      status: 400,
      problem: { parameter: 'email', detail: problem.detail },
    });
  });

  it.each([
    ['no data', { meta: searchDoc.meta }],
    ['a match without its provider', { ...searchDoc, data: [{ ...match, provider: 7 }] }],
    ['no coverage', { data: [], meta: { requestId: 'r', count: 0 } }],
  ])('calls a search answer with %s unreadable', async (_what, body) => {
    const { fetch } = fakeFetch(() => json(body));
    const client = new GatewayClient({ baseUrl: 'https://gw.example/', apiKey: () => null, fetch });
    expect(await client.searchCustomers({ key: 'name', value: 'x' })).toMatchObject({ kind: 'unreadable' });
  });

  it('asks for a customer’s links at its own path, keeping the browser cache out', async () => {
    const { fetch, calls } = fakeFetch(() => json(linksDoc));
    const client = new GatewayClient({ baseUrl: 'https://gw.example/', apiKey: () => null, fetch });
    expect(await client.customerLinks('adobe-vip', 'Ærø/1')).toMatchObject({ kind: 'ok', body: linksDoc });
    expect(calls[0]?.url).toBe('https://gw.example/customers/adobe-vip/%C3%86r%C3%B8%2F1/links');
    expect(calls[0]?.init.cache).toBe('no-store');
    expect(headersOf(calls[0]).get('Cache-Control')).toBe('no-transform');
  });

  it.each([
    ['no links', { data: { id: 'x' }, meta: linksDoc.meta }],
    [
      'a link without evidence',
      { data: { id: 'x', links: [{ provider: 'a', providerId: 'b' }] }, meta: linksDoc.meta },
    ],
    ['no unavailable list', { data: linksDoc.data, meta: { requestId: 'r' } }],
  ])('calls a links answer with %s unreadable', async (_what, body) => {
    const { fetch } = fakeFetch(() => json(body));
    const client = new GatewayClient({ baseUrl: 'https://gw.example/', apiKey: () => null, fetch });
    expect(await client.customerLinks('tango', 'x')).toMatchObject({ kind: 'unreadable' });
  });
});

describe('pathSegment', () => {
  it('keeps a reserved character inside the segment', () => {
    expect(pathSegment('a/b?c#d')).toBe('a%2Fb%3Fc%23d');
    expect(pathSegment('a.b')).toBe('a.b');
  });
});
