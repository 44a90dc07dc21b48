/**
 * The blind index in this process: one replica, no Redis. Bounded by `maxRecords` (the least recently put record
 * goes first) and by time (a record expires `ttlSeconds` after its last put), both kept by lru-cache on the
 * gateway's clock; a record that leaves, whatever the reason, takes its postings with it.
 *
 * Kept compact, since 100,000 records must fit in a few dozen MB:
 *   - a record is one string: its terms' short forms, then its sealed summary, as one-byte (latin1) text;
 *   - a posting list is keyed by the first 32 bits of the term's hash (posting-table.ts: no string, no Map entry),
 *     and holds one record key as a plain string (the record's own key string, shared), or an array once a second
 *     record shares the term. Two terms may share those 32 bits, so a record found through a list counts only if
 *     its own string holds the term's first 48 bits;
 *   - a list holds at most `POSTING_CAP` records, the most recently put: search answers a few dozen at most, and
 *     the generic-identifier rule needs only to know that more than a handful share one.
 */
import { LRUCache } from 'lru-cache';
import type { Clock } from '../core/clock.js';
import { POSTING_CAP, type BlindIndex, type IndexedRecord } from './blind-index.js';
import type { IndexKeys } from './index-keys.js';
import { indexTerms } from './index-terms.js';
import { nameTokens } from './names.js';
import { PostingTable } from './posting-table.js';
import type { RecordFeatures, RecordRef, RecordSummary, StrongFeature } from './types.js';

export interface MemoryIndexLimits {
  maxRecords: number;
  ttlSeconds: number;
}

/**
 * The part of a term's hash a record keeps: its posting slot (32 bits) and 16 more bits to confirm a posting with.
 * A record wrongly taken as holding a term would need another term with the same 48 bits: about one lookup in a
 * billion with a million terms indexed.
 */
const TERM_BYTES = 6;
/** Lists up to this long are copied to add a record, longer ones grow in place. */
const SHORT_LIST = 8;
/** A record's value starts with its number of terms (16 bits). */
const HEADER_BYTES = 2;

/** Record keys hold the provider and its id apart with a character neither contains. */
const SEPARATOR = '\u0000';

