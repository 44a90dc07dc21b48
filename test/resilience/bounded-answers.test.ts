/**
 * Upstream answers are bounded (issue 4 §5): size, content type, truncation, redirects, and a body that
 * trickles in slower than the deadline.
 */
import type { Fault } from '../../src/core/simulator.js';
import { watchAnswerHeads } from '../support/drive-clock.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ManualClock } from '../support/manual-clock.js';
import { until } from '../support/until.js';
import { problemOf } from './support.js';

let gw: TestGateway;
// Attempts time out only when the test moves this clock: a whole faulty answer (10 kB, a cut body) is judged as
// such however slowly it arrives on a loaded machine.
const clock = new ManualClock();
beforeAll(async () => {
  gw = await startTestGateway({
    clock,
    env: {
      TANGO_TIMEOUT_MS: '1500',
      TANGO_DEADLINE_MS: '3000',
      TANGO_RETRIES: '0',
      TANGO_BREAKER_CONSECUTIVE_FAILURES: '100',
      UPSTREAM_MAX_BODY_BYTES: '4096',
      TANGO_CACHE_TTL_SECONDS: '0',
      CACHE_STALE_IF_ERROR_SECONDS: '0',
    },
  });
});
afterAll(async () => gw.close());
afterEach(() => gw.sim('tango').reset());

test.each<[string, Fault]>([
  ['a body larger than UPSTREAM_MAX_BODY_BYTES', { kind: 'oversized', bytes: 10_000 }],
  ['a body cut off before its Content-Length', { kind: 'truncated' }],
  ['a 200 that is not JSON (wrong content type)', { kind: 'content-type', contentType: 'text/html' }],
  ['malformed JSON', { kind: 'malformed' }],
])('%s is upstream-invalid-response', async (_name, fault) => {
  gw.sim('tango').inject({ fault });
  const res = await gw.lookup('tango', 'zanzibar-health');
  expect(res.status).toBe(502);
  expect((await problemOf(res)).type).toBe('/problems/upstream-invalid-response');
});

test('headers on time but a body slower than the deadline is upstream-timeout, within the deadline', async () => {
  // The body would take 5 s (of real time, far more than the test needs): the attempt is cut at its 1.5 s timeout on
  // the clock, inside the 3 s deadline.
  const heads = watchAnswerHeads();
  try {
    gw.sim('tango').inject({ fault: { kind: 'slow-body', ms: 5000 } });
    const pending = gw.lookup('tango', 'zanzibar-health');
    await until(() => heads.count() === 1, 10_000, 1);
    await clock.advance(1499);
    expect(gw.services.providers.get('tango')?.state?.().inFlight).toBe(1);
    await clock.advance(1);
    const res = await pending;
    expect(res.status).toBe(504);
    expect((await problemOf(res)).type).toBe('/problems/upstream-timeout');
  } finally {
    heads.stop();
  }
});

test('a redirect is not followed: upstream-error', async () => {
  gw.sim('tango').inject({
    fault: { kind: 'status', status: 302, headers: { Location: 'http://127.0.0.1:1/elsewhere' } },
  });
  const res = await gw.lookup('tango', 'zanzibar-health');
  expect(res.status).toBe(502);
  expect((await problemOf(res)).type).toBe('/problems/upstream-error');
  expect(gw.sim('tango').stats.apiRequests).toBe(1);
});
