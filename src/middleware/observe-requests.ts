/**
 * What every request leaves behind: its server span (continuing the caller's `traceparent`), the request
 * duration histogram by route pattern, and its line in the request log. `res.locals.telemetry` is where the
 * lookup counts its upstream attempts and finds the trace context they continue.
 *
 * One timer and one listener serve all three: node emits 'close' once on every response, after it is handed
 * over or when the caller went away first.
 */
import { isSpanContextValid } from '@opentelemetry/api';
import type { Request, RequestHandler } from 'express';
import type { Logger } from '../core/logger.js';
import type { GatewayMetrics } from '../core/metrics.js';
import { endServerSpan, startServerSpan } from '../core/tracing.js';
import type { LookupTelemetry } from '../core/upstream-call.js';
import { requestLogWriter } from './request-log.js';

/** The route pattern that served the request (`/customers/:provider/:id`), never the raw URL: bounded labels. */
export function routeOf(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? req.baseUrl + route.path : 'unmatched';
}

export function observeRequests(metrics: GatewayMetrics, logger: Logger): RequestHandler {
  const writeLine = requestLogWriter(logger);
  return (req, res, next) => {
    const started = performance.now();
    metrics.httpRequestStarted();
    const server = startServerSpan(req.method, req.path, req.headers);
    const lookup: LookupTelemetry = { trace: server.context, attempts: 0 };
    res.locals.telemetry = lookup;
    const spanContext = server.span.spanContext();
    if (isSpanContextValid(spanContext)) res.locals.traceId = spanContext.traceId;
    res.once('close', () => {
      const durationMs = performance.now() - started;
      const route = routeOf(req);
      metrics.httpRequest(route, req.method, res.statusCode, durationMs / 1000);
      endServerSpan(server, req.method, route, res.statusCode);
      writeLine(req, res, route, durationMs);
    });
    next();
  };
}
