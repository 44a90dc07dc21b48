/**
 * The customer cache as callers see it: hits, coalescing, `no-cache`, ETags, the LRU bounds (entries and bytes,
 * views attached later included), stale-if-error and the negative cache. Where time matters (ages, TTLs, the
 * attempt timeout) the gateway runs on a controlled clock that the test moves: nothing waits, and the ages are exact.
 */
import { customerKey } from '../../src/core/cache-key.js';
import { requestsInFlight } from '../support/drive-clock.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ManualClock } from '../support/manual-clock.js';
import { expectProblem } from '../support/problems.js';
import { until } from '../support/until.js';

interface Answer {
  data: { id: string; displayName: string };
  meta: { requestId: string; cache: string; fetchedAt: string; ageSeconds: number };
}

const maxAgeOf = (res: Response) =>
  Number(/^private, max-age=(\d+)$/.exec(res.headers.get('cache-control') ?? '')?.[1]);

describe('with a 5 second TTL', () => {
  let gw: TestGateway;
  const clock = new ManualClock();
  const calls = () => gw.sim('tango').stats.apiRequests;
  beforeAll(async () => {
    gw = await startTestGateway({ clock, env: { CACHE_TTL_SECONDS: '5', TANGO_RETRIES: '0' } });
  });
  afterAll(async () => gw.close());
  beforeEach(() => gw.sim('tango').reset());

  test('a second lookup is a hit: meta.cache hit, Cache-Status hit with ttl, max-age decreasing', async () => {
    const miss = await gw.lookup('tango', 'zanzibar-health');
    expect(miss.status).toBe(200);
    expect(miss.headers.get('cache-status')).toBe('customer-gateway; fwd=miss; stored');
    expect(maxAgeOf(miss)).toBe(5);
    const missBody = (await miss.json()) as Answer;
    expect(missBody.meta).toMatchObject({ cache: 'miss', ageSeconds: 0 });

    await clock.advance(1100);
    const hit = await gw.lookup('tango', 'zanzibar-health');
    const hitBody = (await hit.json()) as Answer;
    expect(hitBody.meta.cache).toBe('hit');
    expect(hitBody.meta.fetchedAt).toBe(missBody.meta.fetchedAt);
    expect(hitBody.meta.ageSeconds).toBe(1);
    expect(hitBody.data).toEqual(missBody.data);
    // 3.9 s of the 5 left, in whole seconds.
    expect(hit.headers.get('cache-status')).toBe('customer-gateway; hit; ttl=3');
    expect(maxAgeOf(hit)).toBe(3);
    expect(calls()).toBe(1);
  });

  test('Cache-Control: no-cache skips the fresh entry: one more upstream call, fwd=request', async () => {
    await gw.lookup('tango', 'acme-wellness');
    const res = await gw.lookup('tango', 'acme-wellness', { headers: { 'Cache-Control': 'no-cache' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-status')).toBe('customer-gateway; fwd=request; stored');
    expect(((await res.json()) as Answer).meta.cache).toBe('miss');
    expect(calls()).toBe(2);
    // What no-cache fetched is stored: the next plain lookup is a hit.
    expect(((await (await gw.lookup('tango', 'acme-wellness')).json()) as Answer).meta.cache).toBe('hit');
    expect(calls()).toBe(2);
  });

  describe('ETag and If-None-Match', () => {
    let etag: string;
    beforeAll(async () => {
      const res = await gw.lookup('tango', 'no-accounts-yet');
      etag = res.headers.get('etag') ?? '';
    });

    test('the ETag is strong', () => {
      expect(etag).toMatch(/^"[^"]+"$/);
    });

    test.each([
      ['the same ETag', () => etag],
      ['the weak form of it', () => `W/${etag}`],
      ['a list holding it', () => `"other", ${etag}`],
      ['*', () => '*'],
    ])('If-None-Match with %s is answered 304 without a body', async (_name, header) => {
      const res = await gw.lookup('tango', 'no-accounts-yet', { headers: { 'If-None-Match': header() } });
      expect(res.status).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect(await res.text()).toBe('');
    });

    test('If-None-Match with another ETag is answered 200 with the body', async () => {
      const res = await gw.lookup('tango', 'no-accounts-yet', { headers: { 'If-None-Match': '"something-else"' } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as Answer).data.displayName).toBe('No Accounts Yet');
    });

    test('the ETag covers data, not meta: it is the same on the miss and on later hits', async () => {
      const again = await gw.lookup('tango', 'no-accounts-yet');
      expect(again.headers.get('etag')).toBe(etag);
    });

    test('a refresh that reads the same body keeps the ETag, so the caller can still revalidate', async () => {
      const res = await gw.lookup('tango', 'no-accounts-yet', { headers: { 'Cache-Control': 'no-cache' } });
      expect(res.headers.get('cache-status')).toBe('customer-gateway; fwd=request; stored');
      expect(res.headers.get('etag')).toBe(etag);
    });

    test('?include=raw changes the ETag, and the data ETag no longer matches', async () => {
      const raw = await gw.lookup('tango', 'no-accounts-yet', {
        query: 'include=raw',
        headers: { 'If-None-Match': etag },
      });
      expect(raw.status).toBe(200);
      const rawEtag = raw.headers.get('etag');
      expect(rawEtag).toMatch(/^"[^"]+"$/);
      expect(rawEtag).not.toBe(etag);
      const again = await gw.lookup('tango', 'no-accounts-yet', {
        query: 'include=raw',
        headers: { 'If-None-Match': rawEtag ?? '' },
      });
      expect(again.status).toBe(304);
    });
  });

  test('a customer-not-found replaces a cached customer', async () => {
    const first = await gw.lookup('tango', 'aeroskobing-velvaere');
    expect(first.status).toBe(200);
    gw.sim('tango').inject({
      fault: {
        kind: 'status',
        status: 404,
        body: { httpCode: 404, message: 'Customer not found', i18nKey: 'NOT_FOUND' },
      },
    });
    await expectProblem(
      await gw.lookup('tango', 'aeroskobing-velvaere', { headers: { 'Cache-Control': 'no-cache' } }),
      'customer-not-found',
      { cached: true },
    );
    gw.sim('tango').clearFaults();
    // The customer is gone from the cache: the negative entry answers, without calling Tango.
    const after = await gw.lookup('tango', 'aeroskobing-velvaere');
    expect(after.headers.get('cache-status')).toMatch(/^customer-gateway; hit; ttl=\d+$/);
    await expectProblem(after, 'customer-not-found', { cached: true });
    expect(calls()).toBe(2);
  });

  test('Cache-Control: no-cache skips the negative cache too', async () => {
    await gw.lookup('tango', 'gone-customer');
    await gw.lookup('tango', 'gone-customer', { headers: { 'Cache-Control': 'no-cache' } });
    expect(calls()).toBe(2);
  });

  test('no error other than customer-not-found is cached', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 500 }, times: 1 });
    await expectProblem(await gw.lookup('tango', 'edge-case-co'), 'upstream-error');
    const res = await gw.lookup('tango', 'edge-case-co');
    expect(res.status).toBe(200);
    expect(calls()).toBe(2);
  });
});

