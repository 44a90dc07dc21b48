/**
 * The load of one customer after an L1 miss (lookup.ts decides hit, stale and miss), in the order it runs:
 *
 *   coalesce        one load per key in this process (lru-cache's fetch), joined by concurrent lookups
 *   shared tier     L2, read on an L1 miss and written on every load (none by default; Redis for a fleet)
 *   failure memory  a key whose load just failed for upstream reasons is answered with that failure
 *                   (`FAILURE_MEMORY_SECONDS`) without calling the upstream again
 *   lease           one load per key in the fleet (none by default: the process is the fleet)
 *   upstream        the provider's upstream path (upstream-path.ts), then `?include=balances`' accounts read
 *
 * All of it under the request's one deadline. A load joined by other lookups runs under the deadline of the lookup
 * that started it.
 */
import { partialNote, PARTIAL_TTL_SECONDS, readBalances, withBalances } from './balances.js';
import {
  customerEntry,
  newVersion,
  type CacheEntry,
  type CustomerCache,
  type CustomerEntry,
  type EntryPolicy,
} from './cache.js';
import type { CacheKey } from './cache-key.js';
import type { Clock } from './clock.js';
import type { Customer } from './model.js';
import { GatewayError } from './problems.js';
import type { ProviderAdapter } from './provider.js';
import { noSharedCache, processLease, type LoadLease, type SharedCache } from './seams.js';
import type { CallerContext, UpstreamResult } from './upstream-call.js';
import type { ProviderState, ProviderUpstream } from './upstream-path.js';

/** What a lookup needs of one provider. */
export interface ProviderRuntime {
  adapter: ProviderAdapter;
  upstream: ProviderUpstream;
  cacheTtlSeconds: number;
  /** `<P>_DEADLINE_MS`: a request's budget for this provider. */
  deadlineMs: number;
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

export class CacheLoader {
  constructor(
    private readonly cache: CustomerCache,
    private readonly policy: EntryPolicy,
    private readonly clock: Clock,
    private readonly shared: SharedCache = noSharedCache,
    private readonly lease: LoadLease = processLease,
    /** `FAILURE_MEMORY_SECONDS`; 0 = off. */
    private readonly failureMemorySeconds = 0,
    /** Told of every customer read from the upstream (the search index is fed from here). */
    private readonly onLoaded?: (entry: CustomerEntry, runtime: ProviderRuntime, withBalances: boolean) => void,
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
      const shared = options.noCache ? undefined : await this.freshShared(key);
      if (shared) {
        loaded.fromSharedTier = true;
        return shared;
      }
      // 3. A key that just failed for upstream reasons gets that failure again (unless the caller bypasses).
      if (!options.noCache) this.throwRememberedFailure(key);
      // 4. One load in the fleet, 5. the provider's upstream path, 6. stored for the fleet.
      try {
        return await this.lease.run(
          key,
          options.deadline,
          async (fence) => {
            // The fleet's lease was free: another replica may have stored the entry and released the lease between
            // the read above and taking it. Read again rather than call the upstream a second time.
            const stored = fence && !options.noCache ? await this.freshShared(key) : undefined;
            if (stored) {
              loaded.fromSharedTier = true;
              return stored;
            }
            const fresh = await this.fromUpstream(runtime, key, id, options, options.balances);
            // Under the lease's fence: a load that lost its lease (stalled, or overtaken by a purge) writes nothing.
            await this.shared.write(key, fresh, fence);
            if (fresh.kind === 'customer') this.onLoaded?.(fresh, runtime, options.balances === true);
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

  /** The shared tier's entry for `key`, if it is still fresh. */
  private async freshShared(key: CacheKey): Promise<CacheEntry | undefined> {
    const shared = await this.shared.read(key);
    return shared && this.clock.now() < shared.freshUntil ? shared : undefined;
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
    const leftMs = remembered.until - this.clock.now();
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
    // `?include=balances`: the accounts read follows under the same deadline. If it fails, the answer is partial:
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
