/**
 * The bulkhead per provider (`<P>_MAX_CONCURRENCY`, `<P>_MAX_QUEUE`): a hanging provider holds at most its own
 * slots; beyond the queue, lookups are refused at once; other providers keep their latency.
 */
import { tango } from '../../providers/tango/adapter.js';
import type { ProviderAdapter } from '../../src/core/provider.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { until } from '../support/until.js';
import { problemOf } from './support.js';

// A second provider built from the Tango declaration, with its own simulator, settings and guard.
const mirror: ProviderAdapter = { ...tango, id: 'mirror', displayName: 'Mirror of Tango' };

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    adapters: [tango, mirror],
    env: {
      TANGO_MAX_CONCURRENCY: '2',
      TANGO_MAX_QUEUE: '1',
      // Long enough that the phases stay apart on a loaded machine: the lookups arrive (up to 3 s allowed), the
      // queued one gives up at 3.75 s, the two in flight time out at 5 s. Only the end of the test waits for them.
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
  const started = Date.now();
  const ids = ['zanzibar-health', 'acme-wellness', 'dormant-holdings', 'edge-case-co', 'no-accounts-yet'];
  const pending = ids.map(async (id) => {
    const res = await gw.lookup('tango', id);
    return {
      status: res.status,
      ms: Date.now() - started,
      type: res.status === 200 ? '' : (await problemOf(res)).type,
    };
  });

  // Until they have arrived: two on the wire, one queued. A loaded machine may take a while to send them, so poll
  // for up to 3 s, still well before the queued one gives up (3.75 s).
  const state = () => gw.services.providers.get('tango')?.state?.();
  const settled = () => state()?.inFlight === 2 && state()?.queued === 1 && gw.sim('tango').stats.apiRequests === 2;
  await until(settled, started + 3000 - Date.now());
  expect(state()).toMatchObject({ inFlight: 2, queued: 1 });
  expect(gw.sim('tango').stats.apiRequests).toBe(2);

  for (const id of ['zanzibar-health', 'acme-wellness', 'dormant-holdings']) {
    const t = Date.now();
    const res = await gw.lookup('mirror', id, { headers: { 'Cache-Control': 'no-cache' } });
    expect(res.status).toBe(200);
    // Tango's lookups hang for 5 s: the other provider's answers come well before (generous for load).
    expect(Date.now() - t).toBeLessThan(2500);
  }

  const answers = await Promise.all(pending);
  // At once: on arrival, before the queued one gives up at 3.75 s (arrival may take up to 3 s on a loaded machine).
  const refusedAtOnce = answers.filter((a) => a.status === 503 && a.ms < 3500);
  expect(refusedAtOnce).toHaveLength(2);
  for (const a of refusedAtOnce) expect(a.type).toBe('/problems/provider-unavailable');
  // The two in flight time out at the deadline; the queued one gives up when a slot could no longer leave it a
  // quarter of its timeout (at 3.75 s), without calling the upstream.
  expect(answers.filter((a) => a.status === 504)).toHaveLength(2);
  expect(answers.filter((a) => a.status === 503)).toHaveLength(3);
  // Nothing hangs past the 5 s deadline for long (slack for a loaded machine).
  expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(8000);
  expect(gw.sim('tango').stats.apiRequests).toBe(2);
  expect(gw.services.providers.get('tango')?.state?.()).toMatchObject({ inFlight: 0, queued: 0 });
});

describe('a lookup waiting for a slot while the circuit opens', () => {
  let one: TestGateway;
  beforeAll(async () => {
    one = await startTestGateway({
      adapters: [tango],
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
