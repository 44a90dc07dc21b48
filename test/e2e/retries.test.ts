/**
 * The retry policy, per-attempt timeout and deadline, read from what the Tango simulator saw (its request log with
 * arrival times). The gateway and the simulator read one controlled clock: a retry wait moves it by the time
 * waited and returns at once, and an attempt or a deadline runs out only when the test moves the clock past it, so
 * the times below are exact however loaded the machine. The waits' jitter is pinned in
 * test/unit/upstream-path.test.ts.
 */
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ManualClock } from '../support/manual-clock.js';
import { expectProblem } from '../support/problems.js';
import { until } from '../support/until.js';
import { watchAnswerHeads } from '../support/drive-clock.js';

const ID = 'acme-wellness';
const NO_CACHE = { headers: { 'Cache-Control': 'no-cache' } };
/** Nothing kept: no cached or stale customer may stand in for the failures these tests provoke. */
const UNCACHED = { CACHE_TTL_SECONDS: '0', CACHE_STALE_IF_ERROR_SECONDS: '0' };

/** Milliseconds between consecutive upstream requests, as the simulator saw them arrive. */
const gaps = (gw: TestGateway) => {
  const at = gw.sim('tango').log.map((r) => r.at);
  return at.slice(1).map((t, i) => t - (at[i] ?? t));
};

/** Tango calls between the bulkhead and the end of their attempt: 1 while an attempt is on the wire. */
const onTheWire = (gw: TestGateway) => gw.services.providers.get('tango')?.state?.().inFlight;

/** Resolves once the simulator has received `count` requests: the attempt is on the wire. */
const sent = (gw: TestGateway, count: number) => until(() => gw.sim('tango').stats.apiRequests >= count, 10_000, 1);

describe('retry count and spacing (TANGO_RETRIES=2)', () => {
  let gw: TestGateway;
  const clock = new ManualClock(undefined, { autoAdvance: true });
  beforeAll(async () => {
    gw = await startTestGateway({
      clock,
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

  test('attempts are spaced by the backoff: 200 ms, then 400 ms, each times a jitter in [1, 2]', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 500 } });
    await expectProblem(await gw.lookup('tango', ID, NO_CACHE), 'upstream-error');
    const [first = 0, second = 0] = gaps(gw);
    expect(gaps(gw)).toHaveLength(2);
    expect(first).toBeGreaterThanOrEqual(200);
    expect(first).toBeLessThanOrEqual(400);
    expect(second).toBeGreaterThanOrEqual(400);
    expect(second).toBeLessThanOrEqual(800);
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

  test('Retry-After: 1 on a 503 is honoured: the next attempt comes a second later, not at the backoff', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 503, headers: { 'Retry-After': '1' } }, times: 1 });
    const res = await gw.lookup('tango', ID, NO_CACHE);
    expect(res.status).toBe(200);
    expect(gaps(gw)).toEqual([1000]);
  });

  test('Retry-After as an HTTP date on a 429 is honoured too', async () => {
    const soon = new Date(clock.now() + 1500).toUTCString();
    gw.sim('tango').inject({ fault: { kind: 'status', status: 429, headers: { 'Retry-After': soon } }, times: 1 });
    const res = await gw.lookup('tango', ID, NO_CACHE);
    expect(res.status).toBe(200);
    // An HTTP date has whole-second resolution and the wait is rounded up to whole seconds: one or two here.
    expect(gaps(gw)).toHaveLength(1);
    expect([1000, 2000]).toContain(gaps(gw)[0]);
  });
});

