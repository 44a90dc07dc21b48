/**
 * One provider's upstream path. Every call (a lookup, a list page, a page of balances) goes through the same
 * policies, in the order of the list in the constructor, under the request's one deadline:
 *
 *   retry        `<P>_RETRIES` more attempts after a transient failure; the wait before each (retry.ts)
 *   credentials  after an upstream 401, one more pass with a fresh token (counts against the deadline, not the
 *                retries)
 *   bulkhead     `<P>_MAX_CONCURRENCY` in flight, `<P>_MAX_QUEUE` waiting until the latest start (bulkhead.ts)
 *   breaker      the circuit, asked once per attempt, told the attempt's outcome (breaker.ts)
 *   attempt      the attempt begins: its number, its idempotency key, its auth headers (may fetch a token)
 *   quota        a slot of `<P>_RATE_LIMIT_PER_SECOND`, right before the wire so nothing delays a granted slot
 *   wire         the request with the attempt's timeout, and the adapter's reading of the answer (wire.ts)
 */
import { randomUUID } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import type { AuthScheme } from './auth.js';
import { CircuitBreaker, type BreakerSettings, type BreakerState } from './breaker.js';
import { ProviderBulkhead } from './bulkhead.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import { wrap, type Policy } from './policy.js';
import { GatewayError } from './problems.js';
import type { ProviderAdapter } from './provider.js';
import { LocalQuota } from './quota.js';
import { retryPolicy } from './retry.js';
import type { UpstreamQuota } from './seams.js';
import type { CallerContext, UpstreamCall, UpstreamCallState, UpstreamRead, UpstreamResult } from './upstream-call.js';
import { acceptedBody, timeoutError, unexpectedError } from './upstream.js';
import { Wire, type WireHooks } from './wire.js';

export interface ProviderUpstreamSettings {
  baseUrl: string;
  timeoutMs: number;
  retries: number;
  maxBodyBytes: number;
  /** Upstream requests per second; 0 = unlimited. */
  rateLimitPerSecond: number;
  maxConcurrency: number;
  maxQueue: number;
  breaker: BreakerSettings;
}

export interface UpstreamHooks extends WireHooks {
  /** Called once per accepted 2xx body, fresh from the upstream (schema-drift metrics). */
  onBody?: (provider: string, body: Record<string, unknown>) => void;
  onBreakerState?: (provider: string, state: BreakerState) => void;
  /** Seconds one lookup's attempt waited for a quota slot (0 when it went at once; background work is not told). */
  onQuotaWait?: (provider: string, seconds: number) => void;
  /** A lookup's attempt refused because no quota slot would come before its deadline (background work is not). */
  onQuotaRefused?: (provider: string) => void;
}

/** What `/readyz` and metrics may read about a provider's gates. */
export interface ProviderState {
  breaker: BreakerState;
  /** Seconds until an open circuit lets a probe through. */
  retryAfterSeconds?: number;
  inFlight: number;
  queued: number;
  quota: { perSecond: number; waiting: number } | null;
}

/** Where a mechanism can be swapped: the quota (fleet-wide), and randomness (tests). */
export interface UpstreamSeams {
  quota?: UpstreamQuota;
  random?: () => number;
}

export class ProviderUpstream {
  private readonly breaker: CircuitBreaker;
  private readonly bulkhead: ProviderBulkhead;
  private readonly quota: UpstreamQuota | undefined;
  private readonly wire: Wire;
  private readonly path: <T>(state: UpstreamCallState, call: () => Promise<T>) => Promise<T>;

  constructor(
    private readonly adapter: ProviderAdapter,
    settings: ProviderUpstreamSettings,
    private readonly auth: AuthScheme,
    http: AxiosInstance,
    private readonly clock: Clock,
    logger: Logger,
    private readonly hooks: UpstreamHooks = {},
    seams: UpstreamSeams = {},
  ) {
    const provider = adapter.id;
    this.breaker = new CircuitBreaker(provider, settings.breaker, clock, logger, hooks.onBreakerState);
    this.bulkhead = new ProviderBulkhead(
      provider,
      settings.maxConcurrency,
      settings.maxQueue,
      settings.timeoutMs,
      clock,
    );
    this.quota =
      seams.quota ??
      (settings.rateLimitPerSecond > 0 ? new LocalQuota(provider, settings.rateLimitPerSecond, clock) : undefined);
    this.wire = new Wire(adapter, settings, http, clock, logger, hooks);
    this.path = wrap<UpstreamCallState>(
      retryPolicy(provider, settings.retries, clock, seams.random),
      this.freshCredentials(),
      this.bulkhead,
      this.circuit(),
      this.attempt(),
      this.quotaSlot(settings.timeoutMs),
    );
  }

  state(): ProviderState {
    const breaker = this.breaker.state;
    return {
      breaker,
      ...(breaker === 'open' ? { retryAfterSeconds: this.breaker.retryAfterSeconds() } : {}),
      inFlight: this.bulkhead.inFlight,
      queued: this.bulkhead.queued,
      quota: this.quota ? { perSecond: this.quota.perSecond, waiting: this.quota.waiting } : null,
    };
  }

