/**
 * What one request carries in `res.locals`, from the middleware that learns it to the handlers and the request log
 * that read it. Declared once, on express's `Locals` (the type of `res.locals`), so that every read is typed without
 * a cast. A key is optional unless every handler that reads it runs after the one that sets it.
 */
import type { CacheOutcome } from './core/cache-outcome.js';
import type { LookupTelemetry } from './core/upstream-call.js';
import type { ProblemCode } from './core/problems.js';
import type { Client } from './security/grants.js';
import type { RateLimitState } from './security/rate-limit.js';

declare module 'express-serve-static-core' {
  interface Locals {
    /**
     * `X-Request-Id` (request-id.ts), set first on every request of both apps. Optional all the same: the problem
     * handler also serves apps mounted without it (and answers with an empty request id there).
     */
    requestId?: string;
    /** The caller (authenticate.ts), on `/customers` and `/cache` once it is known; absent on the public routes. */
    client?: Client;
    /** Whether the caller sees national ids in clear (authenticate.ts, with `client`). */
    clearPii?: boolean;
    /** The caller's rate-limit budget after this request (rate-limit.ts), unless its limit is 0 (unlimited). */
    rateLimit?: RateLimitState;
    /** Spends more of the caller's budget (rate-limit.ts, once the request's own point is spent): the batch's. */
    spendRateLimit?: (points: number) => Promise<void>;
    /** The request's trace context and upstream attempt count (observe-requests.ts), in the main app only. */
    telemetry?: LookupTelemetry;
    /** The server span's trace id (observe-requests.ts), when the span has a valid context. */
    traceId?: string;
    /**
     * The provider the request is about: set by a route once it knows it, or by the problem handler when the
     * path names an enabled one.
     */
    provider?: string;
    /** The validated customer id of a lookup (routes/customers.ts), once the id has passed the provider's rule. */
    customerId?: string;
    /** How the cache answered a lookup (routes/customers.ts), also for a cached customer-not-found. */
    cache?: CacheOutcome;
    /** What a batch held (routes/batch.ts), once every item is answered. */
    batch?: { items: number; statuses: Record<string, number> };
    /** The problem the request was answered with (middleware/problems.ts). */
    problem?: ProblemCode;
  }
}
