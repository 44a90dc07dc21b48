/**
 * The retry policy, per-attempt timeout and deadline, read from what the Tango simulator saw (its request log with
 * arrival times). Upper bounds on durations are generous, for a loaded 2-core machine: each one only has to tell
 * the rule under test apart from the next-slowest way the lookup could have ended. The exact waits and deadline
 * decisions are pinned with a controlled clock in test/unit/pipeline.test.ts.
 */
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problems.js';

const ID = 'acme-wellness';
const NO_CACHE = { headers: { 'Cache-Control': 'no-cache' } };
/** Nothing kept: no cached or stale customer may stand in for the failures these tests provoke. */
const UNCACHED = { CACHE_TTL_SECONDS: '0', CACHE_STALE_IF_ERROR_SECONDS: '0' };

/** Milliseconds between consecutive upstream requests, as the simulator saw them arrive. */
const gaps = (gw: TestGateway) => {
  const at = gw.sim('tango').log.map((r) => r.at);
  return at.slice(1).map((t, i) => t - (at[i] ?? t));
};

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

describe('retry count and spacing (TANGO_RETRIES=2)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      env: { ...UNCACHED, TANGO_RETRIES: '2', TANGO_TIMEOUT_MS: '500', TANGO_DEADLINE_MS: '5000' },
    });
  });
  afterAll(async () => gw.close());
  beforeEach(() => gw.sim('tango').reset());

  test('when Tango answers 503 twice, the lookup succeeds on the third attempt', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 503 }, times: 2 });
    const res = await gw.lookup('tango', ID, NO_CACHE);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { displayName: string } }).data.displayName).toBe('Acme Wellness');
    expect(gw.sim('tango').stats.apiRequests).toBe(3);
  });

  test('attempts are spaced by at least the backoff: 200 ms, then 400 ms', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 500 } });
    await expectProblem(await gw.lookup('tango', ID, NO_CACHE), 'upstream-error');
    const [first, second] = gaps(gw);
    expect(gaps(gw)).toHaveLength(2);
    expect(first).toBeGreaterThanOrEqual(200);
    expect(second).toBeGreaterThanOrEqual(400);
  });

  test('retries stop at TANGO_RETRIES: three attempts in all', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 502 } });
    await expectProblem(await gw.lookup('tango', ID, NO_CACHE), 'upstream-error');
    expect(gw.sim('tango').stats.apiRequests).toBe(3);
  });

  test('a Tango 400 is never retried', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 400 } });
    await expectProblem(await gw.lookup('tango', ID, NO_CACHE), 'invalid-request');
    expect(gw.sim('tango').stats.apiRequests).toBe(1);
  });

  test('a Tango 404 is never retried', async () => {
    await expectProblem(await gw.lookup('tango', 'not-a-customer', NO_CACHE), 'customer-not-found', { cached: true });
    expect(gw.sim('tango').stats.apiRequests).toBe(1);
  });

  test('Retry-After: 1 on a 503 is honoured: the next attempt comes at least a second later', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 503, headers: { 'Retry-After': '1' } }, times: 1 });
    const res = await gw.lookup('tango', ID, NO_CACHE);
    expect(res.status).toBe(200);
    expect(gaps(gw)).toHaveLength(1);
    expect(gaps(gw)[0]).toBeGreaterThanOrEqual(950);
  });

  test('Retry-After as an HTTP date on a 429 is honoured too', async () => {
    const soon = new Date(Date.now() + 1500).toUTCString();
    gw.sim('tango').inject({ fault: { kind: 'status', status: 429, headers: { 'Retry-After': soon } }, times: 1 });
    const res = await gw.lookup('tango', ID, NO_CACHE);
    expect(res.status).toBe(200);
    // An HTTP date has whole-second resolution: at least a second is left.
    expect(gaps(gw)[0]).toBeGreaterThanOrEqual(950);
  });
});

// The deadline is far above what answering at once takes, so that "at once" and "waited" stay apart however loaded
// the machine is.
describe('a Retry-After that would end past the deadline (TANGO_DEADLINE_MS=4000)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      env: { ...UNCACHED, TANGO_RETRIES: '2', TANGO_TIMEOUT_MS: '500', TANGO_DEADLINE_MS: '4000' },
    });
  });
  afterAll(async () => gw.close());
  beforeEach(() => gw.sim('tango').reset());

  test('a 429 with Retry-After: 5 stops the lookup at once and passes Retry-After on', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 429, headers: { 'Retry-After': '5' } } });
    const [res, ms] = await timed(() => gw.lookup('tango', ID, NO_CACHE));
    expect(res.headers.get('retry-after')).toBe('5');
    const problem = await expectProblem(res, 'upstream-rate-limited');
    expect(problem.upstreamStatus).toBe(429);
    expect(gw.sim('tango').stats.apiRequests).toBe(1);
    // Waiting for Retry-After, or until the 4 s deadline, would take at least 4000 ms.
    expect(ms).toBeLessThan(3500);
  });

  test('a 503 with Retry-After: 5 stops at once as upstream-error and passes Retry-After on', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 503, headers: { 'Retry-After': '5' } } });
    const [res, ms] = await timed(() => gw.lookup('tango', ID, NO_CACHE));
    expect(res.headers.get('retry-after')).toBe('5');
    await expectProblem(res, 'upstream-error');
    expect(gw.sim('tango').stats.apiRequests).toBe(1);
    expect(ms).toBeLessThan(3500);
  });
});

