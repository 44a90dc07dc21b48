/**
 * The fleet's implementations of the cache loader's two seams (src/core/seams.ts):
 *   - `SharedCache`: the L2 in Redis (shared-cache.ts), read on an L1 miss, written on every load, purged;
 *   - `LoadLease`: one load per key for the whole fleet (lease.ts). The loading replica stores its result in the
 *     L2 before the waiting replicas are told; a failure of the loading replica reaches the waiters as the same
 *     problem (they do not call a failing upstream again); a waiter whose request's deadline passes gives up with
 *     `upstream-timeout`.
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
    write: async (key, entry) => void (await fleet.cache.set(key, entry)),
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
        // The cache loader's load stores the entry in the L2 (the shared tier) before it resolves.
        load,
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

/** Failures of the upstream travel to the waiting replicas; the gateway's own (`internal-error`) do not. */
function shareFailure(error: unknown): SharedFailure | undefined {
  if (!(error instanceof GatewayError) || error.code === 'internal-error') return undefined;
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
