/**
 * The cache's second tier (L2), shared by the fleet in Redis. Each entry is stored once, serialised with its
 * freshness, its random version and its ready-made views (masked and clear, each with its ETag, made from the
 * version, so that every replica answers the same ETag for the same stored entry; a `raw` view is made on demand
 * from the same version), and lives in Redis only while it is fresh: no replica takes an expired entry from the
 * L2 (stale answers come from each replica's own L1), so personal data stays no longer than a reader may use it.
 *
 * Keys hold no customer id: `<prefix>{c:<provider>:<digest>}`, where the digest is an HMAC of the cache key when
 * `CACHE_ENCRYPTION_KEY` is set (a guessed id cannot be confirmed from a key listing) and a SHA-256 otherwise.
 * The ids of the three providers are account identifiers, not national ids, but a key listing, `MONITOR` or
 * the slow log should not be a list of customers either. The value names its own cache key, and a read checks
 * it, so an entry can never answer for another key.
 *
 * A write is conditional, in one script (atomic in Redis): a load made under a lease writes only while its token
 * still holds that lease (fencing: a holder that stalled past its lease and was taken over does not write over the
 * newer holder's entry; a purge ends the lease, so a load it overtook does not write the purged entry back); a load
 * made without a lease (Redis was unavailable when it started) writes only if no purge of the key happened in the
 * last `PURGE_MARKER_MS` (the purge leaves a short marker).
 *
 * Every Redis failure reads as a miss and a write that did not happen: the L1 and the upstream serve.
 */
import type { PartialNote } from '../core/balances.js';
import type { CacheEntry, CustomerEntry, NotFoundEntry, View } from '../core/cache.js';
import { providerOf, type CacheKey } from '../core/cache-key.js';
import { GatewayError, type ProblemCode } from '../core/problems.js';
import { keyDigest, type ValueCipher } from './cipher.js';
import { leaseKeyOf } from './lease.js';
import { RedisUnavailable, type FleetRedis } from './redis.js';
import { storedEntrySchema, valid } from './stored-shapes.js';

/**
 * How long a purge's marker lasts: longer than a load may run (a lookup's deadline, 8 s by default), so that a load
 * made without a lease that started before the purge finds the marker when it comes to write.
 */
export const PURGE_MARKER_MS = 10_000;

/**
 * KEYS: the entry, its lease, its purge marker. ARGV: the value, its TTL (ms), the lease token ('' = no lease).
 * Returns 1 when written, 0 when the lease is no longer the writer's or (without a lease) the key was just purged.
 */
