/**
 * One lookup: fresh cache entry, else one upstream call shared by every concurrent lookup of the key, else a
 * stale entry when the upstream fails for upstream reasons (design §3, §4).
 */
import type { Logger } from 'pino';
import { cacheKey, etagOf, type CacheEntry, type FetchContext, type CustomerCache, type CustomerEntry, type View } from './cache.js';
import type { Customer } from './model.js';
import { maskCustomer, maskRaw } from './pii.js';
import { GatewayError, type ProblemCode } from './problems.js';
import type { ProviderAdapter } from './provider.js';
import type { LookupTelemetry, UpstreamClient } from './upstream.js';
import type { GuardState } from './guard.js';

export interface ProviderRuntime {
  adapter: ProviderAdapter;
  upstream: UpstreamClient;
  cacheTtlSeconds: number;
  /** Circuit breaker, bulkhead and quota state, for `/readyz` and metrics. */
  state?: () => GuardState;
}

export interface CachePolicy {
  staleIfErrorSeconds: number;
  /** Within this many seconds after expiry, a lookup gets the expired entry at once and refreshes it in the background (0 = off). */
  staleWhileRevalidateSeconds?: number;
  notFoundTtlSeconds: number;
}

export type CacheOutcome = 'hit' | 'miss' | 'stale';

export interface LookupResult {
  entry: CustomerEntry;
  cache: CacheOutcome;
  /** RFC 9211 `Cache-Status` value. */
  cacheStatus: string;
  /** Seconds the caller may reuse the answer (`Cache-Control: private, max-age`). */
  maxAge: number;
}

export interface LookupOptions {
  requestId: string;
  /** The caller sent `Cache-Control: no-cache`: skip the fresh entry and the negative cache. */
  noCache: boolean;
  /** The request's trace context for upstream attempts, and where their count is kept (for the request log). */
  telemetry?: LookupTelemetry;
}

/** How each lookup used the cache: `collapsed` joined an upstream call already in flight (metrics). */
export type LookupHooks = { onCacheLookup?: (outcome: CacheOutcome | 'collapsed') => void };

const CACHE_NAME = 'customer-gateway';

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
    private readonly policy: CachePolicy,
    private readonly logger: Logger,
    private readonly hooks: LookupHooks = {},
  ) {}

  async lookup(runtime: ProviderRuntime, id: string, options: LookupOptions): Promise<LookupResult> {
    const provider = runtime.adapter.id;
    const key = cacheKey(provider, id);
    const now = Date.now();
    if (!options.noCache) {
      const cached = this.cache.peek(key);
      if (cached && now < cached.freshUntil) {
        this.hooks.onCacheLookup?.('hit');
        return answerFromCache(cached, now);
      }
      if (cached?.kind === 'customer' && now < cached.freshUntil + this.staleWhileRevalidateMs) {
        this.hooks.onCacheLookup?.('stale');
        this.revalidate(runtime, key, id, options.requestId);
        return staleAnswer(cached, 'stale-while-revalidate');
      }
    }

    const context = this.loadContext(runtime, id, options.requestId, options.telemetry);
    let entry: CacheEntry;
    try {
      entry = await this.cache.refresh(key, context);
    } catch (error) {
      const stale = this.staleFor(key, error);
      this.hooks.onCacheLookup?.(stale ? 'stale' : context.initiated ? 'miss' : 'collapsed');
      if (!stale) throw error;
      this.logger.warn({ provider, requestId: options.requestId, error: (error as GatewayError).code }, 'serving stale customer after upstream failure');
      return staleAnswer(stale, 'stale-if-error');
    }
    this.hooks.onCacheLookup?.(context.initiated ? 'miss' : 'collapsed');
    const forward = !context.initiated ? 'fwd=miss; collapsed' : options.noCache ? 'fwd=request; stored' : 'fwd=miss; stored';
    if (entry.kind === 'not-found') throw withCacheHeaders(entry.error, `${CACHE_NAME}; ${forward}`, this.policy.notFoundTtlSeconds);
    return { entry, cache: 'miss', cacheStatus: `${CACHE_NAME}; ${forward}`, maxAge: runtime.cacheTtlSeconds };
  }

  private get staleWhileRevalidateMs(): number {
    return (this.policy.staleWhileRevalidateSeconds ?? 0) * 1000;
  }

  /** One background refresh per key: lru-cache's fetch joins a refresh already in flight. Failures are logged. */
  private revalidate(runtime: ProviderRuntime, key: string, id: string, requestId: string): void {
    this.cache.refresh(key, this.loadContext(runtime, id, requestId)).catch((error: unknown) => {
      const code = error instanceof GatewayError ? error.code : 'internal-error';
      this.logger.warn({ provider: runtime.adapter.id, requestId, error: code, err: error instanceof GatewayError ? undefined : error }, 'background refresh failed; the stale entry stays');
    });
  }

  /** What `cache.refresh` calls to read the customer, and where it notes whether this caller started the read. */
  private loadContext(runtime: ProviderRuntime, id: string, requestId: string, telemetry?: LookupTelemetry): FetchContext {
    return { initiated: false, load: () => this.load(runtime, id, requestId, telemetry) };
  }

  private async load(runtime: ProviderRuntime, id: string, requestId: string, telemetry?: LookupTelemetry): Promise<CacheEntry> {
    const fetchedAt = Date.now();
    try {
      const result = await runtime.upstream.fetchCustomer(id.normalize('NFC'), requestId, telemetry);
      const customer: Customer = {
        id: `${runtime.adapter.id}:${id}`,
        provider: runtime.adapter.id,
        providerId: id,
        ...runtime.adapter.normalize(result.body),
      };
      const maskedCustomer = maskCustomer(customer, runtime.adapter.personalData?.data);
      const masked = buildView(maskedCustomer);
      const clear = maskedCustomer === customer ? masked : buildView(customer);
      return {
        kind: 'customer',
        rawText: result.text,
        fetchedAt,
        freshUntil: fetchedAt + runtime.cacheTtlSeconds * 1000,
        // How long the LRU keeps the entry: the longer of the stale-if-error and stale-while-revalidate windows.
        staleUntil: fetchedAt + runtime.cacheTtlSeconds * 1000 + Math.max(this.policy.staleIfErrorSeconds * 1000, this.staleWhileRevalidateMs),
        // Counted as serialised bytes: the body as received plus the ready-made answers.
        bytes: Buffer.byteLength(result.text) + Buffer.byteLength(masked.data) + (clear === masked ? 0 : Buffer.byteLength(clear.data)),
        masked,
        clear,
      };
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'customer-not-found') {
        return { kind: 'not-found', error, fetchedAt, freshUntil: fetchedAt + this.policy.notFoundTtlSeconds * 1000, bytes: 256 };
      }
      throw error;
    }
  }

  private staleFor(key: string, error: unknown): CustomerEntry | undefined {
    if (!(error instanceof GatewayError) || !STALE_IF_ERROR.has(error.code)) return undefined;
    const entry = this.cache.peek(key);
    return entry?.kind === 'customer' && Date.now() < entry.freshUntil + this.policy.staleIfErrorSeconds * 1000 ? entry : undefined;
  }
}

