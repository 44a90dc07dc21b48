/**
 * The gateway's own per-client limit: a fixed one-minute window per client (per IP when the gateway
 * runs open), the IETF draft-8 `RateLimit`/`RateLimit-Policy` headers, and past the limit a `rate-limited`
 * problem rendered by the one problem handler. Counters live in this process or, in a fleet, in Redis
 * (src/fleet/rate-limits.ts), so that a client's budget is the same however many replicas answer it.
 *
 * Counting is rate-limiter-flexible's in-memory limiter, one per distinct limit. (express-rate-limit did the
 * same job with six awaits, an IP lookup and a SHA-256 on every request, a large share of a cache hit's work;
 * docs/performance.md.)
 */
import { hash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';
import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { SecurityConfig } from '../../config/security.js';
import { GatewayError } from '../core/problems.js';
import { clientOf, type Client } from './grants.js';

const WINDOW_SECONDS = 60;

/** What the `RateLimit` header says: the policy's name, what is left of it, and when it resets. */
export interface RateLimitState {
  name: string;
  remaining: number;
  resetSeconds: number;
}

export const rateLimitHeader = ({ name, remaining, resetSeconds }: RateLimitState): string =>
  `${name}; r=${remaining}; t=${resetSeconds}`;

/** Whole seconds until the window resets, at least 1: `Retry-After` and `RateLimit`'s `t` use this one value. */
const resetSecondsOf = (state: RateLimiterRes): number => Math.max(1, Math.ceil(state.msBeforeNext / 1000));

/** Makes the counter of one distinct limit: `points` per `duration` seconds. */
export type LimiterFactory = (points: number, duration: number) => RateLimiterAbstract;

const inMemory: LimiterFactory = (points, duration) => new RateLimiterMemory({ points, duration });

export function clientRateLimit(security: SecurityConfig, makeLimiter: LimiterFactory = inMemory): RequestHandler {
  const limiters = new Map<number, RateLimiterAbstract>();
  const limiterFor = (limit: number): RateLimiterAbstract => {
    let limiter = limiters.get(limit);
    if (!limiter) limiters.set(limit, (limiter = makeLimiter(limit, WINDOW_SECONDS)));
    return limiter;
  };

  return (req, res, next) => {
    const client = clientOf(res);
    const limit = client.rateLimitPerMinute ?? security.rateLimitPerMinute;
    // A limit of 0 means "unlimited", per client as globally.
    if (limit === 0) {
      next();
      return;
    }
    const key = keyOf(client, req);
    const name = `"per-client-${limit}-in-1min"`;
    const setHeaders = (state: RateLimiterRes) => {
      const budget: RateLimitState = { name, remaining: state.remainingPoints, resetSeconds: resetSecondsOf(state) };
      // Kept for the problem handler: an answer with Retry-After names the same reset in RateLimit.
      res.locals.rateLimit = budget;
      res.setHeader('RateLimit', rateLimitHeader(budget));
      res.setHeader('RateLimit-Policy', `${name}; q=${limit}; w=${WINDOW_SECONDS}; pk=:${partitionKey(key)}:`);
    };
    // Spends `points` of the budget; a batch spends one more per lookup it holds (`res.locals.spendRateLimit`).
    const spend = (points: number): Promise<void> =>
      limiterFor(limit)
        .consume(key, points)
        .then(setHeaders, (refusal: unknown) => {
          if (!(refusal instanceof RateLimiterRes)) throw refusal;
          setHeaders(refusal);
          throw new GatewayError('rate-limited', {
            retryAfterSeconds: resetSecondsOf(refusal),
            detail: `The caller "${client.name}" exceeded ${limit} requests per minute.`,
          });
        });
    spend(1).then(() => {
      res.locals.spendRateLimit = spend;
      next();
    }, next);
  };
}

/** Whose budget a request spends: the authenticated client's, or its address's when the gateway runs open. */
function keyOf(client: Client, req: Request): string {
  return client.kind === 'open' ? `ip:${addressKey(req.ip ?? '')}` : `${client.kind}:${client.name}`;
}

/**
 * One budget per IPv4 address, and per /56 for IPv6 (what one subscriber is usually given, so that a client
 * cannot mint itself fresh budgets from its own prefix). IPv4 mapped into IPv6 counts as IPv4.
 */
export function addressKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip);
  return address.kind() === 'ipv6'
    ? `${ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/56`).toString()}/56`
    : address.toString();
}

/** draft-8's partition key: an opaque tag of the budget, never the client's name or address itself. */
const partitionKeys = new LRUCache<string, string>({ max: 10_000 });
function partitionKey(key: string): string {
  let tag = partitionKeys.get(key);
  if (tag === undefined)
    partitionKeys.set(key, (tag = Buffer.from(hash('sha256', key).slice(0, 12)).toString('base64')));
  return tag;
}