  /** Reads one customer. Throws a `GatewayError` whose code the last failure decides. */
  fetchCustomer(id: string, caller: CallerContext): Promise<UpstreamResult> {
    return this.call(
      {
        key: id,
        request: (attempt) => this.adapter.request(id, attempt),
        accept: (body, contentType, status) => {
          const accepted = acceptedBody(this.adapter, id, body, contentType, status);
          this.hooks.onBody?.(this.adapter.id, accepted);
          return accepted;
        },
      },
      caller,
    );
  }

  /** Another read (`UpstreamRead`) under the same policies and deadline as a lookup. */
  read(read: UpstreamRead, caller: CallerContext): Promise<UpstreamResult<unknown>> {
    const provider = this.adapter.id;
    return this.call(
      {
        request: (attempt) => read.request(attempt),
        accept: (body, contentType, status) => {
          if (!/\bjson\b/i.test(contentType) || !read.accepts(body)) {
            throw new GatewayError('upstream-invalid-response', {
              provider,
              upstreamStatus: status,
              detail: 'The upstream answered success with a body that is not the documented shape.',
            });
          }
          return body;
        },
        notFoundIsWrongPath: true,
      },
      caller,
    );
  }

  /** Any upstream call of this provider, through the policies in order. */
  call<T>(call: UpstreamCall<T>, caller: CallerContext): Promise<UpstreamResult<T>> {
    const state: UpstreamCallState = {
      caller,
      deadline: caller.deadline,
      subject: undefined,
      idempotencyKey: randomUUID(),
      attempts: 0,
      lastFailure: undefined,
      attempt: undefined,
    };
    if (call.key !== undefined) Object.assign(state, { subject: { key: call.key, lookup: state } });
    return this.path(state, () => this.wire.send(call, state));
  }

  /** After an upstream 401, one more pass with a fresh token, when the scheme has tokens to refresh. */
  private freshCredentials(): Policy<UpstreamCallState> {
    return {
      run: async (state, next) => {
        try {
          return await next();
        } catch (error) {
          if (!(error instanceof GatewayError) || !error.wantsFreshCredentials || !this.auth.invalidate()) throw error;
          // The 401 says nothing yet about the credentials: without time for the retry, the call timed out.
          if (state.deadline.remaining() <= 0) throw timeoutError(this.adapter.id);
          return next();
        }
      },
    };
  }

  /** The circuit: asked once per attempt, and told what the attempt came to. */
  private circuit(): Policy<UpstreamCallState> {
    return {
      run: async (state, next) => {
        const admission = this.breaker.admit();
        try {
          const result = await next();
          this.breaker.record(admission, 'healthy');
          return result;
        } catch (error) {
          const failure = error instanceof GatewayError ? error : undefined;
          const outcome = failure?.refusedBeforeWire ? 'not-sent' : failure?.unwell ? 'unwell' : 'healthy';
          this.breaker.record(admission, outcome, failure?.code, state.subject);
          throw error;
        }
      },
    };
  }

  /** The attempt begins: its number, its context for the adapter, its auth headers. */
  private attempt(): Policy<UpstreamCallState> {
    return {
      run: async (state, next) => {
        state.attempts += 1;
        if (state.caller.telemetry) state.caller.telemetry.attempts += 1;
        state.attempt = {
          number: state.attempts,
          context: { attemptId: randomUUID(), idempotencyKey: state.idempotencyKey },
          startedAt: this.clock.now(),
          quotaWaitMs: 0,
          authHeaders: {},
        };
        try {
          state.attempt.authHeaders = await this.auth.headers(state.deadline);
        } catch (error) {
          const failure = this.tokenFailure(error, state);
          state.lastFailure = failure;
          throw failure;
        }
        return next();
      },
    };
  }

  /** A token request that failed: its own problem, the deadline's end, or a bug. */
  private tokenFailure(error: unknown, state: UpstreamCallState): GatewayError {
    if (error instanceof GatewayError) return error;
    if (state.deadline.signal.aborted) return timeoutError(this.adapter.id);
    return unexpectedError(this.adapter.id, error);
  }

  /** A quota slot, right before the wire. */
  private quotaSlot(attemptTimeoutMs: number): Policy<UpstreamCallState> {
    return {
      run: async (state, next) => {
        const { quota } = this;
        if (!quota) return next();
        const latestStart = state.deadline.latestStart(attemptTimeoutMs);
        const { idle } = state.caller;
        let waited: number;
        try {
          waited = idle
            ? await quota.acquireIdle(latestStart, idle.share, state.deadline.signal)
            : await quota.acquire(latestStart, state.caller.callerKey, state.deadline.signal);
        } catch (error) {
          if (!idle && error instanceof GatewayError && error.refusedBeforeWire)
            this.hooks.onQuotaRefused?.(this.adapter.id);
          throw error;
        }
        // Lookups only: the crawl waiting for slots nobody wants is its design, and would read as saturation.
        if (!idle) this.hooks.onQuotaWait?.(this.adapter.id, waited / 1000);
        if (state.attempt) state.attempt.quotaWaitMs = waited;
        return next();
      },
    };
  }
}
