/**
 * The path of one lookup after the L1 cache (lookup.ts decides hit, stale and miss), in the order it runs:
 *
 *   coalesce        one load per key in this process (lru-cache's fetch), joined by concurrent lookups
 *   shared tier     L2, read on an L1 miss and written on every load (none by default; Redis for a fleet)
 *   failure memory  a key whose load just failed for upstream reasons is answered with that failure
 *                   (`FAILURE_MEMORY_SECONDS`) without calling the upstream again
 *   lease           one load per key in the fleet (none by default: the process is the fleet)
 *   the provider's upstream path, with ONE deadline (`<P>_DEADLINE_MS`) computed when it starts:
 *     retry         p-retry: `<P>_RETRIES` more attempts after a transient failure; the wait before each one
 *     breaker       the circuit: opens on failures that say the upstream is unwell; while it refuses, a lookup is
 *                   refused before its deadline and retry loop are set up
 *     bulkhead      `<P>_MAX_CONCURRENCY` in flight, `<P>_MAX_QUEUE` waiting until the deadline's latest start (or
 *                   until the circuit opens: a waiting attempt is not sent to an upstream the breaker gave up on)
 *     attempt       auth headers (may fetch a token) → the adapter's request → a quota slot
 *                   (`<P>_RATE_LIMIT_PER_SECOND`, right before the wire so nothing delays a granted slot) →
 *                   axios with a timeout (`<P>_TIMEOUT_MS`, cut to the deadline) → the adapter's classification
 *
 * The wait before a retry: 200 ms × 2^n capped at 2 s, times a random factor in [1, 2); an upstream `Retry-After`
 * (seconds or an HTTP date, on 429 or 5xx) replaces it. A wait that would end at or past the deadline is not
 * started: the lookup stops at once with the last failure and passes its `Retry-After` on. One token refresh after
 * an upstream 401 happens inside the same pass through the gates: it counts against the deadline, not the retries.
 *
 * p-retry counts the attempts and decides on a retry; the wait itself is taken in its `onFailedAttempt`, because
 * p-retry's own delay can neither be replaced by `Retry-After` nor be known before it starts (a deadline check
 * needs the wait that will really happen, jitter included).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import pRetry, { AbortError } from 'p-retry';
import type { Context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { AuthScheme } from './auth.js';
import { partialNote, PARTIAL_TTL_SECONDS, readBalances, withBalances } from './balances.js';
import { ProviderBreaker, type BreakerSettings, type BreakerState } from './breaker.js';
import { ProviderBulkhead } from './bulkhead.js';
import { customerEntry, newVersion, type CacheEntry, type CustomerCache, type EntryPolicy } from './cache.js';
import type { CacheKey } from './cache-key.js';
import { Deadline, systemClock, type Clock } from './deadline.js';
import type { Customer } from './model.js';
import { GatewayError } from './problems.js';
import type { AttemptContext, ProviderAdapter, UpstreamRequest } from './provider.js';
import { LocalQuota, type UpstreamQuota } from './quota.js';
import { startAttemptSpan } from './tracing.js';
import {
  acceptedBody,
  defaultClassification,
  failureOf,
  parseJson,
  timeoutError,
  transportFailure,
  unexpectedError,
} from './upstream.js';

// ---------------------------------------------------------------------------------------------------------------
// Seams: where shared (fleet) implementations plug in. The defaults keep everything in this process.

/** The second cache tier, shared by the fleet: read on an L1 miss, written on every load, dropped by a purge. */
export interface SharedCache {
  read(key: CacheKey): Promise<CacheEntry | undefined>;
  write(key: CacheKey, entry: CacheEntry): Promise<void>;
  delete(key: CacheKey): Promise<void>;
}

/** Cross-process coalescing: at most one load of a key in the fleet at a time. */
export interface LoadLease {
  /**
   * Runs `load` holding the key's lease, or waits for the holder and returns what it stored (then calls `joined`:
   * this lookup joined a load in flight elsewhere).
   */
  run(key: CacheKey, load: () => Promise<CacheEntry>, joined?: () => void): Promise<CacheEntry>;
}

