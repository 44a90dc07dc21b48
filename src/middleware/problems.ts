/**
 * The one place where failures become RFC 9457 problem documents (design §4).
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../core/logger.js';
import { GatewayError, problemFor } from '../core/problems.js';

/** Any route the gateway does not serve. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new GatewayError('not-found', { detail: `No route serves ${req.method} ${req.path}.` }));
};

/** Installed with `.all()` after a route's own methods: a known path, another method. */
export const methodNotAllowed =
  (allowed: readonly string[]): RequestHandler =>
  (req, _res, next) => {
    next(new GatewayError('method-not-allowed', { detail: `${req.method} is not served here; use ${allowed.join(' or ')}.`, headers: { Allow: allowed.join(', ') } }));
  };

export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const failure = toGatewayError(error);
    const requestId = String(res.locals.requestId ?? '');
    if (failure.code === 'internal-error') logger.error({ err: error, requestId, path: req.path }, 'internal error');
    res.locals.problem = failure.code;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const retryAfter = failure.retryAfterSeconds ?? (failure.status === 503 ? 1 : undefined);
    res.status(failure.status);
    res.setHeader('Content-Type', 'application/problem+json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
    for (const [name, value] of Object.entries(failure.headers)) res.setHeader(name, value);
    const problem = problemFor(failure, req.originalUrl.split('?')[0] ?? req.path, requestId);
    // The route knows the provider even when the failure does not (express's own errors, 405).
    if (problem.provider === undefined && typeof res.locals.provider === 'string') problem.provider = res.locals.provider;
    res.end(JSON.stringify(problem));
  };
}

/** Errors from express itself (bad percent-encoding, oversized body) keep their 4xx meaning. */
function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const status = typeof error === 'object' && error !== null && 'status' in error ? Number((error as { status: unknown }).status) : NaN;
  if (status >= 400 && status < 500) return new GatewayError('invalid-request', { detail: 'The request could not be read (malformed path, query or headers).' });
  return new GatewayError('internal-error', { detail: 'An unexpected error occurred; it has been logged with the request id.', cause: error });
}
