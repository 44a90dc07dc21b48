/**
 * Where shared (fleet) implementations plug into the lookup path, all in one place: the shared cache tier, the load
 * lease, each provider's upstream quota, the token store and the purge broadcast. The defaults below keep
 * everything in this process; src/fleet implements each one on Redis.
 */
import type { CacheEntry } from './cache.js';
import type { CacheKey } from './cache-key.js';
import type { Deadline } from './deadline.js';

/**
 * A load's right to write its result into the shared tier: the token of the lease it was loaded under. The store
 * writes only while that token still holds the lease: a holder that stalled past its lease (taken over since), or
 * whose load a purge overtook, does not write over what came after it.
 */
export interface WriteFence {
  readonly token: string;
}

/** The second cache tier, shared by the fleet: read on an L1 miss, written on every load, dropped by a purge. */
export interface SharedCache {
  read(key: CacheKey): Promise<CacheEntry | undefined>;
  /** Stores the entry; with a fence, only if its lease still holds (else nothing is written). */
  write(key: CacheKey, entry: CacheEntry, fence?: WriteFence): Promise<void>;
  delete(key: CacheKey): Promise<void>;
}

/** Cross-process coalescing: at most one load of a key in the fleet at a time. */
export interface LoadLease {
  /**
   * Runs `load` holding the key's lease (its fence, for the write of the result), or waits (until `deadline`) for
   * the holder and returns what it stored, calling `joined`: this lookup joined a load in flight elsewhere.
   */
  run(
    key: CacheKey,
    deadline: Deadline,
    load: (fence?: WriteFence) => Promise<CacheEntry>,
    joined?: () => void,
  ): Promise<CacheEntry>;
}

/** A provider's upstream quota: in memory by default, the fleet's rate when shared. */
export interface UpstreamQuota {
  readonly perSecond: number;
  /**
   * Waits for a slot for `callerKey`'s request; resolves with the milliseconds waited. Throws `provider-unavailable`
   * (refused before the wire) when the slot would come after `latestStart`, or when `signal` aborts.
   */
  acquire(latestStart: number, callerKey: string, signal?: AbortSignal): Promise<number>;
  /**
   * A slot for background work (the index crawl): given only when the slot is free and no lookup waits for one,
   * and at most `share` of the rate; waits (until `latestStart`, else the same refusal) while live lookups use it.
   */
  acquireIdle(latestStart: number, share: number, signal?: AbortSignal): Promise<number>;
  /** Lookups queued for a slot now (for readiness and metrics). */
  readonly waiting: number;
}

export interface StoredToken {
  value: string;
  /** When to fetch a new one: `min(300 s, 10% of expires_in)` before it runs out. */
  refreshAt: number;
  expiresAt: number;
}

/** Where a credential's OAuth token is kept: one per process by default, one per fleet when shared. */
export interface TokenStore {
  get(): Promise<StoredToken | undefined>;
  set(token: StoredToken): Promise<void>;
  /** The upstream refused `token` (a 401): forget it, wherever the store reaches. */
  drop(token: StoredToken): Promise<void>;
  /**
   * The token request that `get` left to this replica failed: give up its turn, so that the next attempt, here or
   * at another replica, fetches at once instead of waiting for the turn to run out.
   */
  abandon(): Promise<void>;
}

export interface PurgeOutcome {
  /** Whether the purge reached every replica: the shared store took it and every replica expected confirmed it. */
  shared: boolean;
  /** Whether the shared tier held an entry. */
  existed: boolean;
  /**
   * How many replicas got the purge, of how many are expected (`FLEET_SIZE`); absent when the shared store did not
   * take it at all (then no replica but this one has it yet).
   */
  replicas?: { confirmed: number; expected: number };
}

/** Tells every replica to drop keys (and drops them from the shared tier). */
export interface PurgeBroadcast {
  purge(keys: readonly CacheKey[]): Promise<PurgeOutcome>;
  /** Called with each key purged anywhere in the fleet, this replica's own purges included. */
  onPurge(listener: (key: CacheKey) => void): void;
  /**
   * Called when this replica may have missed purges (it was not listening to the fleet for a while): every copy it
   * keeps of a shared entry must go.
   */
  onMissedPurges(listener: () => void): void;
}

export const noSharedCache: SharedCache = {
  read: () => Promise.resolve(undefined),
  write: () => Promise.resolve(),
  delete: () => Promise.resolve(),
};

/** In one process, lru-cache's fetch already lets one load per key run: the lease has nothing to add. */
export const processLease: LoadLease = { run: (_key, _deadline, load) => load() };

export function memoryTokenStore(): TokenStore {
  let token: StoredToken | undefined;
  return {
    get: () => Promise.resolve(token),
    set: (fresh) => Promise.resolve(void (token = fresh)),
    drop: (refused) => Promise.resolve(void (token = token === refused ? undefined : token)),
    abandon: () => Promise.resolve(),
  };
}
