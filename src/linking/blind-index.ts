/**
 * The blind index: keyed hashes of normalised identifiers and name tokens → record references, and a sealed
 * summary per record. It holds no clear identifier, name or term: a reader without `INDEX_KEY` learns which
 * records share something, never what. In this process by default (memory-index.ts, bounded by
 * `INDEX_MAX_RECORDS`); in Redis for a fleet (src/fleet/redis-index.ts). Entries expire after `INDEX_TTL_SECONDS`
 * unless the record is seen again.
 */
import type { RecordFeatures, RecordRef, RecordSummary, StrongFeature } from './types.js';

/**
 * The most records one term's posting list keeps, the most recently put: search answers a few dozen at most, and
 * the generic-identifier rule only needs to know that more than a handful share one.
 */
export const POSTING_CAP = 64;

export interface IndexedRecord {
  ref: RecordRef;
  summary: RecordSummary;
}

export interface BlindIndex {
  /** Puts a record, or refreshes it: the keys it held before and no longer has are removed. */
  put(ref: RecordRef, features: RecordFeatures, summary: RecordSummary): Promise<void>;
  /** Whether the record is indexed (and not expired). */
  has(ref: RecordRef): Promise<boolean>;
  /** Removes the record and every key that points at it (a purge). */
  remove(ref: RecordRef): Promise<void>;
  /** The records holding this normalised identifier (at most `limit`, which the generic rule needs no more of). */
  holders(feature: StrongFeature, value: string, limit: number): Promise<IndexedRecord[]>;
  /** The records holding any of these folded name tokens (blocking for name search and similar-name links). */
  withNameTokens(tokens: readonly string[], limit: number): Promise<IndexedRecord[]>;
  /** How many records of the provider are indexed. */
  count(provider: string): Promise<number>;
}