function answerFromCache(entry: CacheEntry, now: number): LookupResult {
  const ttl = Math.max(0, Math.floor((entry.freshUntil - now) / 1000));
  if (entry.kind === 'not-found') throw withCacheHeaders(entry.error, `${CACHE_NAME}; hit; ttl=${ttl}`, ttl);
  return { entry, cache: 'hit', cacheStatus: `${CACHE_NAME}; hit; ttl=${ttl}`, maxAge: ttl };
}

/** An expired entry, served because the upstream failed or while it is refreshed in the background. */
function staleAnswer(entry: CustomerEntry, detail: 'stale-if-error' | 'stale-while-revalidate'): LookupResult {
  const ttl = Math.floor((entry.freshUntil - Date.now()) / 1000);
  return { entry, cache: 'stale', cacheStatus: `${CACHE_NAME}; hit; ttl=${ttl}; detail=${detail}`, maxAge: 0 };
}

/** A cached `customer-not-found` is itself cacheable by the caller for what is left of its lifetime. */
function withCacheHeaders(error: GatewayError, cacheStatus: string, maxAge: number): GatewayError {
  return new GatewayError(error.code, {
    detail: error.message,
    provider: error.provider,
    upstreamStatus: error.upstreamStatus,
    headers: { 'Cache-Status': cacheStatus, 'Cache-Control': `private, max-age=${maxAge}` },
  });
}

/** The ready-made answer for one PII policy. */
export const viewOf = (entry: CustomerEntry, clearPii: boolean): View => (clearPii ? entry.clear : entry.masked);

/** `raw` with the same masking as `data`, made on the first `?include=raw` and kept with the view. */
export function rawViewOf(entry: CustomerEntry, clearPii: boolean, personalDataPaths: readonly string[]): { json: string; etag: string } {
  const view = viewOf(entry, clearPii);
  if (!view.raw) {
    const mask = !clearPii && personalDataPaths.length > 0;
    const json = mask ? JSON.stringify(maskRaw(JSON.parse(entry.rawText), personalDataPaths)) : entry.rawText;
    view.raw = { json, etag: etagOf(view.data, json) };
  }
  return view.raw;
}

function buildView(customer: Customer): View {
  const data = JSON.stringify(customer);
  return { data, etag: etagOf(data) };
}
