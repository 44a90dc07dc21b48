/**
 * The TypeScript client (clients/typescript) end to end against the real gateway with API keys, in front of its
 * simulators: every helper over real HTTP, the 304 reuse, problems as typed errors, and retries only where the
 * gateway advises them. The client's fetch is the global one, wrapped only to record what went on the wire.
 */
import { jest } from '@jest/globals';
import {
  createGatewayClient,
  GatewayProblem,
  isFound,
  problemOfItem,
  type GatewayClientOptions,
} from '../../clients/typescript/src/index.js';
import { customerKey } from '../../src/core/cache-key.js';
import { A, F, T } from '../fixtures/linked-set.js';
import { fillIndex } from '../linking/indexed-gateway.js';
import { keyFile, newApiKey, sha256Hex } from '../security/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

jest.setTimeout(60_000);

const KEY = newApiKey();
const READER_KEY = newApiKey();

interface Sent {
  method: string;
  path: string;
  status: number;
  at: number;
  headers: Headers;
}

let gw: TestGateway;
let sent: Sent[];

beforeAll(async () => {
  const keys = keyFile([
    { name: 'internal-app', keySha256: [sha256Hex(KEY)], providers: ['*'], scopes: ['customers:search'] },
    { name: 'reader', keySha256: [sha256Hex(READER_KEY)], providers: ['*'], scopes: [] },
  ]);
  // One upstream attempt per lookup, so that each fault the tests inject is one answer of the gateway.
  gw = await startTestGateway({ env: { GATEWAY_API_KEYS: keys, TANGO_RETRIES: '0' } });
  // The index is filled as an app would, with its key (Frontpayment's records enter it by lookups).
  const lookup = gw.lookup.bind(gw);
  gw.lookup = (provider, id, init = {}) =>
    lookup(provider, id, { ...init, headers: { authorization: `Bearer ${KEY}` } });
  await fillIndex(gw);
});
afterAll(async () => gw.close());
beforeEach(() => {
  sent = [];
  for (const simulator of gw.simulators.values()) simulator.reset();
});

/** A client of the test gateway whose every request (each attempt, each revalidation) is recorded in `sent`. */
const clientOf = (options: Partial<GatewayClientOptions> = {}) =>
  createGatewayClient({
    baseUrl: gw.url,
    token: KEY,
    fetch: async (request) => {
      const headers = new Headers(request.headers);
      const response = await fetch(request);
      const { pathname, search } = new URL(request.url);
      sent.push({ method: request.method, path: pathname + search, status: response.status, at: Date.now(), headers });
      return response;
    },
    ...options,
  });

/** For `.then(unexpected, caught)`: the error a call failed with, and a failure of the test if it succeeded. */
const unexpected = (value: unknown): never => {
  throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
};
const caught = (error: unknown): unknown => error;

const tangoCalls = () => gw.sim('tango').log.filter((r) => r.path.startsWith('/customers/'));

