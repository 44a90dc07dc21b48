/**
 * The bulkhead per provider (`<P>_MAX_CONCURRENCY`, `<P>_MAX_QUEUE`): a hanging provider holds at most its own
 * slots; beyond the queue, lookups are refused at once; other providers keep their latency.
 */
import { tango } from '../../providers/tango/adapter.js';
import type { ProviderAdapter } from '../../src/core/provider.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
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
      TANGO_TIMEOUT_MS: '1000',
      TANGO_DEADLINE_MS: '1000',
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

  // Until all five have arrived: two on the wire, one queued (a loaded machine may take a while to send them).
  const state = () => gw.services.providers.get('tango')?.state?.();
  const settled = () => state()?.inFlight === 2 && state()?.queued === 1 && gw.sim('tango').stats.apiRequests === 2;
  for (let waited = 0; waited < 700 && !settled(); waited += 10)
    await new Promise((resolve) => setTimeout(resolve, 10));
  expect(state()).toMatchObject({ inFlight: 2, queued: 1 });
  expect(gw.sim('tango').stats.apiRequests).toBe(2);

  for (const id of ['zanzibar-health', 'acme-wellness', 'dormant-holdings']) {
    const t = Date.now();
    const res = await gw.lookup('mirror', id, { headers: { 'Cache-Control': 'no-cache' } });
    expect(res.status).toBe(200);
    // Tango's lookups hang for a second: the other provider's answers come well before (generous for load).
    expect(Date.now() - t).toBeLessThan(600);
  }

  const answers = await Promise.all(pending);
  // At once: long before the queued one gives up at 750 ms (generous for a loaded machine).
  const refusedAtOnce = answers.filter((a) => a.status === 503 && a.ms < 600);
  expect(refusedAtOnce).toHaveLength(2);
  for (const a of refusedAtOnce) expect(a.type).toBe('/problems/provider-unavailable');
  // The two in flight time out at the deadline; the queued one gives up when a slot could no longer leave it a
  // quarter of its timeout (at 750 ms), without calling the upstream.
  expect(answers.filter((a) => a.status === 504)).toHaveLength(2);
  expect(answers.filter((a) => a.status === 503)).toHaveLength(3);
  // Nothing hangs past the 1 s deadline for long (slack for a loaded machine).
  expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(2500);
  expect(gw.sim('tango').stats.apiRequests).toBe(2);
  expect(gw.services.providers.get('tango')?.state?.()).toMatchObject({ inFlight: 0, queued: 0 });
});
