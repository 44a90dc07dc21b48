/**
 * How one lookup used the cache, as data. `Cache-Status` (RFC 9211), `meta.cache`, the `cache_lookups_total`
 * metric and the request log's `cache` field are all rendered from it, here, and nowhere else.
 */

export const CACHE_NAME = 'customer-gateway';

export type CacheOutcome =
  /** A fresh entry (a customer or a cached `customer-not-found`); `ttlSeconds` of freshness left. */
  (
    | { kind: 'hit'; ttlSeconds: number }
    /** An expired entry: served because the upstream failed, or while it is refreshed in the background. */
    | { kind: 'stale'; ttlSeconds: number; detail: 'stale-if-error' | 'stale-while-revalidate' }
    /**
     * Loaded for this lookup: `forward` is `request` when the caller bypassed the cache (`no-cache`); `collapsed`
     * when it joined a load already in flight; `stored` when the load's result went into the cache.
     */
    | { kind: 'miss'; forward: 'miss' | 'request'; collapsed: boolean; stored: boolean }
  ) & {
    /** The caller sent `Cache-Control: no-cache` without the scope `cache:bypass`: answered as a plain lookup. */
    bypassNotGranted?: true;
  };

/**
 * The RFC 9211 `Cache-Status` header value; `bypass=not-granted` says a `no-cache` request was not honoured.
 * `partial`: the answer lacks a part (`?include=balances` whose accounts read failed), which is why it is fresh
 * for a short while only.
 */
export function cacheStatusOf(outcome: CacheOutcome, partial = false): string {
  const status = statusOf(outcome, partial);
  return outcome.bypassNotGranted ? `${status}; bypass=not-granted` : status;
}

function statusOf(outcome: CacheOutcome, partial: boolean): string {
  const detail = partial ? '; detail=partial' : '';
  switch (outcome.kind) {
    case 'hit':
      return `${CACHE_NAME}; hit; ttl=${outcome.ttlSeconds}${detail}`;
    case 'stale':
      return `${CACHE_NAME}; hit; ttl=${outcome.ttlSeconds}; detail=${outcome.detail}`;
    case 'miss':
      if (outcome.collapsed) return `${CACHE_NAME}; fwd=${outcome.forward}; collapsed${detail}`;
      return `${CACHE_NAME}; fwd=${outcome.forward}${outcome.stored ? '; stored' : ''}${detail}`;
  }
}

/** `meta.cache`: `hit`, `miss` (fetched for this request, alone or joined to a fetch in flight) or `stale`. */
export function metaCacheOf(outcome: CacheOutcome): 'hit' | 'miss' | 'stale' {
  return outcome.kind;
}

/** The metric label and the request log's `cache` field: `collapsed` is told apart from `miss`. */
export function cacheLabelOf(outcome: CacheOutcome): 'hit' | 'miss' | 'stale' | 'collapsed' {
  return outcome.kind === 'miss' && outcome.collapsed ? 'collapsed' : outcome.kind;
}
