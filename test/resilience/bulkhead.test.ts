/**
 * The bulkhead per provider (`<P>_MAX_CONCURRENCY`, `<P>_MAX_QUEUE`): a hanging provider holds at most its own
 * slots; beyond the queue, lookups are refused at once; other providers keep their latency. The gateway runs on a
 * controlled clock: a hanging call ends at its timeout, and a queued one gives up, when the test moves the clock
 * there, so the phases stay apart however loaded the machine is.
 */
import { tango } from '../../providers/tango/adapter.js';
import type { ProviderAdapter } from '../../src/core/provider.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ManualClock } from '../support/manual-clock.js';
import { until } from '../support/until.js';
import { problemOf } from './support.js';

// A second provider built from the Tango declaration, with its own simulator, settings and guard.
const mirror: ProviderAdapter = { ...tango, id: 'mirror', displayName: 'Mirror of Tango' };

let gw: TestGateway;
const clock = new ManualClock();
beforeAll(async () => {
  gw = await startTestGateway({
    adapters: [tango, mirror],
    clock,
    env: {
      TANGO_MAX_CONCURRENCY: '2',
      TANGO_MAX_QUEUE: '1',
      // The queued lookup gives up at 3.75 s on the clock, the two in flight time out at 5 s.
      TANGO_TIMEOUT_MS: '5000',
      TANGO_DEADLINE_MS: '5000',
      TANGO_RETRIES: '0',
      TANGO_BREAKER_CONSECUTIVE_FAILURES: '100',
      MIRROR_RATE_LIMIT_PER_SECOND: '0',
    },
  });
});
afterAll(async () => gw.close());

// Two calls in flight, one waiting, the rest refused at once, and the other provider stays fast.
test('with Tango hanging, the bulkhead bounds what it holds and the other provider stays fast', async () => {
  gw.sim('tango').inject({ fault: { kind: 'hang' } });
  const started = clock.now();
  let answered = 0;
  const ids = ['zanzibar-health', 'acme-wellness', 'dormant-holdings', 'edge-case-co', 'no-accounts-yet'];
  const pending = ids.map(async (id) => {
    const res = await gw.lookup('tango', id);
    answered += 1;
    return {
      status: res.status,
      ms: clock.now() - started,
      type: res.status === 200 ? '' : (await problemOf(res)).type,
    };
  });

  // Until they have arrived: two on the wire, one queued, two answered.
  const state = () => gw.services.providers.get('tango')?.state?.();
  const settled = () => state()?.inFlight === 2 && state()?.queued === 1 && gw.sim('tango').stats.apiRequests === 2;
  await until(() => settled() && answered === 2, 10_000, 1);

  for (const id of ['zanzibar-health', 'acme-wellness', 'dormant-holdings']) {
    const res = await gw.lookup('mirror', id, { headers: { 'Cache-Control': 'no-cache' } });
    expect(res.status).toBe(200);
  }
  // Answered while Tango's lookups still hang: the clock, which alone can end them, has not moved.
  expect(state()).toMatchObject({ inFlight: 2, queued: 1 });

  // The queued one gives up when a slot could no longer leave it a quarter of its timeout (at 3.75 s), without
  // calling the upstream; the two in flight time out at the deadline.
  await clock.advance(3749);
  expect(state()).toMatchObject({ inFlight: 2, queued: 1 });
  await clock.advance(1);
  await until(() => answered === 3, 10_000, 1);
  await clock.advance(1250);
  const answers = await Promise.all(pending);
  const refusedAtOnce = answers.filter((a) => a.status === 503 && a.ms === 0);
  expect(refusedAtOnce).toHaveLength(2);
  for (const a of refusedAtOnce) expect(a.type).toBe('/problems/provider-unavailable');
  expect(answers.filter((a) => a.status === 503 && a.ms === 3750)).toHaveLength(1);
  expect(answers.filter((a) => a.status === 504 && a.ms === 5000)).toHaveLength(2);
  expect(gw.sim('tango').stats.apiRequests).toBe(2);
  expect(gw.services.providers.get('tango')?.state?.()).toMatchObject({ inFlight: 0, queued: 0 });
});

describe('a lookup waiting for a slot while the circuit opens', () => {
  let one: TestGateway;
  const oneClock = new ManualClock();
  beforeAll(async () => {
    one = await startTestGateway({
      adapters: [tango],
      clock: oneClock,
      env: {
        TANGO_MAX_CONCURRENCY: '1',
        TANGO_MAX_QUEUE: '1',
        // The first lookup hangs for its whole timeout; the deadline leaves the waiting one time to get its slot.
        TANGO_TIMEOUT_MS: '1000',
        TANGO_DEADLINE_MS: '8000',
        TANGO_RETRIES: '0',
        TANGO_BREAKER_CONSECUTIVE_FAILURES: '1',
        TANGO_BREAKER_HALF_OPEN_AFTER_MS: '60000',
      },
    });
  });
  afterAll(async () => one.close());

  test('is refused when its slot comes, not sent to the upstream that hung', async () => {
    const sim = one.sim('tango');
    sim.inject({ fault: { kind: 'hang' } });
    const state = () => one.services.providers.get('tango')?.state?.();
    const first = one.lookup('tango', 'zanzibar-health');
    await until(() => sim.stats.apiRequests >= 1);
    const second = one.lookup('tango', 'acme-wellness');
    await until(() => state()?.queued === 1);

    await oneClock.advance(1000);
    expect((await first).status).toBe(504);
    const refused = await second;
    expect(refused.status).toBe(503);
    const problem = (await refused.json()) as { type: string; detail: string };
    expect(problem.type).toBe('/problems/provider-unavailable');
    expect(problem.detail).toMatch(/circuit open/);
    expect(sim.stats.apiRequests).toBe(1);
    expect(state()?.breaker).toBe('open');
  });
});
