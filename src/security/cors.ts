/**
 * CORS for browser dashboards on their own origin, off unless `CORS_ORIGINS` lists exact origins, with the `cors`
 * package: every method the routes serve (a batch is a POST with a JSON body, so `Content-Type` is allowed) and the
 * headers a dashboard sends and reads. An origin not listed gets no CORS header at all, and its preflight is not
 * answered as one (it meets the route's own `405`). Credentials travel in the Authorization or X-Api-Key header,
 * never in cookies, so `Access-Control-Allow-Credentials` is not sent.
 */
import cors from 'cors';
import type { RequestHandler } from 'express';

const ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'DELETE'];
const ALLOWED_HEADERS = [
  'Authorization',
  'X-Api-Key',
  'X-Request-Id',
  'If-None-Match',
  'Cache-Control',
  'Content-Type',
  'traceparent',
  'tracestate',
];
const EXPOSED_HEADERS = [
  'X-Request-Id',
  'ETag',
  'Cache-Status',
  'Retry-After',
  'RateLimit',
  'RateLimit-Policy',
  'WWW-Authenticate',
];

export function corsOrigins(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  // A preflight carries no credentials: it is answered here, before authentication.
  const answer = cors({
    origin: true,
    methods: ALLOWED_METHODS,
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
  return (req, res, next) => {
    if (allowed.size === 0) return next();
    res.vary('Origin');
    const origin = req.get('origin');
    if (origin === undefined || !allowed.has(origin)) return next();
    answer(req, res, next);
  };
}
