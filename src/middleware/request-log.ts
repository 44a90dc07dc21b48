/**
 * The request log: one pino line per answered request, flat fields that dashboards can query:
 * method, route pattern, provider, status, duration, cache outcome, request id, client, upstream attempts.
 */
import type { Request, Response } from 'express';
import { cacheLabelOf } from '../core/cache-outcome.js';
import { lineWriter, type Logger } from '../core/logger.js';

/** Probes every few seconds would drown the request log. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

function requestLine(req: Request, res: Response, route: string, durationMs: number): Record<string, unknown> {
  const { locals } = res;
  return {
    requestId: locals.requestId,
    method: req.method,
    route,
    status: res.statusCode,
    durationMs,
    provider: locals.provider,
    // The provider's customer id (valid by its id rule; never a national id), for support tickets.
    customerId: locals.customerId,
    cache: locals.cache ? cacheLabelOf(locals.cache) : undefined,
    client: locals.client?.name,
    // Whether national ids were answered in clear (the caller holds pii:read): an audit trail.
    clearPii: locals.clearPii,
    upstreamAttempts: locals.provider || locals.batch ? locals.telemetry?.attempts : undefined,
    // A batch is one line: how many lookups it held and how many were answered with each status.
    batch: locals.batch,
    problem: locals.problem,
    traceId: locals.traceId,
    // The caller went away before the answer was sent.
    aborted: res.writableFinished ? undefined : true,
  };
}

/**
 * Writes the line of one finished request (observe-requests.ts calls it when the response closes), straight
 * through the logger: pino-http would also make a child logger per request, which this gateway never uses, work
 * on every request for nothing.
 */
export function requestLogWriter(
  logger: Logger,
): (req: Request, res: Response, route: string, durationMs: number) => void {
  // The line goes through the logger's redaction like every other line: its fields are the gateway's own (ids
  // checked by the provider's rule, names from the key file), but a safety net that is off is no net. Most lines
  // are flat (a batch's counts are not), and the writer spares those the paths that cannot match them.
  const write = lineWriter(logger);
  return (req, res, route, durationMs) => {
    if (QUIET_PATHS.has(req.path)) return;
    const line = requestLine(req, res, route, Math.round(durationMs * 1000) / 1000);
    // A 500 is a bug (already logged with its stack); other 5xx are upstream trouble, worth a warning.
    const level = res.statusCode === 500 ? 'error' : res.statusCode >= 500 ? 'warn' : 'info';
    write(level, line, 'request completed');
  };
}
