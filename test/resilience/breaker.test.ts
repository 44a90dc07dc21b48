/**
 * The circuit breaker per provider: opens on consecutive failures or a failure ratio, only for failures that
 * say the upstream is unwell; fails fast with provider-unavailable (or stale) while open; probes half-open.
 * One customer id counts only with its first failing lookup per window, so the tests that open the circuit fail
 * several ids, as a provider that is really unwell does. The gateway runs on a controlled clock: the circuit
 * half-opens, an attempt times out and a quota slot comes exactly when the test moves it, however long the
 * lookups take on a loaded machine.
 */
import { ManualClock } from '../support/manual-clock.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { until } from '../support/until.js';
import { problemOf } from './support.js';

const NO_CACHE = { headers: { 'Cache-Control': 'no-cache' } };
/** Seeded Tango customers, failed by a fault that matches every path. */
const FAILING_IDS = ['acme-wellness', 'dormant-holdings', 'edge-case-co'];

describe('consecutive failures', () => {
  let gw: TestGateway;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock();
    gw = await startTestGateway({
      clock,
      env: {
        TANGO_RETRIES: '0',
        // The failed probe's hang ends when the test moves the clock to this timeout.
        TANGO_TIMEOUT_MS: '3000',
        TANGO_BREAKER_CONSECUTIVE_FAILURES: '3',
        TANGO_BREAKER_HALF_OPEN_AFTER_MS: '400',
        TANGO_BREAKER_FAILURE_RATIO: '0',
        CACHE_NOT_FOUND_TTL_SECONDS: '0',
      },
    });
  });
  afterEach(async () => gw.close());
  const state = () => gw.services.providers.get('tango')?.state?.().breaker;

  // While open nothing reaches the upstream, a cached customer is served stale, others get provider-unavailable.
  test('three 503s open it; while open: stale or provider-unavailable, no call; a probe closes it', async () => {
    const sim = gw.sim('tango');
    expect((await gw.lookup('tango', 'zanzibar-health')).status).toBe(200);
    sim.inject({ fault: { kind: 'status', status: 503 } });
    for (const id of FAILING_IDS) expect((await gw.lookup('tango', id)).status).toBe(502);
    expect(state()).toBe('open');
    const calls = sim.stats.apiRequests;

    const refused = await gw.lookup('tango', 'acme-wellness');
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await problemOf(refused)).type).toBe('/problems/provider-unavailable');

    const stale = await gw.lookup('tango', 'zanzibar-health', NO_CACHE);
    expect(stale.status).toBe(200);
    expect(stale.headers.get('cache-status')).toMatch(/^customer-gateway; hit; ttl=\d+; detail=stale-if-error$/);
    expect(((await stale.json()) as { meta: { cache: string } }).meta.cache).toBe('stale');
    expect(sim.stats.apiRequests).toBe(calls);

    sim.clearFaults();
    await clock.advance(399);
    expect((await gw.lookup('tango', 'acme-wellness')).status).toBe(503);
    expect(sim.stats.apiRequests).toBe(calls);
    await clock.advance(1);
    expect((await gw.lookup('tango', 'acme-wellness')).status).toBe(200);
    expect(state()).toBe('closed');

    const transitions = gw.logs().filter((line) => typeof line.breaker === 'string');
    expect(transitions.map((line) => line.breaker)).toEqual(['open', 'half-open', 'closed']);
    for (const line of transitions) {
      expect(line.provider).toBe('tango');
      expect(typeof line.reason).toBe('string');
    }
    expect(String(transitions[0]?.reason)).toMatch(/3 consecutive failures \(last: upstream-error\)/);
  });

  /** Opens the circuit with three failing ids, then makes the probe due and the upstream hang. */
  async function openWithHangingProbe() {
    const sim = gw.sim('tango');
    sim.inject({ fault: { kind: 'status', status: 503 } });
    for (const id of FAILING_IDS) expect((await gw.lookup('tango', id)).status).toBe(502);
    // Only the probe reaches the upstream, so only it hangs (a hang costs the whole timeout).
    sim.clearFaults();
    sim.inject({ fault: { kind: 'hang' } });
    await clock.advance(450);
    return sim;
  }

  /** Moves the clock to the attempt timeout once the probe is on the wire. */
  async function timeOutProbe(calls: number) {
    await until(() => gw.sim('tango').stats.apiRequests > calls, 10_000, 1);
    await clock.advance(3000);
  }

  test('a failed probe opens it again, logged once with the reason', async () => {
    const sim = await openWithHangingProbe();
    const probe = gw.lookup('tango', 'acme-wellness');
    await timeOutProbe(sim.stats.apiRequests);
    expect((await probe).status).toBe(504);
    expect(state()).toBe('open');
    const transitions = gw.logs().filter((line) => typeof line.breaker === 'string');
    expect(transitions.map((line) => line.breaker)).toEqual(['open', 'half-open', 'open']);
    expect(String(transitions[2]?.reason)).toBe('the half-open probe failed (upstream-timeout)');
  });

  test('while the probe is out, other lookups are refused at once, without a call', async () => {
    const sim = await openWithHangingProbe();
    const calls = sim.stats.apiRequests;
    let probeAnswered = false;
    const probe = gw.lookup('tango', 'acme-wellness').finally(() => (probeAnswered = true));
    await until(() => sim.stats.apiRequests !== calls);
    expect(state()).toBe('half-open');

    const other = await gw.lookup('tango', 'zanzibar-health');
    // Answered while the probe still hangs (it ends only at its 3 s timeout, which the clock has not reached), not
    // released by its outcome.
    expect(probeAnswered).toBe(false);
    expect(other.status).toBe(503);
    expect(other.headers.get('retry-after')).toBe('1');
    const problem = (await other.json()) as { type: string; detail: string };
    expect(problem.type).toBe('/problems/provider-unavailable');
    expect(problem.detail).toMatch(/half-open/);
    expect(sim.stats.apiRequests).toBe(calls + 1);
    await timeOutProbe(calls);
    expect((await probe).status).toBe(504);
  });

  test('404, 400-class answers and refused credentials never open it, and a 404 resets the count', async () => {
    const sim = gw.sim('tango');
    for (let i = 0; i < 4; i++) expect((await gw.lookup('tango', `missing-${i}`)).status).toBe(404);
    sim.inject({ fault: { kind: 'status', status: 401 }, times: 4 });
    for (let i = 0; i < 4; i++) expect((await gw.lookup('tango', 'acme-wellness', NO_CACHE)).status).toBe(502);
    sim.inject({ fault: { kind: 'status', status: 400 }, times: 4 });
    for (let i = 0; i < 4; i++) expect((await gw.lookup('tango', 'acme-wellness', NO_CACHE)).status).toBe(400);
    expect(state()).toBe('closed');

    // Two failing ids, a 404, two more: never three failures in a row.
    sim.inject({ fault: { kind: 'status', status: 500 }, match: 'broken-' });
    for (const id of ['broken-a', 'broken-b']) expect((await gw.lookup('tango', id, NO_CACHE)).status).toBe(502);
    expect((await gw.lookup('tango', 'missing-x')).status).toBe(404);
    for (const id of ['broken-c', 'broken-d']) expect((await gw.lookup('tango', id, NO_CACHE)).status).toBe(502);
    expect(state()).toBe('closed');
  });
});