describe('a Retry-After that would end past the deadline (TANGO_DEADLINE_MS=4000)', () => {
  let gw: TestGateway;
  const clock = new ManualClock(undefined, { autoAdvance: true });
  beforeAll(async () => {
    gw = await startTestGateway({
      clock,
      env: { ...UNCACHED, TANGO_RETRIES: '2', TANGO_TIMEOUT_MS: '500', TANGO_DEADLINE_MS: '4000' },
    });
  });
  afterAll(async () => gw.close());
  beforeEach(() => gw.sim('tango').reset());

  // At once: no time passes on the clock. A wait for Retry-After would have moved it by 5 s; one for the deadline
  // would never end, as nothing moves the clock to it.
  test('a 429 with Retry-After: 5 stops the lookup at once and passes Retry-After on', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 429, headers: { 'Retry-After': '5' } } });
    const before = clock.now();
    const res = await gw.lookup('tango', ID, NO_CACHE);
    expect(clock.now()).toBe(before);
    expect(res.headers.get('retry-after')).toBe('5');
    const problem = await expectProblem(res, 'upstream-rate-limited');
    expect(problem.upstreamStatus).toBe(429);
    expect(gw.sim('tango').stats.apiRequests).toBe(1);
  });

  test('a 503 with Retry-After: 5 stops at once as upstream-error and passes Retry-After on', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 503, headers: { 'Retry-After': '5' } } });
    const before = clock.now();
    const res = await gw.lookup('tango', ID, NO_CACHE);
    expect(clock.now()).toBe(before);
    expect(res.headers.get('retry-after')).toBe('5');
    await expectProblem(res, 'upstream-error');
    expect(gw.sim('tango').stats.apiRequests).toBe(1);
  });
});

describe('per-attempt timeout (TANGO_TIMEOUT_MS=150)', () => {
  let gw: TestGateway;
  const clock = new ManualClock(undefined, { autoAdvance: true });
  beforeAll(async () => {
    gw = await startTestGateway({
      clock,
      env: { ...UNCACHED, TANGO_RETRIES: '0', TANGO_TIMEOUT_MS: '150', TANGO_DEADLINE_MS: '5000' },
    });
  });
  afterAll(async () => gw.close());
  beforeEach(() => gw.sim('tango').reset());

  test('an attempt to a hanging Tango is cut at 150 ms and answered upstream-timeout', async () => {
    gw.sim('tango').inject({ fault: { kind: 'hang' } });
    const lookup = gw.lookup('tango', ID, NO_CACHE);
    await sent(gw, 1);
    await clock.advance(149);
    expect(onTheWire(gw)).toBe(1);
    await clock.advance(1);
    await expectProblem(await lookup, 'upstream-timeout');
    expect(onTheWire(gw)).toBe(0);
  });

  test('the timeout covers the whole response: a body that stalls halfway is cut too', async () => {
    const heads = watchAnswerHeads();
    try {
      gw.sim('tango').inject({ fault: { kind: 'slow-body', ms: 4000 } });
      const lookup = gw.lookup('tango', ID, NO_CACHE);
      // The status line and headers have arrived; half the body has been sent, the rest stalls.
      await until(() => heads.count() === 1, 10_000, 1);
      await clock.advance(149);
      expect(onTheWire(gw)).toBe(1);
      await clock.advance(1);
      await expectProblem(await lookup, 'upstream-timeout');
    } finally {
      heads.stop();
    }
  });
});

describe('per-attempt timeout (TANGO_TIMEOUT_MS=3000)', () => {
  let gw: TestGateway;
  const clock = new ManualClock(undefined, { autoAdvance: true });
  beforeAll(async () => {
    gw = await startTestGateway({
      clock,
      env: { ...UNCACHED, TANGO_RETRIES: '0', TANGO_TIMEOUT_MS: '3000', TANGO_DEADLINE_MS: '5000' },
    });
  });
  afterAll(async () => gw.close());

  test('a slow answer inside the timeout is served', async () => {
    // The simulator holds the answer for 500 ms of real time; meanwhile the clock moves to 1 ms before the timeout.
    gw.sim('tango').inject({ fault: { kind: 'latency', ms: 500 } });
    const lookup = gw.lookup('tango', ID, NO_CACHE);
    await until(() => gw.sim('tango').stats.faultKinds.latency === 1, 10_000, 1);
    await clock.advance(2999);
    const res = await lookup;
    expect(res.status).toBe(200);
    expect(gw.sim('tango').stats.faultKinds.latency).toBe(1);
  });
});

