/**
 * W3C trace context without a tracing SDK: nothing is recorded, but the caller's trace reaches the upstream,
 * with a span id of its own per attempt.
 */
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN}-01`;

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => gw.close());
beforeEach(() => gw.sim('tango').reset());

const upstreamTraceparents = () => gw.sim('tango').log.map((r) => r.headers.traceparent);

test('the caller’s trace id reaches the upstream, with a new span id for every attempt', async () => {
  gw.sim('tango').inject({ fault: { kind: 'status', status: 503 }, times: 1 });
  const res = await gw.lookup('tango', 'zanzibar-health', { headers: { traceparent: TRACEPARENT } });
  expect(res.status).toBe(200);
  const sent = upstreamTraceparents();
  expect(sent).toHaveLength(2);
  const parsed = sent.map((h) => /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(String(h)));
  expect(parsed.map((m) => m?.[1])).toEqual([TRACE_ID, TRACE_ID]);
  const spanIds = parsed.map((m) => m?.[2]);
  expect(new Set(spanIds).size).toBe(2);
  expect(spanIds).not.toContain(CALLER_SPAN);
});

test('the request log carries the trace id', async () => {
  await gw.lookup('tango', 'acme-wellness', { headers: { traceparent: TRACEPARENT, 'X-Request-Id': 'trace-log-1' } });
  expect(gw.logs().find((l) => l.requestId === 'trace-log-1' && l.msg === 'request completed')).toMatchObject({
    traceId: TRACE_ID,
  });
});

test('without a caller trace and without an SDK, no traceparent is invented', async () => {
  await gw.lookup('tango', 'dormant-holdings');
  expect(upstreamTraceparents()).toEqual([undefined]);
});

test('a malformed traceparent is ignored', async () => {
  const res = await gw.lookup('tango', 'no-accounts-yet', { headers: { traceparent: '00-zzzz-not-a-trace-01' } });
  expect(res.status).toBe(200);
  expect(upstreamTraceparents()).toEqual([undefined]);
});

test('the caller’s tracestate and baggage never reach the upstream; its trace id does', async () => {
  // An id no other test here looks up: the answer comes from the upstream, not from the cache.
  const res = await gw.lookup('tango', 'edge-case-co', {
    headers: { traceparent: TRACEPARENT, tracestate: 'evil=payload,internal=secret', baggage: 'user=alice,tenant=bob' },
  });
  expect(res.status).toBe(200);
  const [request] = gw.sim('tango').log;
  expect(String(request?.headers.traceparent)).toContain(TRACE_ID);
  expect(request?.headers.tracestate).toBeUndefined();
  expect(request?.headers.baggage).toBeUndefined();
  expect(JSON.stringify(request?.headers)).not.toMatch(/evil|payload|alice/);
});