describe('concurrent lookups of one key while its upstream call is held', () => {
  // Tango's quota holds the upstream call: the next slot is a spacing (1.1 s) after the one the test takes first,
  // and it comes only when the test moves the clock, after every lookup has arrived. However slow the machine, each
  // one arrives while the call is still to come.
  let gw: TestGateway;
  const clock = new ManualClock();
  const calls = () => gw.sim('tango').stats.apiRequests;
  beforeAll(async () => {
    gw = await startTestGateway({
      clock,
      env: { CACHE_TTL_SECONDS: '5', TANGO_RETRIES: '0', TANGO_RATE_LIMIT_PER_SECOND: '1' },
    });
  });
  afterAll(async () => gw.close());
  beforeEach(async () => {
    // Takes the slot that is free now: the next call waits for the clock.
    await clock.advance(1100);
    expect((await gw.lookup('tango', 'edge-case-co', { headers: { 'Cache-Control': 'no-cache' } })).status).toBe(200);
    gw.sim('tango').reset();
  });

  /** Sends the lookups, lets the held call go once all of them are in the gateway, and answers their answers. */
  async function whileHeld(lookups: (() => Promise<Response>)[]): Promise<Response[]> {
    const answers = Promise.all(lookups.map((lookup) => lookup()));
    const quota = () => gw.services.providers.get('tango')?.state?.().quota;
    await until(async () => quota()?.waiting === 1 && (await requestsInFlight(gw)) === lookups.length, 10_000, 1);
    expect(calls()).toBe(0);
    await clock.advance(1100);
    return answers;
  }

  test('20 concurrent lookups of one cold id make exactly 1 upstream call and all get the customer', async () => {
    const answers = await whileHeld(Array.from({ length: 20 }, () => () => gw.lookup('tango', 'dormant-holdings')));
    expect(calls()).toBe(1);
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    const statuses = answers.map((r) => r.headers.get('cache-status'));
    expect(statuses.filter((s) => s === 'customer-gateway; fwd=miss; stored')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'customer-gateway; fwd=miss; collapsed')).toHaveLength(19);
    const bodies = (await Promise.all(answers.map((r) => r.json()))) as Answer[];
    expect(bodies.map((b) => b.meta.cache)).toEqual(Array(20).fill('miss'));
    expect(new Set(bodies.map((b) => b.data.displayName))).toEqual(new Set(['Dormant Holdings']));
    expect(new Set(bodies.map((b) => b.meta.requestId)).size).toBe(20);
  });

  test('concurrent Cache-Control: no-cache lookups share one upstream call too', async () => {
    const answers = await whileHeld(
      Array.from(
        { length: 5 },
        () => () => gw.lookup('tango', 'zanzibar-health', { headers: { 'Cache-Control': 'no-cache' } }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(5).fill(200));
    expect(calls()).toBe(1);
    expect(
      answers.filter((r) => r.headers.get('cache-status') === 'customer-gateway; fwd=request; stored'),
    ).toHaveLength(1);
  });

  test('concurrent lookups of a cold id Tango does not know share one call, all get customer-not-found', async () => {
    const answers = await whileHeld(Array.from({ length: 5 }, () => () => gw.lookup('tango', 'nobody-here')));
    expect(calls()).toBe(1);
    for (const res of answers) await expectProblem(res, 'customer-not-found', { cached: true });
  });
});

describe('with CACHE_MAX_ENTRIES=2', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { CACHE_MAX_ENTRIES: '2' } });
  });
  afterAll(async () => gw.close());

  test('a third customer evicts the least recently used one', async () => {
    for (const id of ['zanzibar-health', 'acme-wellness', 'dormant-holdings'])
      expect((await gw.lookup('tango', id)).status).toBe(200);
    expect(gw.services.cache.size).toBe(2);
    expect(gw.sim('tango').stats.apiRequests).toBe(3);
    // zanzibar-health was evicted: it goes upstream again (and evicts acme-wellness).
    await gw.lookup('tango', 'zanzibar-health');
    expect(gw.sim('tango').stats.apiRequests).toBe(4);
    // dormant-holdings is still cached.
    const res = await gw.lookup('tango', 'dormant-holdings');
    expect(((await res.json()) as Answer).meta.cache).toBe('hit');
    expect(gw.sim('tango').stats.apiRequests).toBe(4);
  });

  test('peeking at an entry does not make it recent: the peeked one is still the one evicted', async () => {
    gw.services.cache.delete(customerKey('tango', 'zanzibar-health'));
    gw.services.cache.delete(customerKey('tango', 'acme-wellness'));
    gw.services.cache.delete(customerKey('tango', 'dormant-holdings'));
    for (const id of ['zanzibar-health', 'acme-wellness']) expect((await gw.lookup('tango', id)).status).toBe(200);
    expect(gw.services.cache.peek(customerKey('tango', 'zanzibar-health'))?.kind).toBe('customer');
    expect((await gw.lookup('tango', 'dormant-holdings')).status).toBe(200);
    expect(gw.services.cache.peek(customerKey('tango', 'zanzibar-health'))).toBeUndefined();
    expect(gw.services.cache.peek(customerKey('tango', 'acme-wellness'))?.kind).toBe('customer');
  });
});

