/**
 * The fleet's implementations of the cache loader's two seams (src/core/seams.ts):
 *   - `SharedCache`: the L2 in Redis (shared-cache.ts), read on an L1 miss, written on every load, purged;
 *   - `LoadLease`: one load per key for the whole fleet (lease.ts). The loading replica stores its result in the
 *     L2 before the waiting replicas are told; a failure of the upstream reaches the waiters as the same problem
 *     (they do not call a failing upstream again), while the loading replica's own refusals stay local (the
 *     waiters load for themselves); a waiter whose request's deadline passes gives up with `upstream-timeout`.
 */
import type { CacheEntry } from '../core/cache.js';
import { providerOf } from '../core/cache-key.js';
import type { LoadLease, SharedCache } from '../core/seams.js';
import { GatewayError, isProblemCode } from '../core/problems.js';
import type { SharedFailure } from './events.js';
import type { Fleet } from './fleet.js';

export function fleetSharedCache(fleet: Fleet): SharedCache {
  return {
    read: (key) => fleet.cache.get(key),
    write: async (key, entry, fence) => void (await fleet.cache.set(key, entry, fence?.token)),
    delete: async (key) => void (await fleet.cache.delete(key).catch(() => false)),
  };
}

/** A waiter waits under the request's own deadline. */
export function fleetLease(fleet: Fleet): LoadLease {
  return {
    async run(key, deadline, load, joined) {
      const provider = providerOf(key);
      const result = await fleet.coalescer.run<CacheEntry>(fleet.cache.leaseName(key), deadline, {
        // What the holder stored; a waiter takes any fresh entry (it reached the lease because there was none).
        read: async () => {
          const entry = await fleet.cache.get(key);
          return entry && fleet.redis.clock.now() < entry.freshUntil ? entry : undefined;
        },
        // The cache loader's load stores the entry in the L2 (the shared tier) before it resolves, under the fence of
        // the lease it holds: if the lease was lost meanwhile (expired and taken over, or ended by a purge), it does
        // not store it at all.
        load: (token) => load(token === undefined ? undefined : { token }),
        share: shareFailure,
        rebuild: (failure) => rebuildFailure(failure, provider),
        timeout: () =>
          new GatewayError('upstream-timeout', {
            provider,
            detail:
              'Another replica of the gateway is reading this customer from the upstream and did not finish ' +
              'within the deadline.',
            transient: true,
          }),
      });
      if (result.by === 'joined') joined?.();
      return result.value;
    },
  };
}

/**
 * Only failures that came from the upstream travel to the waiting replicas. The gateway's own failures stay local:
 * a bug (`internal-error`), and a refusal by this replica's gates (`provider-unavailable`: its open circuit, full
 * bulkhead or quota; anything refused before the wire), which says nothing about another replica's path to the
 * upstream. The waiters then load the customer themselves.
 */
function shareFailure(error: unknown): SharedFailure | undefined {
  if (!(error instanceof GatewayError) || error.code === 'internal-error') return undefined;
  if (error.code === 'provider-unavailable' || error.refusedBeforeWire) return undefined;
  return {
    code: error.code,
    detail: error.message,
    provider: error.provider,
    upstreamStatus: error.upstreamStatus,
    retryAfterSeconds: error.retryAfterSeconds,
    unwell: error.unwell,
  };
}

function rebuildFailure(failure: SharedFailure, provider: string): Error {
  const code = isProblemCode(failure.code) ? failure.code : 'upstream-error';
  return new GatewayError(code, {
    detail: failure.detail,
    provider: failure.provider ?? provider,
    upstreamStatus: failure.upstreamStatus,
    retryAfterSeconds: failure.retryAfterSeconds,
    unwell: failure.unwell ?? false,
  });
}
