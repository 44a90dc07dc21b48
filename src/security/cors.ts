/**
 * CORS for browser dashboards, off unless `CORS_ORIGINS` lists exact origins. A tiny origin-list
 * middleware: the `cors` package is not a dependency, and the gateway needs only this much. Credentials travel
 * in the Authorization or X-Api-Key header, never in cookies, so `Access-Control-Allow-Credentials` is not sent.
 */
import type { RequestHandler } from 'express';

const ALLOWED_METHODS = 'GET, HEAD, DELETE';
const ALLOWED_HEADERS = 'Authorization, X-Api-Key, X-Request-Id, If-None-Match, Cache-Control';
const EXPOSED_HEADERS = 'X-Request-Id, ETag, Cache-Status, Retry-After, RateLimit, RateLimit-Policy, WWW-Authenticate';

export function corsOrigins(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    if (allowed.size === 0) return next();
    res.vary('Origin');
    const origin = req.get('origin');
    if (origin === undefined || !allowed.has(origin)) return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    // A preflight carries no credentials: it is answered here, before authentication.
    if (req.method === 'OPTIONS' && req.get('access-control-request-method') !== undefined) {
      res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    next();
  };
}
