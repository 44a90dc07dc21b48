/**
 * Per-request telemetry: the server span (continuing the caller's `traceparent`), the request duration
 * histogram by route pattern, and `res.locals.telemetry`, which the lookup fills with its upstream attempts.
 */
import { isSpanContextValid } from '@opentelemetry/api';
import type { Request, RequestHandler } from 'express';
import type { GatewayMetrics } from '../core/metrics.js';
import { endServerSpan, startServerSpan } from '../core/tracing.js';
import type { LookupTelemetry } from '../core/upstream.js';

/** The route pattern that served the request (`/customers/:provider/:id`), never the raw URL: bounded labels. */
export function routeOf(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? req.baseUrl + route.path : 'unmatched';
}

export function telemetry(metrics: GatewayMetrics): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    metrics.httpRequestStarted();
    const server = startServerSpan(req.method, req.path, req.headers);
    const lookup: LookupTelemetry = { trace: server.context, attempts: 0 };
    res.locals.telemetry = lookup;
    const spanContext = server.span.spanContext();
    if (isSpanContextValid(spanContext)) res.locals.traceId = spanContext.traceId;
    // node emits 'close' once on every response: after it is handed over, or when the caller went away first.
    // (One listener; stream.finished would add eight.)
    res.once('close', () => {
      const route = routeOf(req);
      metrics.httpRequest(route, req.method, res.statusCode, (performance.now() - started) / 1000);
      endServerSpan(server, req.method, route, res.statusCode);
    });
    next();
  };
}