export const noSharedCache: SharedCache = {
  read: () => Promise.resolve(undefined),
  write: () => Promise.resolve(),
  delete: () => Promise.resolve(),
};

/** In one process, lru-cache's fetch already lets one load per key run: the lease has nothing to add. */
export const processLease: LoadLease = { run: (_key, load) => load() };

// ---------------------------------------------------------------------------------------------------------------
// One lookup's load, after an L1 miss.

/** What one inbound request shares with its upstream calls: the trace to continue, and a count of its attempts. */
export interface LookupTelemetry {
  trace?: Context;
  attempts: number;
}

/** Who asks and for which request: the quota serves callers in turn, logs and spans carry the request id. */
export interface CallerContext {
  requestId: string;
  /** The authenticated client's name, or the client address in open mode. */
  callerKey: string;
  telemetry?: LookupTelemetry;
}

/** What lookup.ts needs of one provider. */
export interface ProviderRuntime {
  adapter: ProviderAdapter;
  upstream: ProviderPipeline;
  cacheTtlSeconds: number;
  /** Circuit breaker, bulkhead and quota state, for `/readyz` and metrics. */
  state?: () => ProviderState;
}

/** What a lookup learns about its load, as it happens (set even when the load fails). */
export interface LoadProgress {
  /** This lookup started the load; false: it joined one already in flight (here, or at another replica). */
  initiated: boolean;
  /** The entry came fresh from the shared tier: no upstream call. */
  fromSharedTier: boolean;
}

export interface LoadOptions extends CallerContext {
  /** The caller may bypass the cache (`Cache-Control: no-cache` with the grant): the shared tier is skipped too. */
  noCache: boolean;
  /** `?include=balances`: the accounts read follows the customer read, into one entry (its own cache key). */
  balances?: boolean;
}

export class LookupPipeline {
  constructor(
    private readonly cache: CustomerCache,
    private readonly policy: EntryPolicy,
    private readonly shared: SharedCache = noSharedCache,
    private readonly lease: LoadLease = processLease,
    private readonly clock: Clock = systemClock,
    /** `FAILURE_MEMORY_SECONDS`; 0 = off. */
    private readonly failureMemorySeconds = 0,
  ) {}

  /** Loads the customer under `key` (the id already NFC and valid), storing it in L1 and the shared tier. */
  async load(
    runtime: ProviderRuntime,
    key: CacheKey,
    id: string,
    options: LoadOptions,
    loaded: LoadProgress,
  ): Promise<CacheEntry> {
    // 1. Coalesce: concurrent lookups of the key join the one load in flight in this process.
    return this.cache.refresh(key, async () => {
      loaded.initiated = true;
      // 2. The shared tier, unless the caller bypasses the cache.
      if (!options.noCache) {
        const shared = await this.shared.read(key);
        if (shared && this.clock.now() < shared.freshUntil) {
          loaded.fromSharedTier = true;
          return shared;
        }
      }
      // 3. A key that just failed for upstream reasons gets that failure again (unless the caller bypasses).
      if (!options.noCache) this.throwRememberedFailure(key);
      // 4. One load in the fleet, 5. the provider's upstream path, 6. stored for the fleet.
      try {
        return await this.lease.run(
          key,
          async () => {
            const fresh = await this.fromUpstream(runtime, key, id, options, options.balances);
            await this.shared.write(key, fresh);
            return fresh;
          },
          () => (loaded.initiated = false),
        );
      } catch (error) {
        this.rememberFailure(key, error);
        throw error;
      }
    });
  }

  /** Only failures that say the upstream is unwell are remembered: not a refused credential, a 400 or a gate. */
  private rememberFailure(key: CacheKey, error: unknown): void {
    if (this.failureMemorySeconds <= 0 || !(error instanceof GatewayError) || !error.unwell) return;
    this.cache.rememberFailure(key, error, this.failureMemorySeconds * 1000);
  }

