/**
 * With the tracing SDK registered (as `OTEL_EXPORTER_OTLP_ENDPOINT` does, here with an in-memory exporter):
 * a server span continuing the caller's trace, and one client span per upstream attempt.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { registerTracing, type Tracing } from '../../src/core/tracing.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

let gw: TestGateway;
let tracing: Tracing;
const exporter = new InMemorySpanExporter();
beforeAll(async () => {
  tracing = await registerTracing([new SimpleSpanProcessor(exporter)], 'test');
  gw = await startTestGateway();
});
afterAll(async () => {
  await gw.close();
  await tracing.shutdown();
});

test('each attempt is a client span under the server span, in the caller’s trace; its id goes upstream', async () => {
  gw.sim('tango').inject({ fault: { kind: 'status', status: 503 }, times: 1 });
  const res = await gw.lookup('tango', 'zanzibar-health', {
    headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` },
  });
  expect(res.status).toBe(200);
  await new Promise((resolve) => setImmediate(resolve));

  const spans = exporter.getFinishedSpans();
  const server = spans.find((s) => s.kind === SpanKind.SERVER);
  const clients = spans.filter((s) => s.kind === SpanKind.CLIENT);
  expect(server?.name).toBe('GET /customers/:provider/:id');
  expect(server?.spanContext().traceId).toBe(TRACE_ID);
  expect(server?.parentSpanContext?.spanId).toBe(CALLER_SPAN);
  expect(server?.attributes['http.response.status_code']).toBe(200);

  expect(clients).toHaveLength(2);
  for (const client of clients) {
    expect(client.spanContext().traceId).toBe(TRACE_ID);
    expect(client.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
  }
  expect(clients.map((c) => c.attributes['http.response.status_code'])).toEqual([503, 200]);
  const clientIds = clients.map((c) => c.spanContext().spanId);
  expect(new Set(clientIds).size).toBe(2);

  // What the simulator received is exactly each attempt's span.
  const sent = gw.sim('tango').log.map((r) => r.headers.traceparent);
  expect(sent).toEqual(clientIds.map((id) => `00-${TRACE_ID}-${id}-01`));
});

test('a request without a caller trace starts a new trace that still reaches the upstream', async () => {
  gw.sim('tango').reset();
  exporter.reset();
  await gw.lookup('tango', 'acme-wellness');
  await new Promise((resolve) => setImmediate(resolve));
  const server = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER);
  expect(server?.parentSpanContext).toBeUndefined();
  const sent = String(gw.sim('tango').log[0]?.headers.traceparent);
  expect(sent.split('-')[1]).toBe(server?.spanContext().traceId);
});

test('with the SDK too, the caller’s tracestate and baggage stay at the gateway', async () => {
  gw.sim('tango').reset();
  // An id not looked up before: the answer comes from the upstream, not from the cache.
  const res = await gw.lookup('tango', 'dormant-holdings', {
    headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01`, tracestate: 'evil=payload', baggage: 'user=alice' },
  });
  expect(res.status).toBe(200);
  const sent = gw.sim('tango').log.map((r) => r.headers);
  expect(sent.length).toBeGreaterThan(0);
  for (const headers of sent) {
    expect(String(headers.traceparent)).toContain(TRACE_ID);
    expect(headers.tracestate).toBeUndefined();
    expect(headers.baggage).toBeUndefined();
  }
});

test('a search’s spans carry its route and path, never the term searched for', async () => {
  exporter.reset();
  const term = 'Searched.Person@Example.NO';
  const res = await fetch(`${gw.url}/customers/search?email=${encodeURIComponent(term)}`);
  expect(res.status).toBe(200);
  await new Promise((resolve) => setImmediate(resolve));
  const spans = exporter.getFinishedSpans();
  const server = spans.find((s) => s.kind === SpanKind.SERVER);
  expect(server?.name).toBe('GET /customers/search');
  expect(server?.attributes['url.path']).toBe('/customers/search');
  const recorded = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
  expect(recorded.toLowerCase()).not.toContain('searched.person');
  expect(recorded.toLowerCase()).not.toContain('searched%2eperson');
});