describe('a ?include=raw view attached to a cached entry', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
  });
  afterAll(async () => gw.close());

  test('counts toward CACHE_MAX_BYTES once, when it is made, and a hit with it adds nothing more', async () => {
    expect((await gw.lookup('frontpayment', 'CSRT1700000001')).status).toBe(200);
    const before = gw.services.cache.bytes;
    const withRaw = await gw.lookup('frontpayment', 'CSRT1700000001', { query: 'include=raw' });
    expect(withRaw.headers.get('cache-status')).toMatch(/; hit; ttl=/);
    const { raw } = (await withRaw.json()) as { raw: unknown };
    // The masked raw is a new string (the national id masked), so the entry holds its bytes now.
    expect(gw.services.cache.bytes - before).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(raw)));
    const after = gw.services.cache.bytes;
    expect((await gw.lookup('frontpayment', 'CSRT1700000001', { query: 'include=raw' })).status).toBe(200);
    expect(gw.services.cache.bytes).toBe(after);
    expect(gw.services.cache.size).toBe(1);
  });
});

describe('with CACHE_MAX_BYTES=3000', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { CACHE_MAX_BYTES: '3000' } });
  });
  afterAll(async () => gw.close());

  test('the cache stays within its byte budget, evicting the least recently used customers', async () => {
    const ids = [
      'zanzibar-health',
      'acme-wellness',
      'dormant-holdings',
      'edge-case-co',
      'no-accounts-yet',
      'aeroskobing-velvaere',
    ];
    for (const id of ids) expect((await gw.lookup('tango', id)).status).toBe(200);
    expect(gw.services.cache.bytes).toBeLessThanOrEqual(3000);
    expect(gw.services.cache.size).toBeLessThan(ids.length);
    // The most recent one is still there.
    expect(((await (await gw.lookup('tango', 'aeroskobing-velvaere')).json()) as Answer).meta.cache).toBe('hit');
  });

  test('an entry counts its serialised bytes, not its characters (a unicode name weighs more)', async () => {
    const res = await gw.lookup('tango', 'aeroskobing-velvaere', {
      query: 'include=raw',
      headers: { 'Cache-Control': 'no-cache' },
    });
    const body = (await res.json()) as Answer & { raw: unknown };
    // Only this entry may remain: drop the others to read its weight alone.
    for (const id of ['zanzibar-health', 'acme-wellness', 'dormant-holdings', 'edge-case-co', 'no-accounts-yet'])
      gw.services.cache.delete(customerKey('tango', id));
    const serialised = Buffer.byteLength(JSON.stringify(body.data)) + Buffer.byteLength(JSON.stringify(body.raw));
    expect(gw.services.cache.size).toBe(1);
    expect(gw.services.cache.bytes).toBeGreaterThanOrEqual(serialised);
  });

  test('a customer larger than the whole byte budget is still served, just not kept', async () => {
    const tiny = await startTestGateway({ env: { CACHE_MAX_BYTES: '100' } });
    try {
      const res = await tiny.lookup('tango', 'zanzibar-health');
      expect(res.status).toBe(200);
      expect(((await res.json()) as Answer).data.displayName).toBe('Zanzibar Health Group');
      expect(tiny.services.cache.bytes).toBeLessThanOrEqual(100);
    } finally {
      await tiny.close();
    }
  });
});

