/**
 * The customer cache (L1) on lru-cache: bounded by entries and by bytes, a TTL per entry, and lru-cache's own
 * `fetch` to make concurrent lookups of one key share one load.
 *
 * The key is a `CacheKey` holding the id as validated (NFC-normalised once, at the route). An entry stays in the
 * LRU for its fresh lifetime plus the stale window; freshness is decided here (`freshUntil`), so that an expired
 * entry can still be served when the upstream fails. Entries are immutable: a view attached later (`?include=raw`)
 * replaces the entry with a larger one, so that every byte an entry holds counts toward `CACHE_MAX_BYTES`.
 */
import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { PartialNote } from './balances.js';
import type { Clock } from './clock.js';
import type { CacheKey } from './cache-key.js';
import type { Customer } from './model.js';
import { maskCustomer, maskRaw } from './pii.js';
import type { GatewayError } from './problems.js';
import type { ProviderAdapter } from './provider.js';

export interface View {
  /** `data` serialised once, with its strong ETag. */
  readonly data: string;
  readonly etag: string;
  /** The answer carries a national id in clear (`Cache-Control: no-store`). */
  readonly clearNationalId: boolean;
  /** `raw` serialised once, with the ETag of data and raw together, made on the first `?include=raw`. */
  readonly raw?: { readonly json: string; readonly etag: string };
}

/**
 * A cached customer, kept compact: the upstream body as received and the ready-made answers, strings only
 * (100,000 entries must fit in a few hundred MB). A hit does no JSON work.
 */
export interface CustomerEntry {
  readonly kind: 'customer';
  /**
   * A random version, made when the entry is stored and kept with it (in every tier), from which its ETags are
   * made: the same at every replica, different for each view, and revealing nothing of the data.
   */
  readonly version: string;
  /** The upstream body as received. */
  readonly rawText: string;
  readonly fetchedAt: number;
  readonly freshUntil: number;
  readonly staleUntil: number;
  /** Serialised bytes held: the body as received plus every ready-made answer. */
  readonly bytes: number;
  /** The answer for callers who may not read PII (national ids masked)… */
  readonly masked: View;
  /** …and for those who may; the same object when the customer carries no national id. */
  readonly clear: View;
  /** A partial answer (`?include=balances` whose accounts read failed): what is missing and why. */
  readonly partial?: PartialNote;
}

export interface NotFoundEntry {
  readonly kind: 'not-found';
  readonly error: GatewayError;
  readonly fetchedAt: number;
  readonly freshUntil: number;
  readonly bytes: number;
}

export type CacheEntry = CustomerEntry | NotFoundEntry;

export interface CacheLimits {
  maxEntries: number;
  maxBytes: number;
}

/** How long entries live, besides each provider's own fresh TTL. */
export interface EntryPolicy {
  staleIfErrorSeconds: number;
  /**
   * Within this many seconds after expiry, a lookup gets the expired entry at once and refreshes it in the
   * background (0 = off).
   */
  staleWhileRevalidateSeconds?: number;
  notFoundTtlSeconds: number;
}

type Load = () => Promise<CacheEntry>;

/** A load that just failed for upstream reasons, remembered briefly (`FAILURE_MEMORY_SECONDS`). */
export interface RememberedFailure {
  readonly error: GatewayError;
  readonly until: number;
}

/** Keys remembered as just failed; beyond it the oldest are forgotten early (they would call the upstream again). */
const MAX_REMEMBERED_FAILURES = 10_000;

export class CustomerCache {
  private readonly lru: LRUCache<CacheKey, CacheEntry, Load>;
  /** Loads in flight per key: an entry is not replaced under a load that is about to store a newer one. */
  private readonly loading = new Map<CacheKey, number>();
  /** Keys whose load just failed: kept apart from the entries (a failure never replaces a customer). */

  private readonly failures: LRUCache<CacheKey, RememberedFailure>;

