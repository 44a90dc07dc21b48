/**
 * Stale-if-error and stale-while-revalidate (docs/caching.md): an expired entry is served, within its bound, when
 * the upstream fails for upstream reasons; optionally at once while one background refresh per key runs. The
 * gateway runs on a controlled clock: entries age, attempts time out and quota slots come when the test moves it.
 */
import { customerKey } from '../../src/core/cache-key.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ManualClock } from '../support/manual-clock.js';
import { until } from '../support/until.js';
import type { Fault } from '../../src/core/simulator.js';

interface Answer {
  meta: { cache: string; fetchedAt: string };
  data: { id: string };
}

const STALE_IF_ERROR = /^customer-gateway; hit; ttl=-\d+; detail=stale-if-error$/;

describe('stale-if-error', () => {
  let gw: TestGateway;
  const clock = new ManualClock();
  beforeAll(async () => {
    gw = await startTestGateway({
      clock,
      env: {
        TANGO_CACHE_TTL_SECONDS: '0',
        TANGO_RETRIES: '0',
        TANGO_TIMEOUT_MS: '1000',
        TANGO_DEADLINE_MS: '2000',
        TANGO_BREAKER_CONSECUTIVE_FAILURES: '1000',
        TANGO_BREAKER_FAILURE_RATIO: '0',
      },
    });
    expect((await gw.lookup('tango', 'zanzibar-health')).status).toBe(200);
    // Expired (TTL 0) a second ago.
    await clock.advance(1000);
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
      const faulted = gw.sim('tango').stats.faults;
      const pending = gw.lookup('tango', 'zanzibar-health');
      if (fault.kind === 'hang') {
        // A hang ends at the attempt timeout: the clock moves there once the attempt is on the wire.
        await until(() => gw.sim('tango').stats.faults > faulted, 10_000, 1);
        await clock.advance(1000);
      }
      const res = await pending;
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
    const clock = new ManualClock();
    const gw = await startTestGateway({
      clock,
      env: { TANGO_CACHE_TTL_SECONDS: '0', CACHE_STALE_IF_ERROR_SECONDS: '1', TANGO_RETRIES: '0' },
    });
    try {
      expect((await gw.lookup('tango', 'acme-wellness')).status).toBe(200);
      await clock.advance(1100);
      gw.sim('tango').inject({ fault: { kind: 'status', status: 500 } });
      expect((await gw.lookup('tango', 'acme-wellness')).status).toBe(502);
    } finally {
      await gw.close();
    }
  });

  test('a lookup refused by the quota gets the stale entry', async () => {
    // The next slot is a spacing (1.1 s) after the first lookup's, past the 500 ms deadline of a lookup between.
    const clock = new ManualClock();
    const gw = await startTestGateway({
      clock,
      env: { TANGO_CACHE_TTL_SECONDS: '0', TANGO_RATE_LIMIT_PER_SECOND: '1', TANGO_DEADLINE_MS: '500' },
    });
    try {
      expect((await gw.lookup('tango', 'acme-wellness')).status).toBe(200);
      // Expired (TTL 0) 100 ms ago; the next slot is 1 s away.
      await clock.advance(100);
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
  // Tango's quota holds the background refresh: after the first lookup took the slot that was free, the next one
  // comes a spacing (1.1 s) later on the clock, which moves only when the test moves it.
  let gw: TestGateway;
  const clock = new ManualClock();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    gw = await startTestGateway({
      clock,
      env: {
        TANGO_CACHE_TTL_SECONDS: '0',
        CACHE_STALE_WHILE_REVALIDATE_SECONDS: '60',
        TANGO_RETRIES: '0',
        TANGO_RATE_LIMIT_PER_SECOND: '1',
      },
    });
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await gw.close();
  });
  const quota = () => gw.services.providers.get('tango')?.state?.().quota;

  test('within the window, lookups get the expired entry at once and one background refresh runs per key', async () => {
    const sim = gw.sim('tango');
    const first = (await (await gw.lookup('tango', 'zanzibar-health')).json()) as Answer;
    expect(first.meta.cache).toBe('miss');
    await clock.advance(100);
    // Answered while the refresh cannot have run: it waits for a slot the clock has not reached.
    const answers = await Promise.all(Array.from({ length: 5 }, () => gw.lookup('tango', 'zanzibar-health')));
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-status')).toMatch(
        /^customer-gateway; hit; ttl=-?\d+; detail=stale-while-revalidate$/,
      );
      expect(res.headers.get('cache-control')).toBe('private, max-age=0');
      expect(((await res.json()) as Answer).meta.cache).toBe('stale');
    }
    // One refresh for the five, waiting for its slot.
    expect(quota()?.waiting).toBe(1);
    expect(sim.stats.apiRequests).toBe(1);
    await clock.advance(1000);
    const fetchedAt = () => gw.services.cache.peek(customerKey('tango', 'zanzibar-health'))?.fetchedAt;
    await until(() => fetchedAt() !== Date.parse(first.meta.fetchedAt), 10_000);
    expect(sim.stats.apiRequests).toBe(2);
    const refreshed = (await (await gw.lookup('tango', 'zanzibar-health')).json()) as Answer;
    // Fetched by the refresh that began 100 ms after the first lookup (its wait for the slot is not age).
    expect(Date.parse(refreshed.meta.fetchedAt)).toBe(Date.parse(first.meta.fetchedAt) + 100);
  });

  test('a failed background refresh is logged, never unhandled, and the stale entry stays', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 500 }, times: 1 });
    expect((await gw.lookup('tango', 'zanzibar-health')).status).toBe(200);
    // The refresh's slot comes (the last lookup of the test above asked for one too: it is the same refresh).
    await clock.advance(1100);
    const logged = () =>
      gw
        .logs()
        .some(
          (line) => line.msg === 'background refresh failed; the stale entry stays' && line.error === 'upstream-error',
        );
    await until(logged, 10_000);
    expect((await gw.lookup('tango', 'zanzibar-health')).status).toBe(200);
    expect(unhandled).toEqual([]);
  });
});
