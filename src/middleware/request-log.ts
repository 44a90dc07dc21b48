/**
 * The request log: one pino line per answered request (pino-http), flat fields that dashboards can query:
 * method, route pattern, provider, status, duration, cache outcome, request id, client, upstream attempts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, Response } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../core/logger.js';
import { routeOf } from './telemetry.js';

/** Probes every few seconds would drown the request log. */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** The cache outcome as `Cache-Status` told it (covers cached not-found answers too). */
export function cacheOutcomeOf(cacheStatus: unknown): string | undefined {
  if (typeof cacheStatus !== 'string') return undefined;
  if (cacheStatus.includes('detail=stale-if-error')) return 'stale';
  if (cacheStatus.includes('collapsed')) return 'collapsed';
  if (cacheStatus.includes('fwd=')) return 'miss';
  return /;\s*hit\b/.test(cacheStatus) ? 'hit' : undefined;
}

function requestLine(request: IncomingMessage, response: ServerResponse, value: Record<string, unknown>): Record<string, unknown> {
  const req = request as Request;
  const res = response as Response;
  const locals = res.locals as { provider?: string; customerId?: string; problem?: string; traceId?: string; client?: { name?: string }; clearPii?: boolean; telemetry?: { attempts: number } };
  return {
    method: req.method,
    route: routeOf(req),
    status: res.statusCode,
    durationMs: value.responseTime,
    provider: locals.provider,
    // The provider's customer id (valid by its id rule; never a national id), for support tickets.
    customerId: locals.customerId,
    cache: cacheOutcomeOf(res.getHeader('cache-status')),
    client: locals.client?.name,
    // Whether national ids were answered in clear (the caller holds pii:read): an audit trail.
    clearPii: locals.clearPii,
    upstreamAttempts: locals.provider ? locals.telemetry?.attempts : undefined,
    problem: locals.problem,
    traceId: locals.traceId,
  };
}

export function requestLog(logger: Logger) {
  return pinoHttp({
    logger,
    // The request id is the gateway's own X-Request-Id, bound once as `requestId` (no separate `reqId`).
    genReqId: (_req, res) => String((res as unknown as Response).locals.requestId),
    customAttributeKeys: { reqId: 'requestId' },
    quietReqLogger: true,
    quietResLogger: true,
    autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0] ?? '') },
    // A 500 is a bug (already logged with its stack); other 5xx are upstream trouble, worth a warning.
    customLogLevel: (_req, res, error) => (error || res.statusCode === 500 ? 'error' : res.statusCode >= 500 ? 'warn' : 'info'),
    customSuccessObject: requestLine,
    customErrorObject: (req, res, _error, value) => requestLine(req, res, value),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request completed',
  });
}
