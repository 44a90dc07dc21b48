/**
 * The one place where failures become RFC 9457 problem documents, from the closed problem table in
 * `src/core/problems.ts` (the README's error table lists the same codes).
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../core/logger.js';
import { GatewayError, problemFor } from '../core/problems.js';
import { rateLimitHeader } from '../security/rate-limit.js';

/** Any route the gateway does not serve. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new GatewayError('not-found', { detail: `No route serves ${req.method} ${req.path}.` }));
};

/** Installed with `.all()` after a route's own methods: a known path, another method. */
export const methodNotAllowed =
  (allowed: readonly string[]): RequestHandler =>
  (req, _res, next) => {
    next(
      new GatewayError('method-not-allowed', {
        detail: `${req.method} is not served here; use ${allowed.join(' or ')}.`,
        headers: { Allow: allowed.join(', ') },
      }),
    );
  };

/** `/customers/{provider}/…` and `/cache/customers/{provider}/…`: the paths that name a provider. */
const PROVIDER_IN_PATH = /^\/(?:cache\/)?customers\/([^/]+)/;

/**
 * `providers`: the enabled provider ids. A problem names its provider when the path names a known one, also
 * when the failure came before any route ran (an undecodable id, a method the route does not serve).
 */
export function problemHandler(logger: Logger, providers: { has(id: string): boolean }): ErrorRequestHandler {
  const providerNamedBy = (path: string): string | undefined => {
    const named = PROVIDER_IN_PATH.exec(path)?.[1];
    return named !== undefined && providers.has(named) ? named : undefined;
  };
  return (error: unknown, req, res, _next) => {
    const failure = toGatewayError(error);
    const requestId = res.locals.requestId ?? '';
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
    if (retryAfter !== undefined) {
      res.setHeader('Retry-After', String(retryAfter));
      // The caller's budget (set by the rate limit before the route ran) resets, as far as this answer is
      // concerned, when Retry-After says: both headers name one point in time.
      const budget = res.locals.rateLimit;
      if (budget) res.setHeader('RateLimit', rateLimitHeader({ ...budget, resetSeconds: retryAfter }));
    }
    for (const [name, value] of Object.entries(failure.headers)) res.setHeader(name, value);
    const path = uriReference(req.originalUrl.split('?')[0] ?? req.path);
    const problem = problemFor(failure, path, requestId);
    problem.provider ??= providerNamedBy(path);
    // The request log names it too.
    res.locals.provider ??= problem.provider;
    res.end(JSON.stringify(problem));
  };
}

/** Errors from express itself (bad percent-encoding, oversized body) keep their 4xx meaning. */
function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const status = typeof error === 'object' && error !== null && 'status' in error ? Number(error.status) : NaN;
  if (status >= 400 && status < 500)
    return new GatewayError('invalid-request', {
      detail: 'The request could not be read (malformed path, query or headers).',
    });
  return new GatewayError('internal-error', {
    detail: 'An unexpected error occurred; it has been logged with the request id.',
    cause: error,
  });
}

/** Characters a URI path may hold as they are (RFC 3986 `pchar` and `/`); `%` only before two hex digits. */
const PATH_CHAR = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;
const ESCAPE = /^%[0-9A-Fa-f]{2}/;

/**
 * The request path as a valid URI reference for `instance`: what the caller sent, with every character that
 * may not stand there (a `%` that starts no escape, a space, raw non-ASCII) percent-encoded.
 */
export function uriReference(path: string): string {
  let out = '';
  for (let i = 0; i < path.length;) {
    if (ESCAPE.test(path.slice(i, i + 3))) {
      out += path.slice(i, i + 3);
      i += 3;
      continue;
    }
    const char = String.fromCodePoint(path.codePointAt(i) ?? 0);
    // A lone surrogate becomes U+FFFD's bytes (Buffer's UTF-8 encoding).
    out += PATH_CHAR.test(char)
      ? char
      : [...Buffer.from(char, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    i += char.length;
  }
  // "//x" would read as an authority, not a path.
  return out.startsWith('//') ? `/%2F${out.slice(2)}` : out;
}