  constructor(
    limits: CacheLimits,
    private readonly clock: Clock,
  ) {
    // lru-cache's own TTLs read the same clock, at every call (no cached reading a test's clock could outrun).
    const time = { perf: { now: () => clock.now() }, ttlResolution: 0 };
    this.failures = new LRUCache<CacheKey, RememberedFailure>({ max: MAX_REMEMBERED_FAILURES, ...time });
    this.lru = new LRUCache<CacheKey, CacheEntry, Load>({
      ...time,
      max: limits.maxEntries,
      maxSize: limits.maxBytes,
      sizeCalculation: (entry) => Math.max(1, entry.bytes),
      ttlAutopurge: false,
      // The cache entry outlives a failed refresh, so that stale-if-error can still find it.
      noDeleteOnFetchRejection: true,
      // Evicting an entry while its refresh is in flight must not cancel the lookups waiting on it.
      ignoreFetchAbort: true,
      fetchMethod: async (_key, _stale, { options, context: load }) => {
        const entry = await load();
        options.ttl = Math.max(1, (entry.kind === 'customer' ? entry.staleUntil : entry.freshUntil) - clock.now());
        return entry;
      },
    });
  }

  /** The entry if the LRU still holds it (fresh or within its stale window), marked as recently used: a hit. */
  get(key: CacheKey): CacheEntry | undefined {
    return this.lru.get(key);
  }

  /** The entry if the LRU still holds it, without changing its recency. */
  peek(key: CacheKey): CacheEntry | undefined {
    return this.lru.peek(key);
  }

  /** Loads the key through `load`, joining a load of the same key already in flight; the result is stored. */
  async refresh(key: CacheKey, load: Load): Promise<CacheEntry> {
    this.loading.set(key, (this.loading.get(key) ?? 0) + 1);
    try {
      const entry = await this.lru.fetch(key, { forceRefresh: true, context: load });
      if (!entry) throw new Error('cache fetch returned nothing');
      return entry;
    } finally {
      const left = (this.loading.get(key) ?? 1) - 1;
      if (left === 0) this.loading.delete(key);
      else this.loading.set(key, left);
    }
  }

  /**
   * Stores `next` (the same entry with more ready-made bytes) in place of `current`, keeping its TTL, so that
   * `CACHE_MAX_BYTES` counts them; nothing happens if the key holds another entry by now or is being reloaded.
   */
  replace(key: CacheKey, current: CacheEntry, next: CacheEntry): void {
    if (this.loading.has(key) || this.lru.peek(key) !== current) return;
    this.lru.set(key, next, { noUpdateTTL: true });
  }

  /** Drops the entry and any remembered failure of the key: the next lookup reads the upstream. */
  delete(key: CacheKey): boolean {
    const forgot = this.failures.delete(key);
    return this.lru.delete(key) || forgot;
  }

  /**
   * Drops every entry (remembered failures stay: they are about the upstream, not the data). A load in flight
   * does not store its result either.
   */
  clear(): void {
    this.lru.clear();
  }

  rememberFailure(key: CacheKey, error: GatewayError, ttlMs: number): void {
    this.failures.set(key, { error, until: this.clock.now() + ttlMs }, { ttl: ttlMs });
  }

  /** The failure remembered for the key, while it lasts. */
  rememberedFailure(key: CacheKey): RememberedFailure | undefined {
    const remembered = this.failures.get(key);
    return remembered && this.clock.now() < remembered.until ? remembered : undefined;
  }