describe('lookup', () => {
  test('answers the customer in the common model, with the token and the request id sent', async () => {
    const client = clientOf();
    const answer = await client.lookup('tango', 'zanzibar-health', { requestId: 'app-req-1' });
    expect(answer.data.provider).toBe('tango');
    expect(answer.data.providerId).toBe('zanzibar-health');
    expect(answer.meta.requestId).toBe('app-req-1');
    expect(sent[0]?.headers.get('authorization')).toBe(`Bearer ${KEY}`);
    expect(sent[0]?.headers.get('x-request-id')).toBe('app-req-1');
  });

  test('a request id from the client-wide source is sent when the call names none', async () => {
    const client = clientOf({ requestId: () => 'from-context-7' });
    const answer = await client.lookup('adobe-vip', '9876543210');
    expect(answer.meta.requestId).toBe('from-context-7');
  });

  test('asking again sends If-None-Match, and the 304 is answered with the kept body', async () => {
    const client = clientOf();
    const first = await client.lookup('frontpayment', 'CSRT1511414842');
    const second = await client.lookup('frontpayment', 'CSRT1511414842', { requestId: 'second-look' });
    expect(sent.map((s) => s.status)).toEqual([200, 304]);
    expect(sent[1]?.headers.get('if-none-match')).toMatch(/^".+"$/);
    expect(second).toEqual(first);
    // Once answered 304, the same question is revalidated again, not answered from the client's memory alone.
    await client.lookup('frontpayment', 'CSRT1511414842');
    expect(sent.map((s) => s.status)).toEqual([200, 304, 304]);
  });

  test('an unknown customer is a GatewayProblem with its code, status and request id', async () => {
    const client = clientOf();
    const failure = await client
      .lookup('tango', 'no-such-customer', { requestId: 'missing-1' })
      .then(unexpected, caught);
    expect(failure).toBeInstanceOf(GatewayProblem);
    expect(failure).toMatchObject({
      code: 'customer-not-found',
      status: 404,
      retryable: false,
      requestId: 'missing-1',
      provider: 'tango',
    });
  });

  test('a bad query parameter is a problem naming the parameter', async () => {
    const failure = await clientOf().search({ email: 'post@nordlys.example.no', limit: 500 }).then(unexpected, caught);
    expect(failure).toMatchObject({ code: 'invalid-request', status: 400, parameter: 'limit' });
  });
});

describe('retries', () => {
  // Each test asks the upstream: nothing of an earlier one may be answered from the gateway's cache.
  beforeEach(() => gw.services.cache.delete(customerKey('tango', 'zanzibar-health')));
  const rateLimitedOnce = () =>
    gw.sim('tango').inject({
      fault: { kind: 'status', status: 429, headers: { 'Retry-After': '1' } },
      times: 1,
      match: '/customers/',
    });

  test('a retryable 503 with Retry-After is asked again after that many seconds, and then succeeds', async () => {
    rateLimitedOnce();
    const answer = await clientOf().lookup('tango', 'zanzibar-health', { requestId: 'retried-1' });
    expect(answer.data.providerId).toBe('zanzibar-health');
    expect(sent.map((s) => s.status)).toEqual([503, 200]);
    const [refused, retried] = sent;
    expect((retried?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(950);
    // One request id across the attempts, so that the gateway's log ties them together.
    expect(sent.map((s) => s.headers.get('x-request-id'))).toEqual(['retried-1', 'retried-1']);
    expect(tangoCalls()).toHaveLength(2);
  });

  test('attempts are bounded: the last answer is thrown with its advice', async () => {
    gw.sim('tango').inject({
      fault: { kind: 'status', status: 429, headers: { 'Retry-After': '1' } },
      match: '/customers/',
    });
    const failure = await clientOf({ retry: { attempts: 2 } })
      .lookup('tango', 'zanzibar-health')
      .then(unexpected, caught);
    expect(failure).toMatchObject({ code: 'upstream-rate-limited', status: 503, retryable: true, retryAfter: 1 });
    expect(sent.map((s) => s.status)).toEqual([503, 503]);
  });

  test('a retryable problem without Retry-After is not retried', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 500 }, times: 1, match: '/customers/' });
    const failure = await clientOf().lookup('tango', 'zanzibar-health').then(unexpected, caught);
    expect(failure).toMatchObject({ code: 'upstream-error', status: 502, retryable: true, retryAfter: undefined });
    expect(sent).toHaveLength(1);
  });

  test('a Retry-After longer than the caller waits for is handed back at once', async () => {
    rateLimitedOnce();
    const failure = await clientOf({ retry: { maxWaitSeconds: 0 } })
      .lookup('tango', 'zanzibar-health')
      .then(unexpected, caught);
    expect(failure).toMatchObject({ code: 'upstream-rate-limited', retryAfter: 1 });
    expect(sent).toHaveLength(1);
  });

  test('a problem that is not retryable (a refused key) is not retried', async () => {
    const failure = await clientOf({ token: 'not-a-key' }).lookup('tango', 'zanzibar-health').then(unexpected, caught);
    expect(failure).toMatchObject({ code: 'unauthorized', status: 401, retryable: false });
    expect(sent).toHaveLength(1);
  });
});

