/**
 * `GET /customers/{provider}/{id}/links` end to end against the simulators' labelled linked set: every pair known
 * to differ is never `same` (the traps included), every pair of one company sharing a strong identifier is
 * `same`, evidence names paths and never values, a candidate that cannot be read is named, and grants hide
 * other providers' records.
 */
import { jest } from '@jest/globals';
import { customerKey } from '../../src/core/cache-key.js';
import { A, F, pairs, T, type LabelledPair, type RecordKey } from '../fixtures/linked-set.js';
import { keyFile, newApiKey, sha256Hex } from '../security/fixtures.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problems.js';
import { fillIndex, indexedGateway } from './indexed-gateway.js';

jest.setTimeout(60_000);

interface Link {
  id: string;
  provider: string;
  providerId: string;
  displayName: string | null;
  band: 'same' | 'possible';
  score: number;
  evidence: { feature: string; agreement: string; from: string; to: string }[];
}
interface LinksBody {
  data: { id: string; links: Link[] };
  meta: { requestId: string; unavailable: { id: string; provider: string; providerId: string; problem: string }[] };
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await indexedGateway({ env: { FRONTPAYMENT_RETRIES: '0', ADOBE_VIP_RETRIES: '0' } });
});
afterAll(async () => gw.close());
beforeEach(() => gw.simulators.forEach((s) => s.clearFaults()));

const key = (r: RecordKey) => `${r.provider}:${r.providerId}`;
const linksOf = async (r: RecordKey, headers: Record<string, string> = {}, on: TestGateway = gw) => {
  const res = await fetch(`${on.url}/customers/${r.provider}/${encodeURIComponent(r.providerId)}/links`, { headers });
  return res;
};
const bandBetween = async (pair: LabelledPair) => {
  const res = await linksOf(pair.a);
  expect(res.status).toBe(200);
  const body = (await res.json()) as LinksBody;
  return body.data.links.find((l) => l.id === key(pair.b))?.band ?? 'none';
};

describe('the labelled pairs', () => {
  test.each(pairs.filter((p) => p.truth === 'different').map((p) => [key(p.a), key(p.b), p.trap ?? '-', p]))(
    '%s and %s differ (trap %s): never `same`',
    async (_a, _b, _trap, pair) => {
      expect(await bandBetween(pair)).not.toBe('same');
    },
  );

  test.each(pairs.filter((p) => p.truth === 'same' && p.strong).map((p) => [key(p.a), key(p.b), p]))(
    '%s and %s are one company sharing a strong identifier: `same`, both ways',
    async (_a, _b, pair) => {
      const p = pair;
      expect(await bandBetween(p)).toBe('same');
      expect(await bandBetween({ ...p, a: p.b, b: p.a })).toBe('same');
    },
  );

  test('the traps get the band the rules give them', async () => {
    // A switchboard two firms share, with names that disagree: at most possible.
    expect(await bandBetween({ a: A.fjellheim, b: F.brattli, truth: 'different', strong: true })).toBe('possible');
    // One name in two towns: no link at all.
    expect(await bandBetween({ a: F.nordvikAlesund, b: A.nordvikBodo, truth: 'different', strong: false })).toBe(
      'none',
    );
    // Similar names in one town: possible.
    expect(await bandBetween({ a: F.lysakerElektro, b: A.lysakerElektronikk, truth: 'different', strong: false })).toBe(
      'possible',
    );
  });
});

test('a link carries its evidence as features and field paths, never a value', async () => {
  const res = await linksOf(A.nordlys);
  const text = await res.text();
  const body = JSON.parse(text) as LinksBody;
  expect(body.data.id).toBe(key(A.nordlys));
  const tango = body.data.links.find((l) => l.id === key(T.nordlys));
  expect(tango).toMatchObject({ provider: 'tango', providerId: T.nordlys.providerId, band: 'same' });
  expect(tango?.score).toBeGreaterThan(0.9);
  expect(tango?.evidence).toEqual(
    expect.arrayContaining([
      {
        feature: 'email',
        agreement: 'exact',
        from: expect.stringMatching(/email$/) as unknown,
        to: 'accounts[0].contactEmail',
      },
      expect.objectContaining({ feature: 'name' }),
    ]),
  );
  const scores = body.data.links.map((l) => l.score);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  expect(text.toLowerCase()).not.toContain('nordlys.example');
  expect(text).not.toContain('77601234');
});