export class MemoryIndex implements BlindIndex {
  private readonly records: LRUCache<string, string>;
  private readonly postings = new PostingTable();
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly keys: IndexKeys,
    clock: Clock,
    limits: MemoryIndexLimits,
  ) {
    this.records = new LRUCache<string, string>({
      max: limits.maxRecords,
      ttl: limits.ttlSeconds * 1000,
      // lru-cache's TTLs read the gateway's clock at every call (no cached reading a test's clock could outrun).
      perf: { now: () => clock.now() },
      ttlResolution: 0,
      // Recency is the time of the last put (reads peek), so the least recently put record is evicted first and the
      // expired records are always the least recent ones: `sweep` walks from that end and stops at the first alive.
      updateAgeOnGet: false,
      allowStale: true,
      // Evicted, expired or removed: its postings and its count go with it.
      dispose: (value, key) => this.forget(key, value),
    });
  }

  async put(ref: RecordRef, features: RecordFeatures, summary: RecordSummary): Promise<void> {
    this.sweep();
    const key = recordKey(ref);
    const digests = indexTerms(features).map((term) => this.keys.digest(term.kind, term.value));
    const sealed = Buffer.from(this.keys.seal(summary), 'base64url');
    const value = Buffer.allocUnsafe(HEADER_BYTES + digests.length * TERM_BYTES + sealed.length);
    value.writeUInt16LE(digests.length, 0);
    digests.forEach((digest, i) => digest.copy(value, HEADER_BYTES + i * TERM_BYTES, 0, TERM_BYTES));
    sealed.copy(value, HEADER_BYTES + digests.length * TERM_BYTES);
    // The previous put's postings go first (dispose), so that terms the record no longer has stop finding it.
    this.records.delete(key);
    this.records.set(key, value.toString('latin1'));
    for (const digest of digests) this.addPosting(digest.readInt32LE(0), key);
    this.counts.set(ref.provider, (this.counts.get(ref.provider) ?? 0) + 1);
  }

  async remove(ref: RecordRef): Promise<void> {
    this.records.delete(recordKey(ref));
  }

  async has(ref: RecordRef): Promise<boolean> {
    return this.records.has(recordKey(ref));
  }

  async holders(feature: StrongFeature, value: string, limit: number): Promise<IndexedRecord[]> {
    return this.find([this.keys.digest(feature, value)], limit);
  }

  async withNameTokens(tokens: readonly string[], limit: number): Promise<IndexedRecord[]> {
    const distinct = [...new Set(tokens.flatMap((token) => nameTokens(token)))];
    return this.find(
      distinct.map((token) => this.keys.digest('nameToken', token)),
      limit,
    );
  }

  async count(provider: string): Promise<number> {
    this.sweep();
    return this.counts.get(provider) ?? 0;
  }

  /** Records held (expired ones included until the next call sweeps them). */
  get size(): number {
    return this.records.size;
  }

  /**
   * The records holding any of the terms, those holding more of them first, then the most recently put; at most
   * `limit`. A record whose summary does not open (it cannot, short of a bug) is left out.
   */
  private find(digests: readonly Buffer[], limit: number): IndexedRecord[] {
    this.sweep();
    const hits = new Map<string, number>();
    for (const digest of digests) {
      const term = digest.toString('latin1', 0, TERM_BYTES);
      const list = this.postings.get(digest.readInt32LE(0));
      const keys = list === undefined ? [] : typeof list === 'string' ? [list] : list;
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        const value = this.records.peek(key);
        if (value !== undefined && holdsTerm(value, term)) hits.set(key, (hits.get(key) ?? 0) + 1);
      }
    }
    const ranked = [...hits].sort((a, b) => b[1] - a[1]);
    const found: IndexedRecord[] = [];
    for (const [key] of ranked) {
      if (found.length >= limit) break;
      const value = this.records.peek(key);
      const summary = value === undefined ? undefined : this.keys.unseal(sealedPart(value));
      if (summary) found.push({ ref: refOf(key), summary });
    }
    return found;
  }

  /**
   * A short list is replaced by an exact copy (an array grown by `push` keeps room for many more records); a longer
   * one grows in place, and a full one drops its oldest record in place: a copy on each put would leave the heap
   * full of dead lists.
   */
  private addPosting(slot: number, key: string): void {
    const list = this.postings.get(slot);
    if (list === undefined) this.postings.set(slot, key);
    else if (typeof list === 'string') {
      if (list !== key) this.postings.set(slot, [list, key]);
    } else if (!list.includes(key)) {
      if (list.length >= POSTING_CAP) {
        list.copyWithin(0, 1);
        list[list.length - 1] = key;
      } else if (list.length >= SHORT_LIST) list.push(key);
      else this.postings.set(slot, [...list, key]);
    }
  }

  private removePosting(slot: number, key: string): void {
    const list = this.postings.get(slot);
    if (list === undefined) return;
    if (typeof list === 'string') {
      if (list === key) this.postings.delete(slot);
      return;
    }
    if (!list.includes(key)) return;
    const left = list.filter((other) => other !== key);
    // Back to the compact form when one record is left.
    this.postings.set(slot, left.length === 1 ? (left[0] as string) : left);
  }

  /** A record left the index: its postings and its count go too. */
  private forget(key: string, value: string): void {
    const terms = value.charCodeAt(0) | (value.charCodeAt(1) << 8);
    for (let i = 0; i < terms; i++) {
      const at = HEADER_BYTES + i * TERM_BYTES;
      this.removePosting(slotAt(value, at), key);
    }
    const provider = key.slice(0, key.indexOf(SEPARATOR));
    const left = (this.counts.get(provider) ?? 1) - 1;
    if (left > 0) this.counts.set(provider, left);
    else this.counts.delete(provider);
  }

  /**
   * Lets the expired records go, with their postings and counts. lru-cache keeps an expired entry until it is
   * touched; here they are the least recently put ones, so the sweep stops at the first record still alive.
   */
  private sweep(): void {
    const expired: string[] = [];
    for (const key of this.records.rkeys()) {
      if (this.records.getRemainingTTL(key) >= 0) break;
      expired.push(key);
    }
    for (const key of expired) this.records.delete(key);
  }
}

/**
 * One flat string per record key (a template literal may leave a rope of its parts, which costs more than the text).
 */
function recordKey(ref: RecordRef): string {
  return Buffer.from(`${ref.provider}${SEPARATOR}${ref.providerId}`).toString();
}

function refOf(key: string): RecordRef {
  const at = key.indexOf(SEPARATOR);
  return { provider: key.slice(0, at), providerId: key.slice(at + 1) };
}

/** The posting slot of the term at `at` in a record's value: its first 32 bits, as `readInt32LE` reads them. */
function slotAt(value: string, at: number): number {
  return (
    value.charCodeAt(at) |
    (value.charCodeAt(at + 1) << 8) |
    (value.charCodeAt(at + 2) << 16) |
    (value.charCodeAt(at + 3) << 24)
  );
}

function holdsTerm(value: string, term: string): boolean {
  const terms = value.charCodeAt(0) | (value.charCodeAt(1) << 8);
  for (let i = 0; i < terms; i++) if (value.startsWith(term, HEADER_BYTES + i * TERM_BYTES)) return true;
  return false;
}

function sealedPart(value: string): string {
  const terms = value.charCodeAt(0) | (value.charCodeAt(1) << 8);
  return Buffer.from(value.slice(HEADER_BYTES + terms * TERM_BYTES), 'latin1').toString('base64url');
}
