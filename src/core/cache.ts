/**
 * The customer cache (design §3 "Cache fine print") on lru-cache: bounded by entries and bytes, a TTL per
 * entry, and lru-cache's own `fetch` to make concurrent lookups of one key share one upstream call.
 *
 * An entry stays in the LRU for its fresh lifetime plus the stale-if-error window; freshness is decided here
 * (`freshUntil`), so an expired entry can still be served when the upstream fails.
 */
import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { GatewayError } from './problems.js';

export interface View {
  /** `data` serialised once, with its strong ETag. */
  data: string;
  etag: string;
  /** `raw` serialised once, and the ETag over data and raw, made on first `?include=raw`. */
  raw?: { json: string; etag: string };
}

/**
 * A cached customer, kept compact: the upstream body as received and the ready-made answers, strings only
 * (100,000 entries must fit in a few hundred MB). A hit does no JSON work.
 */
export interface CustomerEntry {
  kind: 'customer';
  /** The upstream body as received. */
  rawText: string;
  fetchedAt: number;
  freshUntil: number;
  staleUntil: number;
  bytes: number;
  /** The answer for callers who may not read PII (national ids masked)… */
  masked: View;
  /** …and for those who may; the same object when the customer carries no national id. */
  clear: View;
}

export interface NotFoundEntry {
  kind: 'not-found';
  error: GatewayError;
  fetchedAt: number;
  freshUntil: number;
  bytes: number;
}

export type CacheEntry = CustomerEntry | NotFoundEntry;

/** What the caller of `fetch` learns: whether its own call went upstream, or joined one in flight. */
export interface FetchContext {
  load: () => Promise<CacheEntry>;
  initiated: boolean;
  /** The load joined another replica's upstream call (fleet coalescing) instead of making one. */
  joined?: boolean;
}

export interface CacheLimits {
  maxEntries: number;
  maxBytes: number;
}

export class CustomerCache {
  private readonly lru: LRUCache<string, CacheEntry, FetchContext>;

  constructor(limits: CacheLimits) {
    this.lru = new LRUCache<string, CacheEntry, FetchContext>({
      max: limits.maxEntries,
      maxSize: limits.maxBytes,
      sizeCalculation: (entry) => Math.max(1, entry.bytes),
      ttlAutopurge: false,
      // The cache entry outlives a failed refresh, so that stale-if-error can still find it.
      noDeleteOnFetchRejection: true,
      // Evicting an entry while its refresh is in flight must not cancel the lookups waiting on it.
      ignoreFetchAbort: true,
      fetchMethod: async (_key, _stale, { options, context }) => {
        context.initiated = true;
        const entry = await context.load();
        options.ttl = Math.max(1, (entry.kind === 'customer' ? entry.staleUntil : entry.freshUntil) - Date.now());
        return entry;
      },
    });
  }

  /** The entry if the LRU still holds it (fresh or within its stale window); no refresh. */
  peek(key: string): CacheEntry | undefined {
    return this.lru.get(key);
  }

  /** Loads the key through `context.load`, joining a load of the same key already in flight. */
  async refresh(key: string, context: FetchContext): Promise<CacheEntry> {
    const entry = await this.lru.fetch(key, { forceRefresh: true, context });
    if (!entry) throw new Error('cache fetch returned nothing');
    return entry;
  }

  /** Stores an entry read from the fleet's L2, for as long as it may serve. */
  set(key: string, entry: CacheEntry): void {
    const ttl = (entry.kind === 'customer' ? entry.staleUntil : entry.freshUntil) - Date.now();
    if (ttl > 0) this.lru.set(key, entry, { ttl: Math.ceil(ttl) });
  }

  delete(key: string): boolean {
    return this.lru.delete(key);
  }

  get size(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}

export const cacheKey = (provider: string, id: string): string => `${provider}:${id.normalize('NFC')}`;

/** A strong ETag over the serialised bytes it stands for. */
export function etagOf(...parts: string[]): string {
  // One-shot: cheaper than a Hash object on every miss. The NUL byte keeps ("ab", "c") apart from ("a", "bc").
  return `"${hash('sha1', parts.join('\0'), 'base64url')}"`;
}
