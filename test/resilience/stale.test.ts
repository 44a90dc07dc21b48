/**
 * Stale-if-error and stale-while-revalidate (docs/caching.md): an expired entry is served, within its bound, when
 * the upstream fails for upstream reasons; optionally at once while one background refresh per key runs.
 */
import { customerKey } from '../../src/core/cache-key.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import type { Fault } from '../../src/core/simulator.js';

interface Answer {
  meta: { cache: string; fetchedAt: string };
  data: { id: string };
}

const STALE_IF_ERROR = /^customer-gateway; hit; ttl=-\d+; detail=stale-if-error$/;

describe('stale-if-error', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      env: {
        TANGO_CACHE_TTL_SECONDS: '0',
        TANGO_RETRIES: '0',
        // Long enough for the healthy first answer on a loaded machine; the one hang costs 1 s.
        TANGO_TIMEOUT_MS: '1000',
        TANGO_DEADLINE_MS: '2000',
        TANGO_BREAKER_CONSECUTIVE_FAILURES: '1000',
        TANGO_BREAKER_FAILURE_RATIO: '0',
      },
    });
    expect((await gw.lookup('tango', 'zanzibar-health')).status).toBe(200);
  });
  afterAll(async () => gw.close());

  const faults: [string, Fault][] = [
    ['a 503', { kind: 'status', status: 503 }],
    ['a 429', { kind: 'status', status: 429, headers: { 'Retry-After': '1' } }],
    ['a hang past the timeout', { kind: 'hang' }],
    ['a reset', { kind: 'reset' }],
    ['refused credentials (401)', { kind: 'expired-token' }],
    ['a 403', { kind: 'status', status: 403 }],
    ['malformed JSON', { kind: 'malformed' }],
  ];
  test.each(faults)(
    'after %s, the expired customer is served stale with Cache-Status and max-age=0',
    async (_name, fault) => {
      gw.sim('tango').inject({ fault, times: 1 });
      const res = await gw.lookup('tango', 'zanzibar-health');
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-status')).toMatch(STALE_IF_ERROR);
      expect(res.headers.get('cache-control')).toBe('private, max-age=0');
      const body = (await res.json()) as Answer;
      expect(body.meta.cache).toBe('stale');
      expect(body.data.id).toBe('tango:zanzibar-health');
    },
  );

  test('a 404 is not covered: it replaces the cached customer', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 404 }, times: 1 });
    expect((await gw.lookup('tango', 'zanzibar-health')).status).toBe(404);
  });
});

describe('stale-if-error bounds', () => {
  test('beyond CACHE_STALE_IF_ERROR_SECONDS the failure is answered, not the stale entry', async () => {
    const gw = await startTestGateway({
      env: { TANGO_CACHE_TTL_SECONDS: '0', CACHE_STALE_IF_ERROR_SECONDS: '1', TANGO_RETRIES: '0' },
    });
    try {
      expect((await gw.lookup('tango', 'acme-wellness')).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      gw.sim('tango').inject({ fault: { kind: 'status', status: 500 } });
      expect((await gw.lookup('tango', 'acme-wellness')).status).toBe(502);
    } finally {
      await gw.close();
    }
  });

  test('a lookup refused by the quota gets the stale entry', async () => {
    const gw = await startTestGateway({
      env: { TANGO_CACHE_TTL_SECONDS: '0', TANGO_RATE_LIMIT_PER_SECOND: '1', TANGO_DEADLINE_MS: '500' },
    });
    try {
      expect((await gw.lookup('tango', 'acme-wellness')).status).toBe(200);
      const res = await gw.lookup('tango', 'acme-wellness');
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-status')).toMatch(STALE_IF_ERROR);
      expect(gw.sim('tango').stats.apiRequests).toBe(1);
    } finally {
      await gw.close();
    }
  });
});

describe('stale-while-revalidate', () => {
  let gw: TestGateway;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    gw = await startTestGateway({
      env: { TANGO_CACHE_TTL_SECONDS: '0', CACHE_STALE_WHILE_REVALIDATE_SECONDS: '60', TANGO_RETRIES: '0' },
    });
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await gw.close();
  });

  test('within the window, lookups get the expired entry at once and one background refresh runs per key', async () => {
    const sim = gw.sim('tango');
    // A refresh takes 1.5 s: answers that do not wait for it come far sooner, even on a loaded machine.
    const first = (await (await gw.lookup('tango', 'zanzibar-health')).json()) as Answer;
    expect(first.meta.cache).toBe('miss');
    sim.inject({ fault: { kind: 'latency', ms: 1500 }, times: 1 });
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 5 }, () => gw.lookup('tango', 'zanzibar-health')));
    expect(Date.now() - started).toBeLessThan(1000);
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-status')).toMatch(
        /^customer-gateway; hit; ttl=-?\d+; detail=stale-while-revalidate$/,
      );
      expect(res.headers.get('cache-control')).toBe('private, max-age=0');
      expect(((await res.json()) as Answer).meta.cache).toBe('stale');
    }
    // The one background refresh ends (1.5 s); no second one started meanwhile.
    for (
      let waited = 0;
      waited < 5000 &&
      gw.services.cache.peek(customerKey('tango', 'zanzibar-health'))?.fetchedAt === Date.parse(first.meta.fetchedAt);
      waited += 50
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(sim.stats.apiRequests).toBe(2);
    const refreshed = (await (await gw.lookup('tango', 'zanzibar-health')).json()) as Answer;
    expect(Date.parse(refreshed.meta.fetchedAt)).toBeGreaterThan(Date.parse(first.meta.fetchedAt));
  });

  test('a failed background refresh is logged, never unhandled, and the stale entry stays', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 500 }, times: 1 });
    expect((await gw.lookup('tango', 'zanzibar-health')).status).toBe(200);
    const logged = () =>
      gw
        .logs()
        .some(
          (line) => line.msg === 'background refresh failed; the stale entry stays' && line.error === 'upstream-error',
        );
    for (let waited = 0; waited < 3000 && !logged(); waited += 20)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(logged()).toBe(true);
    expect((await gw.lookup('tango', 'zanzibar-health')).status).toBe(200);
    expect(unhandled).toEqual([]);
  });
});