const WRITE_ENTRY = `if ARGV[3] ~= '' then
  if redis.call('GET', KEYS[2]) ~= ARGV[3] then return 0 end
elseif redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

declare module 'ioredis' {
  interface RedisCommander {
    fleetWriteEntry(
      entryKey: string,
      leaseKey: string,
      markerKey: string,
      value: Buffer,
      ttlMs: number,
      token: string,
    ): Promise<number>;
  }
}

/** The parts of a view that are stored; a `raw` view is not (each replica makes it from the version). */
const storedView = (view: View): View => ({ data: view.data, etag: view.etag, clearNationalId: view.clearNationalId });

/** The stored form; `v` changes whenever the shape does, and an entry of another version reads as a miss. */
type StoredView = View;
type Stored =
  | {
      v: 2;
      key: string;
      kind: 'customer';
      version: string;
      rawText: string;
      fetchedAt: number;
      freshUntil: number;
      staleUntil: number;
      masked: StoredView;
      /** Absent when one view serves both policies (no personal data): the clear view is the masked one. */
      clear?: StoredView;
      /** A partial answer (`?include=balances` whose accounts read failed): what is missing and why. */
      partial?: PartialNote;
    }
  | {
      v: 2;
      key: string;
      kind: 'not-found';
      fetchedAt: number;
      freshUntil: number;
      error: { code: ProblemCode; detail: string; provider?: string; upstreamStatus?: number };
    };

export class SharedCache {
  constructor(
    private readonly redis: FleetRedis,
    private readonly cipher: ValueCipher | undefined,
  ) {
    // Sent by EVALSHA, loaded once per connection by ioredis.
    redis.client.defineCommand('fleetWriteEntry', { numberOfKeys: 3, lua: WRITE_ENTRY });
  }

  // The entry, its lease and its marker are one unit (the write script and the purge touch them together): one
  // hash slot in a Cluster, while different customers spread over its nodes.

  /** The Redis key of a cache key. */
  redisKey(cacheKey: CacheKey): string {
    return this.redis.key(this.redis.unit(this.leaseName(cacheKey)));
  }

  /** The key of the fleet's load lease for a cache key (its value is the holder's token): the coalescer's. */
  leaseKey(cacheKey: CacheKey): string {
    return leaseKeyOf(this.redis, this.leaseName(cacheKey));
  }

  /** The key a purge leaves for `PURGE_MARKER_MS`: writes without a lease do not bring the entry back meanwhile. */
  markerKey(cacheKey: CacheKey): string {
    return this.redis.key('purged', this.redis.unit(this.leaseName(cacheKey)));
  }

  /** The cache key's name in Redis without the prefix (`c:<provider>:<digest>`): also names its lease and events. */
  leaseName(cacheKey: CacheKey): string {
    const provider = providerOf(cacheKey);
    const digest = keyDigest(this.cipher, cacheKey);
    return `c:${provider}:${digest}`;
  }

  /** The stored entry (fresh or within its stale window), or undefined: absent, unreadable or Redis down. */
  async get(cacheKey: CacheKey): Promise<CacheEntry | undefined> {
    const redisKey = this.redisKey(cacheKey);
    let value: Buffer | null;
    try {
      value = await this.redis.run('get', (c) => c.getBuffer(redisKey));
    } catch (error) {
      if (error instanceof RedisUnavailable) return undefined;
      throw error;
    }
    if (!value) return undefined;
    const entry = this.decode(value, cacheKey, redisKey);
    // Junk (another version's format, a value cut short, one that belongs to another key): dropped, so the next
    // load writes a good one, and read as a miss.
    if (!entry) await this.redis.run('del', (c) => c.del(redisKey)).catch(() => undefined);
    return entry;
  }

  /**
   * Stores the entry for as long as a replica may take it (while fresh), under the lease `token` the load held (see
   * above); false when it was not written: Redis unavailable, the lease lost, or the key just purged.
   */
  async set(cacheKey: CacheKey, entry: CacheEntry, token?: string): Promise<boolean> {
    const ttl = Math.ceil(entry.freshUntil - this.redis.clock.now());
    if (ttl <= 0) return false;
    const redisKey = this.redisKey(cacheKey);
    const value = this.encode(cacheKey, redisKey, entry);
    const [leaseKey, markerKey] = [this.leaseKey(cacheKey), this.markerKey(cacheKey)];
    try {
      const written = await this.redis.run('set', (c) =>
        c.fleetWriteEntry(redisKey, leaseKey, markerKey, value, ttl, token ?? ''),
      );
      return written === 1;
    } catch (error) {
      if (error instanceof RedisUnavailable) return false;
      throw error;
    }
  }

  /** Deletes the entry; true when there was one. Throws `RedisUnavailable` (a purge must know). */
  async delete(cacheKey: CacheKey): Promise<boolean> {
    const redisKey = this.redisKey(cacheKey);
    return (await this.redis.run('del', (c) => c.del(redisKey))) > 0;
  }

  private encode(cacheKey: CacheKey, redisKey: string, entry: CacheEntry): Buffer {
    const stored: Stored =
      entry.kind === 'customer'
        ? {
            v: 2,
            key: cacheKey,
            kind: 'customer',
            version: entry.version,
            rawText: entry.rawText,
            fetchedAt: entry.fetchedAt,
            freshUntil: entry.freshUntil,
            staleUntil: entry.staleUntil,
            masked: storedView(entry.masked),
            ...(entry.clear === entry.masked ? {} : { clear: storedView(entry.clear) }),
            ...(entry.partial ? { partial: entry.partial } : {}),
          }
        : {
            v: 2,
            key: cacheKey,
            kind: 'not-found',
            fetchedAt: entry.fetchedAt,
            freshUntil: entry.freshUntil,
            error: {
              code: entry.error.code,
              detail: entry.error.message,
              provider: entry.error.provider,
              upstreamStatus: entry.error.upstreamStatus,
            },
          };
    const json = Buffer.from(JSON.stringify(stored));
    return this.cipher ? this.cipher.seal(json, redisKey) : json;
  }

  private decode(value: Buffer, cacheKey: CacheKey, redisKey: string): CacheEntry | undefined {
    // With a key, only sealed values are accepted: a plain value written by someone else is not trusted.
    const plain = this.cipher ? this.cipher.open(value, redisKey) : value;
    if (!plain) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(plain.toString('utf8'));
    } catch {
      return undefined;
    }
    const stored = valid<Stored>(storedEntrySchema, parsed);
    if (stored?.key !== cacheKey) return undefined;
    if (stored.kind === 'not-found') {
      const { code, detail, provider, upstreamStatus } = stored.error;
      const entry: NotFoundEntry = {
        kind: 'not-found',
        error: new GatewayError(code, { detail, provider, upstreamStatus }),
        fetchedAt: stored.fetchedAt,
        freshUntil: stored.freshUntil,
        bytes: 256,
      };
      return entry;
    }
    const clear = stored.clear ?? stored.masked;
    const entry: CustomerEntry = {
      kind: 'customer',
      version: stored.version,
      rawText: stored.rawText,
      fetchedAt: stored.fetchedAt,
      freshUntil: stored.freshUntil,
      staleUntil: stored.staleUntil,
      bytes:
        Buffer.byteLength(stored.rawText) +
        Buffer.byteLength(stored.masked.data) +
        (clear === stored.masked ? 0 : Buffer.byteLength(clear.data)),
      masked: stored.masked,
      clear,
      ...(stored.partial ? { partial: stored.partial } : {}),
    };
    return entry;
  }
}