describe('failure ratio', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      // The window is judged on the gateway's clock, which stands still here: however slow the machine, the 60
      // lookups fall in one window.
      clock: new ManualClock(undefined, { autoAdvance: true }),
      env: {
        TANGO_RETRIES: '0',
        TANGO_BREAKER_CONSECUTIVE_FAILURES: '1000',
        TANGO_BREAKER_FAILURE_RATIO: '0.5',
        TANGO_BREAKER_WINDOW_MS: '5000',
      },
    });
  });
  afterAll(async () => gw.close());

  test('more than half of the calls failing over the window opens it, though no run of failures is long', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 503 }, match: 'broken-' });
    const answers: number[] = [];
    for (let i = 0; i < 60 && gw.services.providers.get('tango')?.state?.().breaker === 'closed'; i++) {
      const id = i % 3 === 0 ? 'zanzibar-health' : `broken-${i}`;
      answers.push((await gw.lookup('tango', id, NO_CACHE)).status);
    }
    expect(gw.services.providers.get('tango')?.state?.().breaker).toBe('open');
    expect(answers).toContain(200);
    const transition = gw.logs().find((line) => line.breaker === 'open');
    expect(String(transition?.reason)).toMatch(/more than 50% of calls failed over 5 s/);
  });
});

describe('a half-open probe refused by the quota', () => {
  let gw: TestGateway;
  const clock = new ManualClock();
  beforeAll(async () => {
    gw = await startTestGateway({
      clock,
      env: {
        // One slot every 1.1 s, and a deadline far shorter: a lookup right after another is refused by the quota
        // at once.
        TANGO_RATE_LIMIT_PER_SECOND: '1',
        TANGO_RETRIES: '0',
        TANGO_TIMEOUT_MS: '200',
        TANGO_DEADLINE_MS: '300',
        TANGO_BREAKER_CONSECUTIVE_FAILURES: '1',
        TANGO_BREAKER_HALF_OPEN_AFTER_MS: '100',
        TANGO_BREAKER_FAILURE_RATIO: '0',
        CACHE_NOT_FOUND_TTL_SECONDS: '0',
      },
    });
  });
  afterAll(async () => gw.close());
  const state = () => gw.services.providers.get('tango')?.state?.().breaker;

  // It opens again, logged with that reason, and a later probe that is sent closes it.
  test('sends nothing and does not close the circuit', async () => {
    const sim = gw.sim('tango');
    sim.inject({ fault: { kind: 'status', status: 503 }, times: 1 });
    expect((await gw.lookup('tango', 'acme-wellness')).status).toBe(502);
    expect(state()).toBe('open');
    await clock.advance(150);
    const calls = sim.stats.apiRequests;

    const probe = await gw.lookup('tango', 'acme-wellness');
    expect(probe.status).toBe(503);
    expect((await problemOf(probe)).type).toBe('/problems/provider-unavailable');
    expect(sim.stats.apiRequests).toBe(calls);
    expect(state()).toBe('open');
    const transitions = gw.logs().filter((line) => typeof line.breaker === 'string');
    expect(transitions.map((line) => line.breaker)).toEqual(['open', 'half-open', 'open']);
    expect(String(transitions[2]?.reason)).toMatch(/no quota slot/);

    // Once the quota has a slot again, the next probe goes out and closes the circuit.
    await clock.advance(1200);
    expect((await gw.lookup('tango', 'acme-wellness')).status).toBe(200);
    expect(state()).toBe('closed');
    expect(sim.stats.apiRequests).toBe(calls + 1);
  });
});