test('a shared inbox is named generic in the evidence and makes no `same` on its own', async () => {
  const body = (await (await linksOf(T.vagen)).json()) as LinksBody;
  const adobe = body.data.links.find((l) => l.id === key(A.vagen));
  expect(adobe?.band).toBe('possible');
  expect(adobe?.evidence).toContainEqual(expect.objectContaining({ feature: 'email', agreement: 'generic' }));
  expect(body.data.links.filter((l) => l.band === 'same')).toEqual([]);
});

test('a candidate whose lookup fails is named in meta.unavailable, not dropped', async () => {
  // The candidate was cached when the index was filled: dropped from the cache (not from the index), the link must
  // read it again, and that read fails.
  gw.services.cache.delete(customerKey('frontpayment', F.nordlys.providerId));
  gw.sim('frontpayment').inject({ fault: { kind: 'status', status: 503 }, match: F.nordlys.providerId });
  const body = (await (await linksOf(T.nordlys)).json()) as LinksBody;
  expect(body.meta.unavailable).toEqual([
    { id: key(F.nordlys), provider: 'frontpayment', providerId: F.nordlys.providerId, problem: 'upstream-error' },
  ]);
  expect(body.data.links.map((l) => l.id)).toEqual([key(A.nordlys)]);
  gw.sim('frontpayment').clearFaults();
  expect((await gw.lookup('frontpayment', F.nordlys.providerId)).status).toBe(200);
});

test('links of a customer the provider does not have: 404, as a lookup', async () => {
  // Answered as the lookup answers it: a cached not-found keeps its cache headers.
  await expectProblem(await linksOf({ provider: 'tango', providerId: 'no-such-customer' }), 'customer-not-found', {
    cached: true,
  });
});

describe('with API keys', () => {
  const all = newApiKey();
  const noFrontpayment = newApiKey();
  const lookupOnly = newApiKey();
  let keyed: TestGateway;
  beforeAll(async () => {
    const keys = keyFile([
      { name: 'support', keySha256: [sha256Hex(all)], providers: ['*'], scopes: ['customers:search'] },
      {
        name: 'licensing',
        keySha256: [sha256Hex(noFrontpayment)],
        providers: ['tango', 'adobe-vip'],
        scopes: ['customers:search'],
      },
      { name: 'lookups', keySha256: [sha256Hex(lookupOnly)], providers: ['*'], scopes: [] },
    ]);
    keyed = await startTestGateway({ env: { GATEWAY_API_KEYS: keys } });
    const lookup = keyed.lookup.bind(keyed);
    keyed.lookup = (provider, id, init = {}) =>
      lookup(provider, id, { ...init, headers: { authorization: `Bearer ${all}` } });
    await fillIndex(keyed);
  });
  afterAll(async () => keyed?.close());

  test('links need the scope customers:search', async () => {
    await expectProblem(await linksOf(A.nordlys, { authorization: `Bearer ${lookupOnly}` }, keyed), 'forbidden');
  });

  test('records of providers outside the grants are not linked', async () => {
    const everyone = (await (await linksOf(A.nordlys, { authorization: `Bearer ${all}` }, keyed)).json()) as LinksBody;
    expect(everyone.data.links.map((l) => l.provider)).toContain('frontpayment');
    const res = await linksOf(A.nordlys, { authorization: `Bearer ${noFrontpayment}` }, keyed);
    const body = (await res.json()) as LinksBody;
    expect(body.data.links.map((l) => l.id)).toEqual([key(T.nordlys)]);
    expect(body.meta.unavailable).toEqual([]);
  });
});