describe('stale-if-error (CACHE_TTL_SECONDS=1)', () => {
  let gw: TestGateway;
  const clock = new ManualClock();
  beforeAll(async () => {
    gw = await startTestGateway({
      clock,
      env: { CACHE_TTL_SECONDS: '1', CACHE_NOT_FOUND_TTL_SECONDS: '1', TANGO_RETRIES: '0', TANGO_TIMEOUT_MS: '1000' },
    });
    for (const id of ['zanzibar-health', 'acme-wellness', 'dormant-holdings', 'edge-case-co', 'gone-for-now'])
      await gw.lookup('tango', id);
    await clock.advance(1100);
  });
  afterAll(async () => gw.close());
  beforeEach(() => gw.sim('tango').reset());

  test.each([
    ['a 503', 'zanzibar-health', { kind: 'status', status: 503 } as const],
    ['a hang', 'acme-wellness', { kind: 'hang' } as const],
    ['a malformed body', 'dormant-holdings', { kind: 'malformed' } as const],
  ])('an expired customer is served stale when Tango answers %s', async (_name, id, fault) => {
    gw.sim('tango').inject({ fault });
    const pending = gw.lookup('tango', id);
    if (fault.kind === 'hang') {
      // A hang ends at the attempt timeout: the clock moves there once the attempt is on the wire.
      await until(() => gw.sim('tango').stats.apiRequests === 1, 10_000, 1);
      await clock.advance(1000);
    }
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-status')).toMatch(/^customer-gateway; hit; ttl=-\d+; detail=stale-if-error$/);
    expect(res.headers.get('cache-control')).toBe('private, max-age=0');
    const body = (await res.json()) as Answer;
    expect(body.meta.cache).toBe('stale');
    expect(body.meta.ageSeconds).toBeGreaterThanOrEqual(1);
    expect(body.data.id).toBe(`tango:${id}`);
  });

  test('a customer-not-found is cached only for CACHE_NOT_FOUND_TTL_SECONDS, then Tango is asked again', async () => {
    const res = await gw.lookup('tango', 'gone-for-now');
    expect(res.headers.get('cache-status')).toBe('customer-gateway; fwd=miss; stored');
    await expectProblem(res, 'customer-not-found', { cached: true });
    expect(gw.sim('tango').stats.apiRequests).toBe(1);
  });

  test('a Tango 400 is never covered by a stale customer', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 400 } });
    await expectProblem(await gw.lookup('tango', 'edge-case-co'), 'invalid-request');
  });

  test('a Tango 404 is never covered by a stale customer', async () => {
    gw.sim('tango').inject({
      fault: {
        kind: 'status',
        status: 404,
        body: { message: 'gone', i18nKey: 'NOT_FOUND', i18nTokenReplacements: [] },
      },
    });
    await expectProblem(await gw.lookup('tango', 'edge-case-co'), 'customer-not-found', { cached: true });
  });
});
