/**
 * `GET /customers/search` end to end against the simulators: the labelled searches find their records across
 * providers from the index alone (no upstream call), coverage tells crawl from lookups, bad input is refused
 * naming the parameter before anything is looked up, grants hide and do not count other providers' records, and
 * what was searched for never reaches the logs or the metrics.
 */
import { jest } from '@jest/globals';
import { searches, T, type RecordKey } from '../fixtures/linked-set.js';
import { keyFile, newApiKey, sha256Hex } from '../security/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problems.js';
import { fillIndex, indexedGateway } from './indexed-gateway.js';

jest.setTimeout(60_000);

interface Match {
  id: string;
  provider: string;
  providerId: string;
  displayName: string | null;
  matchedOn: string[];
  score: number;
  indexedAt: string;
}
interface SearchBody {
  data: Match[];
  meta: { count: number; coverage: Record<string, { source: string; records: number; crawledAt: string | null }> };
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await indexedGateway();
});
afterAll(async () => gw.close());

const upstreamRequests = () => [...gw.simulators.values()].reduce((n, s) => n + s.stats.requests, 0);
const search = (query: string, headers: Record<string, string> = {}, on: TestGateway = gw) =>
  fetch(`${on.url}/customers/search?${query}`, { headers });
const key = (r: RecordKey) => `${r.provider}:${r.providerId}`;