describe('one bad record stays one bad record (the defaults: 5 in a row, 2 retries, 5 s of failure memory)', () => {
  let gw: TestGateway;
  beforeEach(async () => {
    gw = await startTestGateway({
      // Retry waits move the clock by the time waited instead of being waited for.
      clock: new ManualClock(undefined, { autoAdvance: true }),
      env: {
        TANGO_BREAKER_CONSECUTIVE_FAILURES: '5',
        TANGO_BREAKER_FAILURE_RATIO: '0.5',
        TANGO_RETRIES: '2',
        TANGO_TIMEOUT_MS: '500',
        FAILURE_MEMORY_SECONDS: '5',
      },
    });
  });
  afterEach(async () => gw.close());
  const state = () => gw.services.providers.get('tango')?.state?.().breaker;

  test('after one Tango id failed 8 times in a row, a healthy Tango customer is answered 200', async () => {
    const sim = gw.sim('tango');
    sim.inject({ fault: { kind: 'status', status: 503 }, match: 'broken-record' });
    // The first lookup makes its three attempts; the next three within the failure memory are answered from it,
    // with the same problem and Retry-After, without a call.
    expect((await gw.lookup('tango', 'broken-record')).status).toBe(502);
    expect(sim.stats.apiRequests).toBe(3);
    for (let i = 0; i < 3; i++) {
      const remembered = await gw.lookup('tango', 'broken-record');
      expect(remembered.status).toBe(502);
      expect(Number(remembered.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await remembered.json()) as { type: string; upstreamStatus: number }).upstreamStatus).toBe(503);
    }
    expect(sim.stats.apiRequests).toBe(3);
    // A caller that may bypass the cache reaches the upstream each time: 12 more failing attempts of that one id.
    for (let i = 0; i < 4; i++) expect((await gw.lookup('tango', 'broken-record', NO_CACHE)).status).toBe(502);
    expect(sim.stats.apiRequests).toBe(15);
    expect(state()).toBe('closed');
    const healthy = await gw.lookup('tango', 'zanzibar-health');
    expect(healthy.status).toBe(200);
  });

  test('a purge forgets the remembered failure: the next lookup reads the upstream again', async () => {
    const sim = gw.sim('tango');
    sim.inject({ fault: { kind: 'status', status: 503 }, match: 'broken-record' });
    expect((await gw.lookup('tango', 'broken-record')).status).toBe(502);
    expect((await gw.lookup('tango', 'broken-record')).status).toBe(502);
    expect(sim.stats.apiRequests).toBe(3);
    expect((await fetch(`${gw.url}/cache/customers/tango/broken-record`, { method: 'DELETE' })).status).toBe(204);
    sim.clearFaults();
    expect((await gw.lookup('tango', 'broken-record')).status).toBe(404);
    expect(sim.stats.apiRequests).toBe(4);
  });

  test('a provider failing for many ids still opens the circuit after as many failing attempts as before', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 503 } });
    // Three attempts per lookup: the second id's second attempt makes five in a row and opens the circuit, which
    // refuses that lookup's third attempt.
    expect((await gw.lookup('tango', 'acme-wellness')).status).toBe(502);
    expect(state()).toBe('closed');
    expect((await gw.lookup('tango', 'dormant-holdings')).status).toBe(503);
    expect(state()).toBe('open');
    expect(gw.sim('tango').stats.apiRequests).toBe(5);
    const refused = await gw.lookup('tango', 'zanzibar-health');
    expect(refused.status).toBe(503);
    expect((await problemOf(refused)).type).toBe('/problems/provider-unavailable');
  });
});