describe('every attempt cut at the timeout, retried (TANGO_TIMEOUT_MS=150, TANGO_RETRIES=2)', () => {
  let gw: TestGateway;
  const clock = new ManualClock(undefined, { autoAdvance: true });
  beforeAll(async () => {
    gw = await startTestGateway({
      clock,
      env: { ...UNCACHED, TANGO_RETRIES: '2', TANGO_TIMEOUT_MS: '150', TANGO_DEADLINE_MS: '5000' },
    });
  });
  afterAll(async () => gw.close());

  test('a hang on every attempt makes three attempts of 150 ms each, then upstream-timeout', async () => {
    gw.sim('tango').inject({ fault: { kind: 'hang' } });
    const lookup = gw.lookup('tango', ID, NO_CACHE);
    for (let attempt = 1; attempt <= 3; attempt++) {
      await sent(gw, attempt);
      await clock.advance(150);
    }
    await expectProblem(await lookup, 'upstream-timeout');
    expect(gw.sim('tango').stats.apiRequests).toBe(3);
    // Each gap is one cut attempt (150 ms) plus the backoff (200 ms, then 400 ms, times a jitter in [1, 2]).
    const [first = 0, second = 0] = gaps(gw);
    expect(first).toBeGreaterThanOrEqual(150 + 200);
    expect(first).toBeLessThanOrEqual(150 + 400);
    expect(second).toBeGreaterThanOrEqual(150 + 400);
    expect(second).toBeLessThanOrEqual(150 + 800);
  });
});

describe('the lookup deadline (TANGO_DEADLINE_MS=300, TANGO_TIMEOUT_MS=5000)', () => {
  let gw: TestGateway;
  const clock = new ManualClock(undefined, { autoAdvance: true });
  beforeAll(async () => {
    gw = await startTestGateway({
      clock,
      env: { ...UNCACHED, TANGO_RETRIES: '2', TANGO_TIMEOUT_MS: '5000', TANGO_DEADLINE_MS: '300' },
    });
  });
  afterAll(async () => gw.close());
  beforeEach(() => gw.sim('tango').reset());

  test('a hanging Tango ends the whole lookup at the deadline with upstream-timeout, with no retry', async () => {
    gw.sim('tango').inject({ fault: { kind: 'hang' } });
    const lookup = gw.lookup('tango', ID, NO_CACHE);
    await sent(gw, 1);
    await clock.advance(299);
    expect(onTheWire(gw)).toBe(1);
    // The attempt timeout is 5000 ms: the 300 ms deadline cut the attempt.
    await clock.advance(1);
    await expectProblem(await lookup, 'upstream-timeout');
    expect(gw.sim('tango').stats.apiRequests).toBe(1);
  });
});

describe('a deadline shorter than the first backoff (TANGO_DEADLINE_MS=150)', () => {
  let gw: TestGateway;
  const clock = new ManualClock(undefined, { autoAdvance: true });
  beforeAll(async () => {
    gw = await startTestGateway({
      clock,
      env: { ...UNCACHED, TANGO_RETRIES: '2', TANGO_TIMEOUT_MS: '1000', TANGO_DEADLINE_MS: '150' },
    });
  });
  afterAll(async () => gw.close());

  // Whatever the jitter, the first wait (≥ 200 ms) ends past this deadline, so the outcome is deterministic.
  test('a 503 stops the lookup at once with the last failure’s problem, not a timeout: one attempt', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 503 } });
    const before = clock.now();
    const res = await gw.lookup('tango', ID, NO_CACHE);
    // No wait was started: one would have moved the clock (and one cut short at the deadline, by 150 ms).
    expect(clock.now()).toBe(before);
    const problem = await expectProblem(res, 'upstream-error');
    expect(problem.upstreamStatus).toBe(503);
    expect(gw.sim('tango').stats.apiRequests).toBe(1);
  });
});
