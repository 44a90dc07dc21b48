/**
 * Tracing through the OpenTelemetry API (W3C Trace Context). The caller's `traceparent` is continued by a
 * server span per request and a client span per upstream attempt, whose `traceparent` goes upstream.
 * The caller's `tracestate` and `baggage` stop at the gateway: they are the caller's own data (vendor state,
 * key-value pairs), and an upstream must never receive what a caller chose to write. Only the trace id (and the
 * sampled flag) crosses; `baggage` is never read at all.
 *
 * An SDK (NodeTracerProvider, batch processor, OTLP over HTTP) is registered only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set. Without it the API's no-op tracer records nothing, and the only work is
 * reading the caller's header and writing one upstream header: the trace still reaches the upstream.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-node';

const TRACER_NAME = 'customer-gateway';
/** Used directly, not through the global propagator, so that propagation works with no SDK registered. */
const propagator = new W3CTraceContextPropagator();

const tracer = () => trace.getTracer(TRACER_NAME);
/** Whether an SDK records spans in this process (registerTracing); without one, most requests need no span. */
let recording = false;

export interface Tracing {
  /** Flushes and stops the exporter (graceful shutdown). */
  shutdown(): Promise<void>;
}

/**
 * Registers the SDK with the given span processors as the global tracer provider. The SDK is imported here, not at
 * the top: a process without an OTLP endpoint (and every test file) never loads it.
 */
export async function registerTracing(spanProcessors: SpanProcessor[], version = '0.0.0'): Promise<Tracing> {
  const [{ resourceFromAttributes }, { NodeTracerProvider }] = await Promise.all([
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-node'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': TRACER_NAME, 'service.version': version }),
    spanProcessors,
  });
  provider.register();
  recording = true;
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      recording = false;
    },
  };
}

/** The OTLP/HTTP exporter when an endpoint is configured; nothing at all otherwise. */
export async function startTracing(otlpEndpoint: string | undefined, version: string): Promise<Tracing | undefined> {
  if (!otlpEndpoint) return undefined;
  const url = new URL('v1/traces', otlpEndpoint.endsWith('/') ? otlpEndpoint : `${otlpEndpoint}/`).toString();
  const [{ OTLPTraceExporter }, { BatchSpanProcessor }] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/sdk-trace-node'),
  ]);
  return registerTracing([new BatchSpanProcessor(new OTLPTraceExporter({ url }))], version);
}

export interface ServerSpan {
  /** The context upstream attempts continue (the server span, or the caller's context with no SDK). */
  context: Context;
  span: Span;
}

/** With no SDK and no caller trace there is nothing to record or to continue upstream. */
const UNTRACED: ServerSpan = { context: ROOT_CONTEXT, span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT) };

/** The server span of one inbound request, continuing the caller's `traceparent` when it sent one. */
export function startServerSpan(method: string, path: string, headers: IncomingHttpHeaders): ServerSpan {
  if (!recording && !headers.traceparent) return UNTRACED;
  const parent = headers.traceparent
    ? withoutTraceState(propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter))
    : ROOT_CONTEXT;
  const span = tracer().startSpan(
    method,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } },
    parent,
  );
  return { context: trace.setSpan(parent, span), span };
}

/** The caller's span context without its `tracestate`: child spans inherit the state, and would send it upstream. */
function withoutTraceState(context: Context): Context {
  const remote = trace.getSpanContext(context);
  if (!remote?.traceState) return context;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: remote.traceId,
    spanId: remote.spanId,
    traceFlags: remote.traceFlags,
    isRemote: true,
  });
}

/** Names the server span after its route (`GET /customers/:provider/:id`) and ends it with the answer's status. */
export function endServerSpan({ span }: ServerSpan, method: string, route: string, status: number): void {
  if (span.isRecording()) {
    span.updateName(`${method} ${route}`);
    span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

export interface AttemptSpan {
  /** Headers to send upstream: `traceparent` of this attempt's span (never the caller's `tracestate`). */
  headers: Record<string, string>;
  end(outcome: { status?: number; error?: string }): void;
}

const NO_TRACE: AttemptSpan = { headers: {}, end: () => undefined };

/** A client span for one upstream attempt: a new span id every attempt, in the caller's trace. */
export function startAttemptSpan(
  parent: Context | undefined,
  provider: string,
  attempt: number,
  url: string,
): AttemptSpan {
  const base = parent ?? ROOT_CONTEXT;
  // No SDK and no caller trace to continue: nothing to record and no traceparent to send, so no span to make.
  if (!recording && !isSpanContextValid(trace.getSpanContext(base) ?? INVALID_SPAN_CONTEXT)) return NO_TRACE;
  let span = tracer().startSpan(
    `GET ${provider}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'GET',
        'url.full': url,
        'gateway.provider': provider,
        'http.request.resend_count': attempt - 1,
      },
    },
    base,
  );
  if (!span.isRecording()) {
    // No SDK: the no-op tracer hands back the caller's own span context. The upstream still gets a span id
    // of its own per attempt, so that its logs tell attempts apart.
    const inherited = span.spanContext();
    if (!isSpanContextValid(inherited)) return NO_TRACE;
    span = trace.wrapSpanContext({ ...inherited, spanId: randomBytes(8).toString('hex'), isRemote: false });
  }
  const headers: Record<string, string> = {};
  propagator.inject(trace.setSpan(base, span), headers, defaultTextMapSetter);
  return {
    headers,
    end({ status, error }) {
      if (status !== undefined) span.setAttribute('http.response.status_code', status);
      if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
      span.end();
    },
  };
}