describe('batch', () => {
  test('answers each lookup in the order asked, failures as items that become typed problems', async () => {
    const results = await clientOf().batch([
      { provider: 'tango', id: 'zanzibar-health' },
      { provider: 'frontpayment', id: 'CSRT0000000000' },
      { provider: 'adobe-vip', id: '9876543210' },
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 404, 200]);
    const [found, missing] = results;
    if (!found || !isFound(found)) throw new Error('the first lookup should have been found');
    expect(found.data.providerId).toBe('zanzibar-health');
    if (!missing || isFound(missing)) throw new Error('the second lookup should have failed');
    expect(problemOfItem(missing)).toMatchObject({ code: 'customer-not-found', provider: 'frontpayment' });
  });

  test('more lookups than one request holds are sent as several requests, answered in order', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `nobody-${String(i).padStart(3, '0')}`);
    const results = await clientOf().batch(ids.map((id) => ({ provider: 'tango', id })));
    expect(sent.map((s) => s.path)).toEqual(['/customers/batch', '/customers/batch']);
    expect(results).toHaveLength(150);
    expect(results.map((r) => (isFound(r) ? '' : r.problem.instance))).toEqual(
      ids.map((id) => `/customers/tango/${id}`),
    );
  });
});

describe('lists', () => {
  test('pages follows links.next to the last page, and every seeded customer comes once', async () => {
    const client = clientOf();
    const sizes: number[] = [];
    for await (const page of client.pages('tango', { limit: 2 })) sizes.push(page.data.length);
    expect(sizes.every((n) => n <= 2)).toBe(true);
    expect(sizes.length).toBeGreaterThan(1);
    const seen: string[] = [];
    for await (const customer of client.customers('tango', { limit: 2 })) seen.push(customer.providerId);
    expect([...seen].sort()).toEqual([...gw.sim('tango').seedIds].sort());
    expect(sent.filter((s) => s.path.includes('cursor=')).every((s) => s.headers.has('authorization'))).toBe(true);
  });

  test('a provider without a list is a typed problem on the first page', async () => {
    const walk = async () => {
      for await (const _page of clientOf().pages('frontpayment')) return 'a page';
    };
    await expect(walk()).rejects.toMatchObject({ code: 'operation-not-supported', status: 404 });
  });
});

describe('search and links', () => {
  test('a search by e-mail finds the company in every provider', async () => {
    const answer = await clientOf().search({ email: 'post@nordlys.example.no' });
    expect(answer.data.map((m) => `${m.provider}:${m.providerId}`).sort()).toEqual(
      [T.nordlys, A.nordlys, F.nordlys].map((r) => `${r.provider}:${r.providerId}`).sort(),
    );
  });

  test('links name the same company elsewhere, with the band and evidence', async () => {
    const answer = await clientOf().links('adobe-vip', A.nordlys.providerId);
    const same = answer.data.links.filter((l) => l.band === 'same').map((l) => l.id);
    expect(same).toEqual(
      expect.arrayContaining([`tango:${T.nordlys.providerId}`, `frontpayment:${F.nordlys.providerId}`]),
    );
    expect(answer.data.links.every((l) => l.evidence.length > 0)).toBe(true);
  });

  test('a caller without the search scope gets forbidden as a typed problem', async () => {
    const failure = await clientOf({ token: READER_KEY }).search({ name: 'Nordlys Energi' }).then(unexpected, caught);
    expect(failure).toMatchObject({ code: 'forbidden', status: 403, retryable: false });
  });
});

describe('every other route through api, typed', () => {
  test('GET /providers', async () => {
    const { data } = await clientOf().api.GET('/providers');
    expect(data?.data.map((p) => p.id).sort()).toEqual(['adobe-vip', 'frontpayment', 'tango']);
  });
});