describe.each(searches)('a search by $by ($note)', ({ by, value, finds, exact }) => {
  test('finds its records from the index alone, best first', async () => {
    const before = upstreamRequests();
    const res = await search(new URLSearchParams({ [by]: value }).toString());
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as SearchBody;
    const found = body.data.map((m) => m.id);
    if (exact) expect(found.sort()).toEqual(finds.map(key).sort());
    else expect(found).toEqual(expect.arrayContaining(finds.map(key)));
    for (const match of body.data) {
      expect(match.matchedOn).toEqual([by]);
      expect(match.score).toBeGreaterThan(0);
      expect(match.score).toBeLessThanOrEqual(1);
      expect(Date.parse(match.indexedAt)).not.toBeNaN();
    }
    const scores = body.data.map((m) => m.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(body.meta.count).toBe(body.data.length);
    expect(upstreamRequests()).toBe(before);
  });
});

test('coverage says which providers were crawled and which only fed by lookups', async () => {
  const body = (await (await search('email=post%40nordlys.example.no')).json()) as SearchBody;
  const { coverage } = body.meta;
  expect(Object.keys(coverage).sort()).toEqual(['adobe-vip', 'frontpayment', 'tango']);
  expect(coverage.tango).toMatchObject({ source: 'crawl' });
  expect(coverage['adobe-vip']).toMatchObject({ source: 'crawl' });
  expect(Date.parse(coverage.tango?.crawledAt ?? '')).not.toBeNaN();
  expect(coverage.frontpayment).toEqual({ source: 'lookups', records: expect.any(Number) as unknown, crawledAt: null });
  expect(coverage.tango?.records).toBe(gw.sim('tango').seedIds.length);
});

test('country and provider narrow a search, and limit cuts it', async () => {
  const nordlys = 'email=post%40nordlys.example.no';
  const only = (await (await search(`${nordlys}&provider=tango`)).json()) as SearchBody;
  expect(only.data.map((m) => m.id)).toEqual([key(T.nordlys)]);
  expect(Object.keys(only.meta.coverage)).toEqual(['tango']);
  const swedish = (await (await search(`${nordlys}&country=SE`)).json()) as SearchBody;
  expect(swedish.data).toEqual([]);
  const one = (await (await search('name=nordvik%20maskin&limit=1')).json()) as SearchBody;
  expect(one.data).toHaveLength(1);
});

describe('bad input is refused, naming the parameter, and nothing is looked up', () => {
  test.each([
    ['', 'email'],
    ['email=a%40b.example&phone=55123456', 'phone'],
    ['email=not-an-address', 'email'],
    ['phone=12', 'phone'],
    ['phone=call%20me', 'phone'],
    ['orgNumber=913728468', 'orgNumber'],
    ['orgNumber=123', 'orgNumber'],
    ['name=%20%20', 'name'],
    ['name=x&limit=0', 'limit'],
    ['name=nordlys&limit=51', 'limit'],
    ['name=nordlys&limit=ten', 'limit'],
    ['name=nordlys&country=Norway', 'country'],
    ['name=nordlys&provider=nowhere', 'provider'],
  ])('%s → 400 about "%s"', async (query, parameter) => {
    const before = upstreamRequests();
    const res = await search(query);
    const problem = await expectProblem(res, 'invalid-request');
    expect(problem.parameter).toBe(parameter);
    expect(upstreamRequests()).toBe(before);
  });
});

test('what was searched for reaches neither the logs nor the metrics', async () => {
  const term = 'Post@Nordlys.Example.NO';
  await search(`email=${encodeURIComponent(term)}`);
  await search('phone=%2B4777601234');
  await search('name=Skjaergaard%20Kajakk');
  const logs = gw.logText().toLowerCase();
  for (const secret of ['post@nordlys', 'nordlys.example', '77601234', 'skjaergaard']) {
    expect(logs).not.toContain(secret);
  }
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  expect(metrics).toMatch(/search_requests_total\{key="email",outcome="matches"\} [1-9]/);
  expect(metrics).toMatch(/index_records\{provider="tango"\} [1-9]/);
  expect(metrics.toLowerCase()).not.toContain('nordlys');
  expect(metrics).not.toContain('77601234');
});

test('a plain Tango lookup and a list page, which carry less than a read, take nothing out of the index', async () => {
  const query = 'email=post%40nordlys.example.no';
  const before = ((await (await search(query)).json()) as SearchBody).data.map((m) => m.id).sort();
  expect(before).toEqual(expect.arrayContaining([key(T.nordlys)]));
  // Tango keeps its e-mails on the accounts, Adobe's list items only the company name.
  const plain = await gw.lookup('tango', T.nordlys.providerId, { headers: { 'cache-control': 'no-cache' } });
  expect(plain.status).toBe(200);
  expect(
    (await fetch(`${gw.url}/customers/adobe-vip?limit=50`, { headers: { 'cache-control': 'no-cache' } })).status,
  ).toBe(200);
  expect((await fetch(`${gw.url}/customers/tango?limit=50`)).status).toBe(200);
  // Feeding runs after the answers have gone.
  await gw.services.linking.feed.settled();
  const after = ((await (await search(query)).json()) as SearchBody).data.map((m) => m.id).sort();
  expect(after).toEqual(before);
});

test('a purge takes the record out of the index', async () => {
  const query = 'email=post%40nordlys.example.no&provider=tango';
  expect(((await (await search(query)).json()) as SearchBody).data).toHaveLength(1);
  const purged = await fetch(`${gw.url}/cache/customers/${T.nordlys.provider}/${T.nordlys.providerId}`, {
    method: 'DELETE',
  });
  expect([204, 404]).toContain(purged.status);
  expect(((await (await search(query)).json()) as SearchBody).data).toEqual([]);
  // The next crawl puts it back.
  await gw.services.linking.crawler.crawl('tango');
  expect(((await (await search(query)).json()) as SearchBody).data).toHaveLength(1);
});

describe('with API keys', () => {
  const searcher = newApiKey();
  const tangoSearcher = newApiKey();
  const lookupOnly = newApiKey();
  let keyed: TestGateway;
  beforeAll(async () => {
    const keys = keyFile([
      { name: 'support', keySha256: [sha256Hex(searcher)], providers: ['*'], scopes: ['customers:search'] },
      { name: 'tango-desk', keySha256: [sha256Hex(tangoSearcher)], providers: ['tango'], scopes: ['customers:search'] },
      { name: 'lookups', keySha256: [sha256Hex(lookupOnly)], providers: ['*'], scopes: [] },
    ]);
    keyed = await startTestGateway({ env: { GATEWAY_API_KEYS: keys } });
    await fillIndexAs(keyed, searcher);
  });
  afterAll(async () => keyed?.close());

  const as = (apiKey: string) => ({ authorization: `Bearer ${apiKey}` });

  test('searching needs the scope customers:search', async () => {
    const res = await search('email=post%40nordlys.example.no', as(lookupOnly), keyed);
    const problem = await expectProblem(res, 'forbidden');
    expect(problem.detail).toContain('customers:search');
  });

  test('records of providers outside the grants are neither shown nor counted', async () => {
    const all = (await (await search('email=post%40nordlys.example.no', as(searcher), keyed)).json()) as SearchBody;
    expect(all.data.map((m) => m.provider).sort()).toEqual(['adobe-vip', 'frontpayment', 'tango']);
    const res = await search('email=post%40nordlys.example.no', as(tangoSearcher), keyed);
    const body = (await res.json()) as SearchBody;
    expect(body.data.map((m) => m.id)).toEqual([key(T.nordlys)]);
    expect(Object.keys(body.meta.coverage)).toEqual(['tango']);
    await expectProblem(
      await search('email=post%40nordlys.example.no&provider=adobe-vip', as(tangoSearcher), keyed),
      'forbidden',
    );
  });
});

async function fillIndexAs(on: TestGateway, apiKey: string): Promise<void> {
  const lookup = on.lookup.bind(on);
  on.lookup = (provider, id, init = {}) =>
    lookup(provider, id, { ...init, headers: { authorization: `Bearer ${apiKey}` } });
  await fillIndex(on);
}