  get size(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}

const VERSION_BYTES = 12;
/**
 * Random bytes for versions, drawn 128 versions at a time: each `randomBytes` call is a trip into OpenSSL that cost
 * a miss more than the bytes themselves (node's `randomUUID` buffers the same way).
 */
let versionPool = Buffer.alloc(0);
let versionOffset = 0;

/** A new entry version: 96 random bits. */
export function newVersion(): string {
  if (versionOffset + VERSION_BYTES > versionPool.length) {
    versionPool = randomBytes(VERSION_BYTES * 128);
    versionOffset = 0;
  }
  versionOffset += VERSION_BYTES;
  return versionPool.toString('base64url', versionOffset - VERSION_BYTES, versionOffset);
}

/** The strong ETag of one view of an entry version: `m` masked, `c` clear, `+raw` with `raw`. */
const etagOf = (version: string, view: 'm' | 'c', raw = false): string => `"${version}.${view}${raw ? '+raw' : ''}"`;

function buildView(customer: Customer, version: string, view: 'm' | 'c'): View {
  return { data: JSON.stringify(customer), etag: etagOf(version, view), clearNationalId: view === 'c' };
}

/** A fresh customer entry: normalised, masked, serialised once. */
/** The common model of an upstream body: the adapter's normaliser, and the ids from the path. */
export function customerOf(adapter: ProviderAdapter, id: string, body: unknown): Customer {
  return { id: `${adapter.id}:${id}`, provider: adapter.id, providerId: id, ...adapter.normalize(body) };
}

export function customerEntry(
  adapter: ProviderAdapter,
  id: string,
  upstream: { body: unknown; text: string },
  fetchedAt: number,
  ttlSeconds: number,
  policy: EntryPolicy,
  version: string = newVersion(),
  /** `?include=balances`: the balances merged into the customer, or the note of what is missing. */
  extra: { enrich?: (customer: Customer) => Customer; partial?: PartialNote } = {},
): CustomerEntry {
  const normalized = customerOf(adapter, id, upstream.body);
  const customer = extra.enrich ? extra.enrich(normalized) : normalized;
  const personal = adapter.personalData;
  const maskedCustomer = maskCustomer(customer, personal?.data);
  const masked = buildView(maskedCustomer, version, 'm');
  // One view serves both policies only when neither `data` nor the body holds personal data.
  const nothingPersonal = maskedCustomer === customer && maskRaw(upstream.body, personal?.raw ?? []) === upstream.body;
  const clear = nothingPersonal ? masked : buildView(customer, version, 'c');
  const freshUntil = fetchedAt + ttlSeconds * 1000;
  // How long the LRU keeps the entry: the longer of the stale-if-error and stale-while-revalidate windows.
  const staleMs = Math.max(policy.staleIfErrorSeconds, policy.staleWhileRevalidateSeconds ?? 0) * 1000;
  return {
    kind: 'customer',
    version,
    rawText: upstream.text,
    fetchedAt,
    freshUntil,
    staleUntil: freshUntil + staleMs,
    bytes:
      Buffer.byteLength(upstream.text) +
      Buffer.byteLength(masked.data) +
      (clear === masked ? 0 : Buffer.byteLength(clear.data)),
    masked,
    clear,
    ...(extra.partial ? { partial: extra.partial } : {}),
  };
}

/** The ready-made answer for one PII policy. */
export const viewOf = (entry: CustomerEntry, clearPii: boolean): View => (clearPii ? entry.clear : entry.masked);

/**
 * The entry with `raw` ready for this PII policy (masked like `data`), and its bytes counted. Returns the entry
 * itself when the view already has it.
 */
export function withRawView(
  entry: CustomerEntry,
  clearPii: boolean,
  personalDataPaths: readonly string[],
): CustomerEntry {
  const view = viewOf(entry, clearPii);
  if (view.raw) return entry;
  // One view serves both policies when neither `data` nor the body holds personal data.
  const shared = entry.masked === entry.clear;
  const mask = (shared || !clearPii) && personalDataPaths.length > 0;
  const masked = mask ? JSON.stringify(maskRaw(JSON.parse(entry.rawText), personalDataPaths)) : entry.rawText;
  // Nothing to mask (no personal data in the body): keep the body's own string, not a copy of it.
  const json = masked === entry.rawText ? entry.rawText : masked;
  const raw = { json, etag: etagOf(entry.version, view.clearNationalId ? 'c' : 'm', true) };
  const withRaw: View = { ...view, raw };
  // An unmasked raw shares the body's string: only its ETag is new.
  const added = (json === entry.rawText ? 0 : Buffer.byteLength(json)) + raw.etag.length;
  return {
    ...entry,
    bytes: entry.bytes + added,
    masked: shared || !clearPii ? withRaw : entry.masked,
    clear: shared || clearPii ? withRaw : entry.clear,
  };
}
