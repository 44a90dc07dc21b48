/**
 * The gateway's own per-client limit (issue 5), on express-rate-limit: a fixed one-minute window per client
 * (per IP when the gateway runs open), the IETF draft-8 `RateLimit`/`RateLimit-Policy` headers, and past the
 * limit a `rate-limited` problem rendered by the one problem handler. Counters live in this process: with
 * several replicas each one counts its own share.
 */
import type { RequestHandler, Request, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { SecurityConfig } from '../../config/security.js';
import type { Logger } from '../core/logger.js';
import { GatewayError } from '../core/problems.js';
import { clientOf } from './grants.js';

const WINDOW_MS = 60_000;

export function clientRateLimit(security: SecurityConfig, logger: Logger): RequestHandler {
  const limitOf = (res: Response): number => clientOf(res).rateLimitPerMinute ?? security.rateLimitPerMinute;
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: (_req, res) => limitOf(res),
    // A per-client limit of 0 means "unlimited", like the global one.
    skip: (_req, res) => limitOf(res) === 0,
    keyGenerator: (req: Request, res: Response) => {
      const client = clientOf(res);
      return client.kind === 'open' ? `ip:${ipKeyGenerator(req.ip ?? '')}` : `${client.kind}:${client.name}`;
    },
    identifier: (_req, res) => `per-client-${limitOf(res)}-in-1min`,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // TRUST_PROXY is the operator's explicit choice (config/security.ts); the library's console warnings about it
    // would only add noise outside the JSON log.
    validate: { trustProxy: false, xForwardedForHeader: false },
    logger: { error: (error, message) => logger.error({ err: error }, message ?? 'rate limiter error'), warn: (error, message) => logger.warn({ err: error }, message ?? 'rate limiter warning') },
    handler: (req, res, next) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retryAfterSeconds = reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : Math.ceil(WINDOW_MS / 1000);
      const client = clientOf(res);
      next(new GatewayError('rate-limited', { retryAfterSeconds, detail: `The caller "${client.name}" exceeded ${limitOf(res)} requests per minute.` }));
    },
  });
}
