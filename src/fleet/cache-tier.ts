/**
 * What the lookup path asks of the fleet for the cache: read the L2 (one read in flight per key on this
 * replica), and load a key once for the whole fleet (lease coalescing), storing the result in the L2 before the
 * waiting replicas are told. A failure of the loading replica reaches the waiters as the same problem (they do
 * not call a failing upstream again); a waiter whose deadline passes gives up with `upstream-timeout`.
 */
import type { CacheEntry } from '../core/cache.js';
import { GatewayError, isProblemCode } from '../core/problems.js';
import type { SharedFailure } from './events.js';
import type { Fleet } from './fleet.js';

/**
 * A `no-cache` lookup joined to another replica's load accepts a result fetched at most this long before it
 * started (clocks of replicas differ a little); otherwise any fresh result will do.
 */
const CLOCK_SKEW_MS = 1000;

export interface SharedLoadResult {
  entry: CacheEntry;
  /** Another replica made the upstream call; this one read its result. */
  joined: boolean;
}

export class FleetCacheTier {
  private readonly reads = new Map<string, Promise<CacheEntry | undefined>>();

  constructor(private readonly fleet: Fleet) {}

  /** The L2 entry (fresh or stale) or undefined; concurrent reads of one key on this replica share one GET. */
  read(cacheKey: string): Promise<CacheEntry | undefined> {
    let read = this.reads.get(cacheKey);
    if (!read) {
      read = this.fleet.cache.get(cacheKey).finally(() => this.reads.delete(cacheKey));
      this.reads.set(cacheKey, read);
    }
    return read;
  }

  /** Loads through `load` at most once for the fleet; the loading replica stores the result in the L2. */
  async load(cacheKey: string, provider: string, deadline: number, noCache: boolean, load: () => Promise<CacheEntry>): Promise<SharedLoadResult> {
    const started = Date.now();
    const result = await this.fleet.coalescer.run(this.fleet.cache.leaseName(cacheKey), deadline, {
      read: async () => {
        const entry = await this.fleet.cache.get(cacheKey);
        if (!entry || Date.now() >= entry.freshUntil) return undefined;
        return noCache && entry.fetchedAt < started - CLOCK_SKEW_MS ? undefined : entry;
      },
      load: async () => {
        const entry = await load();
        await this.fleet.cache.set(cacheKey, entry);
        return entry;
      },
      share: shareFailure,
      rebuild: (failure) => rebuildFailure(failure, provider),
      timeout: () =>
        new GatewayError('upstream-timeout', {
          provider,
          detail: 'Another replica of the gateway is reading this customer from the upstream and did not finish within the deadline.',
          transient: true,
        }),
    });
    return { entry: result.value, joined: result.by === 'joined' };
  }
}

/** Failures of the upstream travel to the waiting replicas; the gateway's own (`internal-error`) do not. */
function shareFailure(error: unknown): SharedFailure | undefined {
  if (!(error instanceof GatewayError) || error.code === 'internal-error') return undefined;
  return {
    code: error.code,
    detail: error.message,
    provider: error.provider,
    upstreamStatus: error.upstreamStatus,
    retryAfterSeconds: error.retryAfterSeconds,
  };
}

function rebuildFailure(failure: SharedFailure, provider: string): Error {
  const code = isProblemCode(failure.code) ? failure.code : 'upstream-error';
  return new GatewayError(code, {
    detail: failure.detail,
    provider: failure.provider ?? provider,
    upstreamStatus: failure.upstreamStatus,
    retryAfterSeconds: failure.retryAfterSeconds,
  });
}
