/**
 * One lookup at the L1 cache: a fresh entry is a hit; an entry just expired is served while one background
 * refresh runs (stale-while-revalidate); anything else is loaded through the cache loader (cache-loader.ts), and
 * when that fails for upstream reasons, an expired entry still within `CACHE_STALE_IF_ERROR_SECONDS` is served
 * instead.
 * The result carries its cache outcome as data (cache-outcome.ts).
 */
import type { Logger } from 'pino';
import { withRawView, type CacheEntry, type CustomerCache, type CustomerEntry, type EntryPolicy } from './cache.js';
import { balancesKey, customerKey, type CacheKey } from './cache-key.js';
import { cacheLabelOf, cacheStatusOf, type CacheOutcome } from './cache-outcome.js';
import type { CacheLoader, LoadProgress, ProviderRuntime } from './cache-loader.js';
import type { Clock } from './clock.js';
import { Deadline } from './deadline.js';
import type { LookupTelemetry } from './upstream-call.js';
import { GatewayError, type ProblemCode } from './problems.js';

export interface LookupResult {
  entry: CustomerEntry;
  cache: CacheOutcome;
  /** Seconds the caller may reuse the answer (`Cache-Control: private, max-age`). */
  maxAge: number;
}

export interface LookupOptions {
  requestId: string;
  /** Who asks: the authenticated client's name, or the client address in open mode (the quota's turns). */
  callerKey: string;
  /** The caller sent `Cache-Control: no-cache` and may bypass the cache: skip the fresh and the negative entry. */
  noCache: boolean;
  /** The caller sent `Cache-Control: no-cache` without the scope to bypass the cache: the answer says so. */
  bypassNotGranted?: boolean;
  /** The request's trace context for upstream attempts, and where their count is kept (for the request log). */
  telemetry?: LookupTelemetry;
  /** `?include=balances`: the customer with its accounts' balances, cached apart from the plain lookup. */
  balances?: boolean;
  /** The request's one deadline (made where the request entered). */
  deadline: Deadline;
}

/** How each lookup used the cache (metrics): `collapsed` joined an upstream call already in flight. */
export type LookupHooks = { onCacheLookup?: (outcome: ReturnType<typeof cacheLabelOf>) => void };

/** Failures that say the upstream is unwell, not that the request or the customer is wrong. */
const STALE_IF_ERROR: ReadonlySet<ProblemCode> = new Set([
  'upstream-error',
  'upstream-timeout',
  'upstream-invalid-response',
  'upstream-rate-limited',
  'upstream-auth-failed',
  'provider-unavailable',
]);

export class LookupService {
  constructor(
    private readonly cache: CustomerCache,
    private readonly loader: CacheLoader,
    private readonly policy: EntryPolicy,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly hooks: LookupHooks = {},
  ) {}

  /** `id` is the validated id (NFC already). Throws `GatewayError`; a cached not-found carries its cache headers. */
  async lookup(runtime: ProviderRuntime, id: string, options: LookupOptions): Promise<LookupResult> {
    const key = options.balances
      ? balancesKey(customerKey(runtime.adapter.id, id))
      : customerKey(runtime.adapter.id, id);
    const answer = (entry: CacheEntry, cache: CacheOutcome, maxAge?: number) =>
      this.answer(entry, options.bypassNotGranted ? { ...cache, bypassNotGranted: true } : cache, maxAge);
    const now = this.clock.now();
    if (!options.noCache) {
      const cached = this.cache.get(key);
      if (cached && now < cached.freshUntil)
        return answer(cached, {
          kind: 'hit',
          ttlSeconds: Math.max(0, Math.floor((cached.freshUntil - now) / 1000)),
        });
      if (cached?.kind === 'customer' && now < cached.freshUntil + this.staleWhileRevalidateMs) {
        this.revalidate(runtime, key, id, options);
        return answer(cached, this.staleOutcome(cached, 'stale-while-revalidate'));
      }
    }

    const forward = options.noCache ? 'request' : 'miss';
    const progress: LoadProgress = { initiated: false, fromSharedTier: false };
    let entry: CacheEntry;
    try {
      entry = await this.loader.load(runtime, key, id, options, progress);
    } catch (error) {
      const stale = this.staleFor(key, error);
      if (stale) {
        this.logger.warn(
          { provider: runtime.adapter.id, requestId: options.requestId, error: (error as GatewayError).code },
          'serving stale customer after upstream failure',
        );
        return answer(stale, this.staleOutcome(stale, 'stale-if-error'));
      }
      this.hooks.onCacheLookup?.(progress.initiated ? 'miss' : 'collapsed');
      throw error;
    }
    if (progress.fromSharedTier)
      return answer(entry, {
        kind: 'hit',
        ttlSeconds: Math.max(0, Math.floor((entry.freshUntil - this.clock.now()) / 1000)),
      });
    const outcome: CacheOutcome = { kind: 'miss', forward, collapsed: !progress.initiated, stored: true };
    // The entry's own fresh time: the provider's TTL, or less for a partial answer.
    const maxAge = Math.max(0, Math.round((entry.freshUntil - entry.fetchedAt) / 1000));
    return answer(entry, outcome, maxAge);
  }