describe('per-attempt timeout (TANGO_TIMEOUT_MS=150)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      env: { ...UNCACHED, TANGO_RETRIES: '0', TANGO_TIMEOUT_MS: '150', TANGO_DEADLINE_MS: '5000' },
    });
  });
  afterAll(async () => gw.close());
  beforeEach(() => gw.sim('tango').reset());

  test('an attempt to a hanging Tango is cut at about 150 ms and answered upstream-timeout', async () => {
    gw.sim('tango').inject({ fault: { kind: 'hang' } });
    const [res, ms] = await timed(() => gw.lookup('tango', ID, NO_CACHE));
    await expectProblem(res, 'upstream-timeout');
    expect(ms).toBeGreaterThanOrEqual(140);
    // Far below the 5 s deadline: only the per-attempt timeout can have ended it (slack for a loaded machine).
    expect(ms).toBeLessThan(2500);
  });

  test('the timeout covers the whole response: a body that stalls halfway is cut too', async () => {
    gw.sim('tango').inject({ fault: { kind: 'slow-body', ms: 4000 } });
    const [res, ms] = await timed(() => gw.lookup('tango', ID, NO_CACHE));
    await expectProblem(res, 'upstream-timeout');
    // The body stalls for 4 s and the deadline is 5 s: well under both (slack for a loaded machine), only the
    // attempt timeout cut it.
    expect(ms).toBeLessThan(3500);
  });
});

describe('per-attempt timeout (TANGO_TIMEOUT_MS=3000)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      env: { ...UNCACHED, TANGO_RETRIES: '0', TANGO_TIMEOUT_MS: '3000', TANGO_DEADLINE_MS: '5000' },
    });
  });
  afterAll(async () => gw.close());

  test('a slow answer inside the timeout is served', async () => {
    // 500 ms late against a 3 s timeout: a loaded machine's delays fit in the rest (a 60 ms answer against a 150 ms
    // timeout was once cut).
    gw.sim('tango').inject({ fault: { kind: 'latency', ms: 500 } });
    const res = await gw.lookup('tango', ID, NO_CACHE);
    expect(res.status).toBe(200);
    expect(gw.sim('tango').stats.faultKinds.latency).toBe(1);
  });
});

describe('every attempt cut at the timeout, retried (TANGO_TIMEOUT_MS=150, TANGO_RETRIES=2)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      env: { ...UNCACHED, TANGO_RETRIES: '2', TANGO_TIMEOUT_MS: '150', TANGO_DEADLINE_MS: '5000' },
    });
  });
  afterAll(async () => gw.close());

  test('a hang on every attempt makes three attempts of about 150 ms each, then upstream-timeout', async () => {
    gw.sim('tango').inject({ fault: { kind: 'hang' } });
    const res = await gw.lookup('tango', ID, NO_CACHE);
    await expectProblem(res, 'upstream-timeout');
    expect(gw.sim('tango').stats.apiRequests).toBe(3);
    // Each gap is one cut attempt (~150 ms) plus the backoff (200 ms, then 400 ms, jitter up to double).
    const [first, second] = gaps(gw);
    expect(first).toBeGreaterThanOrEqual(150 + 200 - 10);
    // The jitter's upper bound is pinned with a controlled clock in the unit test; here only that the second
    // wait is the doubled one.
    expect(first).toBeLessThan(2000);
    expect(second).toBeGreaterThanOrEqual(150 + 400 - 10);
  });
});

describe('the lookup deadline (TANGO_DEADLINE_MS=300, TANGO_TIMEOUT_MS=5000)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      env: { ...UNCACHED, TANGO_RETRIES: '2', TANGO_TIMEOUT_MS: '5000', TANGO_DEADLINE_MS: '300' },
    });
  });
  afterAll(async () => gw.close());
  beforeEach(() => gw.sim('tango').reset());

  test('a hanging Tango ends the whole lookup near the deadline with upstream-timeout', async () => {
    gw.sim('tango').inject({ fault: { kind: 'hang' } });
    const [res, ms] = await timed(() => gw.lookup('tango', ID, NO_CACHE));
    await expectProblem(res, 'upstream-timeout');
    expect(ms).toBeGreaterThanOrEqual(290);
    // The attempt timeout is 5000 ms: ending well before it (slack for a loaded machine) shows the 300 ms deadline
    // cut the attempt.
    expect(ms).toBeLessThan(4000);
  });
});

describe('a deadline shorter than the first backoff (TANGO_DEADLINE_MS=150)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      env: { ...UNCACHED, TANGO_RETRIES: '2', TANGO_TIMEOUT_MS: '1000', TANGO_DEADLINE_MS: '150' },
    });
  });
  afterAll(async () => gw.close());

  // Whatever the jitter, the first wait (≥ 200 ms) ends past this deadline, so the outcome is deterministic.
  test('a 503 stops the lookup at once with the last failure’s problem, not a timeout: one attempt', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 503 } });
    const [res, ms] = await timed(() => gw.lookup('tango', ID, NO_CACHE));
    const problem = await expectProblem(res, 'upstream-error');
    expect(problem.upstreamStatus).toBe(503);
    expect(gw.sim('tango').stats.apiRequests).toBe(1);
    // That no wait was started (rather than one cut short at the deadline, which would end near 150 ms too) is
    // pinned with a controlled clock in test/unit/pipeline.test.ts; on the wall clock only a generous bound.
    expect(ms).toBeLessThan(1000);
  });
});