  /** The same problem, with `Retry-After` until the memory ends (or the upstream's own, if longer). */
  private throwRememberedFailure(key: CacheKey): void {
    const remembered = this.cache.rememberedFailure(key);
    if (!remembered) return;
    const leftMs = remembered.until - Date.now();
    const { error } = remembered;
    throw new GatewayError(error.code, {
      detail: error.message,
      provider: error.provider,
      upstreamStatus: error.upstreamStatus,
      retryAfterSeconds: Math.max(error.retryAfterSeconds ?? 0, Math.ceil(leftMs / 1000)),
      unwell: false,
      refusedBeforeWire: true,
    });
  }

  private async fromUpstream(
    runtime: ProviderRuntime,
    key: CacheKey,
    id: string,
    caller: CallerContext,
    balances = false,
  ): Promise<CacheEntry> {
    const fetchedAt = this.clock.now();
    let result: UpstreamResult;
    try {
      result = await runtime.upstream.fetchCustomer(id, caller);
    } catch (error) {
      // The upstream says the customer does not exist: remembered briefly, like a customer.
      if (error instanceof GatewayError && error.code === 'customer-not-found') {
        return {
          kind: 'not-found',
          error,
          fetchedAt,
          freshUntil: fetchedAt + this.policy.notFoundTtlSeconds * 1000,
          bytes: 256,
        };
      }
      throw error;
    }
    if (!balances) {
      // An unchanged body keeps its version, so that callers' ETags still validate after a refresh.
      const previous = this.cache.peek(key);
      const version =
        previous?.kind === 'customer' && previous.rawText === result.text ? previous.version : newVersion();
      return customerEntry(runtime.adapter, id, result, fetchedAt, runtime.cacheTtlSeconds, this.policy, version);
    }
    // `?include=balances`: the accounts read follows, through the same gates. If it fails, the answer is partial:
    // the customer without balances, fresh for `PARTIAL_TTL_SECONDS` at most so that they are tried again soon.
    try {
      const read = await readBalances(runtime, id, caller);
      const enrich = (customer: Customer) => withBalances(customer, read);
      const ttl = runtime.cacheTtlSeconds;
      // Always a new version: the balances may change while the customer's body does not.
      return customerEntry(runtime.adapter, id, result, fetchedAt, ttl, this.policy, newVersion(), { enrich });
    } catch (error) {
      if (!(error instanceof GatewayError) || error.code === 'internal-error') throw error;
      const ttl = Math.min(runtime.cacheTtlSeconds, PARTIAL_TTL_SECONDS);
      const partial = partialNote(error);
      return customerEntry(runtime.adapter, id, result, fetchedAt, ttl, this.policy, newVersion(), { partial });
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One provider's upstream path.

export interface ProviderPipelineSettings {
  baseUrl: string;
  timeoutMs: number;
  deadlineMs: number;
  retries: number;
  maxBodyBytes: number;
  /** Upstream requests per second; 0 = unlimited. */
  rateLimitPerSecond: number;
  maxConcurrency: number;
  maxQueue: number;
  breaker: BreakerSettings;
}

export interface PipelineHooks {
  /** Called once per attempt that reached the wire, with its outcome and its number in the lookup (for metrics). */
  onAttempt?: (provider: string, outcome: string, seconds: number, attempt: number) => void;
  /** Called once per accepted 2xx body, fresh from the upstream (schema-drift metrics). */
  onBody?: (provider: string, body: Record<string, unknown>) => void;
  onBreakerState?: (provider: string, state: BreakerState) => void;
  /** Seconds one attempt waited for a quota slot (0 when it went at once). */
  onQuotaWait?: (provider: string, seconds: number) => void;
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

export interface UpstreamResult<T = Record<string, unknown>> {
  /** The accepted 2xx body. */
  body: T;
  /** The body as received. */
  text: string;
  attempts: number;
}

/** One kind of upstream call: the request of each attempt, and how a 2xx body is accepted. */
export interface UpstreamCall<T> {
  request(attempt: AttemptContext): UpstreamRequest;
  /** The accepted body, or a throw (`upstream-invalid-response`) for one that is not the documented shape. */
  accept(body: unknown, contentType: string, status: number): T;
  /** Reads a 404 as a wrong path (`upstream-error`) rather than a missing customer. */
  notFoundIsWrongPath?: boolean;
  /** What the call is about (a customer id): the breaker counts its failures once per window. */
  key?: string;
}

/**
 * One upstream read besides a lookup (a list page, a customer's accounts): the request of each attempt and the
 * check of a 2xx body. A 404 there says the path is wrong, not that a customer is missing: `upstream-error`.
 */
export interface UpstreamRead {
  request(attempt: AttemptContext): UpstreamRequest;
  /** Whether a parsed 2xx body is the documented shape. */
  accepts(body: unknown): boolean;
}

/** Where a shared mechanism can be swapped: the quota (fleet-wide); the clock, waits and randomness (tests). */
export interface PipelineSeams {
  quota?: UpstreamQuota;
  clock?: Clock;
  /** The wait before a retry (a controlled clock in tests advances instead of waiting). */
  sleep?: (ms: number) => Promise<unknown>;
  random?: () => number;
}

/** One lookup's state across its attempts. */
interface Attempts {
  /** Kept across attempts, renewed after any attempt that got a response (Adobe's `X-Correlation-Id`). */
  idempotencyKey: string;
  count: number;
  lastFailure: GatewayError | undefined;
}

/** Base, factor and cap of the wait before a retry. */
export const BACKOFF = { minTimeout: 200, factor: 2, maxTimeout: 2000 };

export class ProviderPipeline {
  private readonly breaker: ProviderBreaker;
  private readonly bulkhead: ProviderBulkhead;
  private readonly quota: UpstreamQuota | undefined;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<unknown>;
  private readonly random: () => number;
  /** `http` with what every attempt asks of it (below). */
  private readonly attemptClient: AxiosInstance;
  private readonly circuitLetsThrough = () => this.breaker.refusalNow() === undefined;

  constructor(
    private readonly adapter: ProviderAdapter,
    private readonly settings: ProviderPipelineSettings,
    private readonly auth: AuthScheme,
    http: AxiosInstance,
    private readonly logger: Logger,
    private readonly hooks: PipelineHooks = {},
    seams: PipelineSeams = {},
  ) {
    this.breaker = new ProviderBreaker(adapter.id, settings.breaker, logger, hooks.onBreakerState);
    this.bulkhead = new ProviderBulkhead(adapter.id, settings.maxConcurrency, settings.maxQueue);
    this.quota =
      seams.quota ??
      (settings.rateLimitPerSecond > 0 ? new LocalQuota(adapter.id, settings.rateLimitPerSecond) : undefined);
    this.clock = seams.clock ?? systemClock;
    this.sleep = seams.sleep ?? sleep;
    this.random = seams.random ?? Math.random;
    // The options every attempt shares, given once to a client of their own: axios merges each call's options into
    // its defaults anew, and a call that brings only its URL, headers and signal costs noticeably less (about 15-45
    // µs a call on the bench machine).
    this.attemptClient = http.create({
      responseType: 'text',
      transformResponse: (body: unknown) => body,
      validateStatus: () => true,
      maxRedirects: 0,
      maxContentLength: settings.maxBodyBytes,
    });
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

  /** Another read (`UpstreamRead`) under the same retries, gates and deadline as a lookup. */
  read(
    read: UpstreamRead,
    requestId: string,
    telemetry?: LookupTelemetry,
    callerKey = 'gateway',
  ): Promise<UpstreamResult<unknown>> {
    const provider = this.adapter.id;
    const call: UpstreamCall<unknown> = {
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
    };
    return this.call(call, { requestId, callerKey, ...(telemetry ? { telemetry } : {}) });
  }

  /** Any upstream call of this provider, through the same retry, gates and deadline as a lookup. */
  async call<T>(call: UpstreamCall<T>, caller: CallerContext): Promise<UpstreamResult<T>> {
    const refused = this.breaker.refusalNow();
    if (refused) throw refused;
    const deadline = new Deadline(this.clock, this.settings.deadlineMs, this.settings.timeoutMs);
    const attempts: Attempts = { idempotencyKey: randomUUID(), count: 0, lastFailure: undefined };
    return pRetry(() => this.throughGates(call, caller, attempts, deadline), {
      retries: this.settings.retries,
      // The wait is taken in onFailedAttempt (see the header comment): none from p-retry itself.
      minTimeout: 0,
      shouldRetry: ({ error }) => error instanceof GatewayError && error.transient,
      onFailedAttempt: async ({ error, retriesLeft }) => {
        if (!(error instanceof GatewayError) || !error.transient || retriesLeft <= 0) return;
        const wait = retryWait(error, this.settings.retries - retriesLeft, this.random);
        // A wait that would end past the deadline is not started: the lookup ends with this failure.
        if (deadline.endsPast(wait)) throw error;
        await this.sleep(wait);
      },
    });
  }

  /** breaker → bulkhead → attempt; a 401 gets one more pass with a fresh token. */
  private async throughGates<T>(
    call: UpstreamCall<T>,
    caller: CallerContext,
    attempts: Attempts,
    deadline: Deadline,
  ): Promise<UpstreamResult<T>> {
    let refreshedToken = false;
    // A 401 still waiting for its retry with a fresh token says nothing yet about the credentials: a lookup that
    // cannot make that retry (no time or no slot left) ends for that reason, never in upstream-auth-failed.
    const settled = (failure: GatewayError | undefined) => (failure?.wantsFreshCredentials ? undefined : failure);
    for (;;) {
      if (deadline.remaining() <= 0) throw settled(attempts.lastFailure) ?? timeoutError(this.adapter.id);
      try {
        return await this.breaker.execute(
          (probe) =>
            this.bulkhead.execute(
              deadline,
              () => this.attempt(call, caller, attempts, deadline),
              // An attempt that waited for a slot goes only if the circuit still lets it (the probe always does).
              probe ? undefined : this.circuitLetsThrough,
            ),
          call.key === undefined ? undefined : { key: call.key, lookup: attempts },
        );
      } catch (error) {
        const failure = error instanceof GatewayError ? error : unexpectedError(this.adapter.id, error);
        // A retry that cannot get a slot in time ends the lookup with the upstream's last failure.
        const last = settled(attempts.lastFailure);
        if (failure.refusedBeforeWire && last) throw new AbortError(last);
        attempts.lastFailure = failure;
        if (failure.wantsFreshCredentials && !refreshedToken) {
          refreshedToken = true;
          if (this.auth.invalidate()) continue;
        }
        throw failure;
      }
    }
  }

  /** auth headers → the adapter's request → a quota slot → the wire → the adapter's classification. */
  private async attempt<T>(
    call: UpstreamCall<T>,
    caller: CallerContext,
    attempts: Attempts,
    deadline: Deadline,
  ): Promise<UpstreamResult<T>> {
    const provider = this.adapter.id;
    const { requestId, telemetry } = caller;
    let signal = AbortSignal.timeout(deadline.attemptTimeout());
    const started = performance.now();
    attempts.count += 1;
    if (telemetry) telemetry.attempts += 1;
    const attemptNo = attempts.count;
    const context: AttemptContext = { attemptId: randomUUID(), idempotencyKey: attempts.idempotencyKey };
    let gotResponse = false;
    let span: ReturnType<typeof startAttemptSpan> | undefined;
    try {
      const authHeaders = await this.auth.headers(signal);
      const request = call.request(context);
      const waited = await this.admit(deadline, caller.callerKey);
      // The attempt's timeout covers its token and the whole response (body included), not its wait for a quota slot.
      if (waited > 0) signal = AbortSignal.timeout(deadline.attemptTimeout(performance.now() - started - waited));
      const url = this.settings.baseUrl + request.path;
      span = startAttemptSpan(telemetry?.trace, provider, attemptNo, url);
      const response = await this.attemptClient.request<string>({
        method: 'GET',
        url,
        headers: { Accept: 'application/json', ...span.headers, ...request.headers, ...authHeaders },
        signal,
      });
      gotResponse = true;
      const text = typeof response.data === 'string' ? response.data : '';
      const body = parseJson(text);
      let classification = this.adapter.classify?.(response.status, body) ?? defaultClassification(response.status);
      if (call.notFoundIsWrongPath && classification.verdict === 'not-found')
        classification = { ...classification, verdict: 'unexpected' };
      const seconds = (performance.now() - started) / 1000;
      this.logger.debug(
        {
          provider,
          requestId,
          attempt: attemptNo,
          status: response.status,
          verdict: classification.verdict,
          durationMs: Math.round(seconds * 1000),
          upstreamRequestId: response.headers['x-request-id'],
        },
        'upstream attempt',
      );
      this.hooks.onAttempt?.(provider, classification.verdict, seconds, attemptNo);
      span.end({
        status: response.status,
        error: classification.verdict === 'ok' ? undefined : classification.verdict,
      });
      if (classification.verdict !== 'ok')
        throw failureOf(provider, classification, response.status, response.headers['retry-after']);
      const accepted = call.accept(body, String(response.headers['content-type'] ?? ''), response.status);
      return { body: accepted, text, attempts: attemptNo };
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      const failure = transportFailure(provider, error, signal.aborted, gotResponse, this.settings.maxBodyBytes);
      if (failure.code === 'internal-error') {
        // Our own code (an adapter's request, classify or customerIdOf, the auth scheme) threw: a bug, not the
        // upstream.
        this.logger.error(
          { provider, requestId, attempt: attemptNo, err: error },
          'the gateway failed during an upstream attempt',
        );
        span?.end({ error: failure.code });
        throw failure;
      }
      const seconds = (performance.now() - started) / 1000;
      this.logger.debug(
        {
          provider,
          requestId,
          attempt: attemptNo,
          error: failure.code,
          reason: failure.message,
          durationMs: Math.round(seconds * 1000),
        },
        'upstream attempt failed',
      );
      this.hooks.onAttempt?.(provider, failure.code, seconds, attemptNo);
      span?.end({ error: failure.code });
      throw failure;
    } finally {
      // Only a retry after an attempt that got no response (timeout, reset) reuses the idempotency key.
      if (gotResponse) attempts.idempotencyKey = randomUUID();
    }
  }

  /** Waits for a quota slot right before the request goes on the wire; resolves with the milliseconds waited. */
  private async admit(deadline: Deadline, callerKey: string): Promise<number> {
    if (!this.quota) return 0;
    const waited = await this.quota.acquire(deadline.latestStart, callerKey);
    this.hooks.onQuotaWait?.(this.adapter.id, waited / 1000);
    return waited;
  }
}

/**
 * The wait before retry number `retriesUsed + 1`: the upstream's `Retry-After` when it sent one, else
 * 200 ms × 2^n capped at 2 s, times a random factor in [1, 2) so that callers failing together spread out.
 */
export function retryWait(failure: GatewayError, retriesUsed: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF.minTimeout * BACKOFF.factor ** retriesUsed, BACKOFF.maxTimeout);
  const backoff = Math.min(Math.round(base * (1 + random())), BACKOFF.maxTimeout);
  // Retry-After replaces the backoff, but never makes the wait shorter than it.
  return Math.max((failure.retryAfterSeconds ?? 0) * 1000, backoff);
}