  /** `?include=raw`: the entry with its raw view for this PII policy, made once and counted in the cache's bytes. */
  withRaw(
    runtime: ProviderRuntime,
    id: string,
    entry: CustomerEntry,
    clearPii: boolean,
    balances = false,
  ): CustomerEntry {
    const next = withRawView(entry, clearPii, runtime.adapter.personalData?.raw ?? []);
    const key = customerKey(runtime.adapter.id, id);
    if (next !== entry) this.cache.replace(balances ? balancesKey(key) : key, entry, next);
    return next;
  }

  /** A customer answers; a cached `customer-not-found` is thrown, cacheable for what is left of its life. */
  private answer(
    entry: CacheEntry,
    cache: CacheOutcome,
    maxAge = cache.kind === 'hit' ? cache.ttlSeconds : 0,
  ): LookupResult {
    this.hooks.onCacheLookup?.(cacheLabelOf(cache));
    if (entry.kind === 'not-found') {
      const headers = { 'Cache-Status': cacheStatusOf(cache), 'Cache-Control': `private, max-age=${maxAge}` };
      throw entry.error.fromCache(cache, headers);
    }
    return { entry, cache, maxAge };
  }

  private get staleWhileRevalidateMs(): number {
    return (this.policy.staleWhileRevalidateSeconds ?? 0) * 1000;
  }

  /**
   * One background refresh per key: lru-cache's fetch joins a refresh already in flight. Nobody waits on it, so it
   * has a deadline of its own (the provider's budget), not the request's. Failures are logged.
   */
  private revalidate(runtime: ProviderRuntime, key: CacheKey, id: string, options: LookupOptions): void {
    const background = {
      requestId: options.requestId,
      callerKey: options.callerKey,
      noCache: false,
      balances: options.balances === true,
      deadline: Deadline.after(this.clock, runtime.deadlineMs, 'background'),
    };
    this.loader
      .load(runtime, key, id, background, { initiated: false, fromSharedTier: false })
      .catch((error: unknown) => {
        const code = error instanceof GatewayError ? error.code : 'internal-error';
        this.logger.warn(
          {
            provider: runtime.adapter.id,
            requestId: options.requestId,
            error: code,
            err: error instanceof GatewayError ? undefined : error,
          },
          'background refresh failed; the stale entry stays',
        );
      });
  }

  private staleFor(key: CacheKey, error: unknown): CustomerEntry | undefined {
    if (!(error instanceof GatewayError) || !STALE_IF_ERROR.has(error.code)) return undefined;
    const entry = this.cache.peek(key);
    return entry?.kind === 'customer' && this.clock.now() < entry.freshUntil + this.policy.staleIfErrorSeconds * 1000
      ? entry
      : undefined;
  }

  private staleOutcome(entry: CustomerEntry, detail: 'stale-if-error' | 'stale-while-revalidate'): CacheOutcome {
    return { kind: 'stale', ttlSeconds: Math.floor((entry.freshUntil - this.clock.now()) / 1000), detail };
  }
}
