/**
 * The blind index in this process: one replica, no Redis. Bounded by `maxRecords` (the least recently put record
 * goes first) and by time (a record expires `ttlSeconds` after its last put, on the gateway's clock); a record that
 * leaves, whatever the reason, takes its postings with it.
 *
 * Kept compact, since 100,000 records must fit in a few dozen MB:
 *   - the records are one Map in the order they were last put (a put deletes, then sets): the oldest is both the
 *     one the bound evicts and the first to expire, since every record lives the same time. So the Map's own
 *     order is the eviction queue, and nothing per record is kept beside it;
 *   - a record's key is a one-character provider code and the provider's id; its value is one string of one-byte
 *     (latin1) characters: when it was put, its terms' short forms, then its sealed summary;
 *   - a posting list is keyed by the first 32 bits of the term's hash (posting-table.ts: no string, no Map entry),
 *     and holds one record key as a plain string (the record's own key string, shared), or an array once a second
 *     record shares the term. Two terms may share those 32 bits, so a record found through a list counts only if
 *     its own string holds the term's first 48 bits;
 *   - a list holds at most `POSTING_CAP` records, the most recently put: search answers a few dozen at most, and
 *     the generic-identifier rule needs only to know that more than a handful share one.
 */
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
/** A record's value starts with when it was put (ms, 48 bits) and its number of terms (8 bits). */
const PUT_AT_BYTES = 6;
const HEADER_BYTES = PUT_AT_BYTES + 1;
/** At most this many terms per record are indexed (a record with more identifiers is found by its first ones). */
const MAX_TERMS = 255;

export class MemoryIndex implements BlindIndex {
  /** Record key → value, oldest put first. */
  private readonly records = new Map<string, string>();
  private readonly postings = new PostingTable();
  /** Providers by code (a record key's first character), and how many records each has. */
  private readonly providers: string[] = [];
  private readonly counts: number[] = [];
  private readonly ttlMs: number;

  constructor(
    private readonly keys: IndexKeys,
    private readonly clock: Clock,
    private readonly limits: MemoryIndexLimits,
  ) {
    this.ttlMs = limits.ttlSeconds * 1000;
  }

  async put(ref: RecordRef, features: RecordFeatures, summary: RecordSummary): Promise<void> {
    this.sweep();
    const key = this.recordKey(ref);
    const digests = indexTerms(features)
      .slice(0, MAX_TERMS)
      .map((term) => this.keys.digest(term.kind, term.value));
    const sealed = this.keys.sealBytes(summary);
    const value = Buffer.allocUnsafe(HEADER_BYTES + digests.length * TERM_BYTES + sealed.length);
    value.writeUIntLE(Math.max(0, Math.floor(this.clock.now())), 0, PUT_AT_BYTES);
    value[PUT_AT_BYTES] = digests.length;
    digests.forEach((digest, i) => value.write(digest, HEADER_BYTES + i * TERM_BYTES, TERM_BYTES, 'latin1'));
    sealed.copy(value, HEADER_BYTES + digests.length * TERM_BYTES);
    // The previous put's postings go first, so that terms the record no longer has stop finding it; deleting also
    // moves the record to the end of the Map's order (the most recently put).
    this.delete(key);
    this.records.set(key, value.toString('latin1'));
    for (const digest of digests) this.addPosting(slotAt(digest, 0), key);
    const code = key.charCodeAt(0);
    this.counts[code] = (this.counts[code] ?? 0) + 1;
    if (this.records.size > this.limits.maxRecords) {
      const oldest = this.records.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
  }

  async remove(ref: RecordRef): Promise<void> {
    this.delete(this.recordKey(ref));
  }

  async has(ref: RecordRef): Promise<boolean> {
    this.sweep();
    return this.records.has(this.recordKey(ref));
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
    const code = this.providers.indexOf(provider);
    return code < 0 ? 0 : (this.counts[code] ?? 0);
  }

  /** Records held (expired ones included until the next call sweeps them). */
  get size(): number {
    return this.records.size;
  }

  /**
   * The records holding any of the terms, those holding more of them first, then the most recently put; at most
   * `limit`. A record whose summary does not open (it cannot, short of a bug) is left out.
   */
  private find(digests: readonly string[], limit: number): IndexedRecord[] {
    this.sweep();
    const hits = new Map<string, number>();
    for (const digest of digests) {
      const term = digest.slice(0, TERM_BYTES);
      const list = this.postings.get(slotAt(digest, 0));
      const keys = list === undefined ? [] : typeof list === 'string' ? [list] : list;
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        const value = this.records.get(key);
        if (value !== undefined && holdsTerm(value, term)) hits.set(key, (hits.get(key) ?? 0) + 1);
      }
    }
    const ranked = [...hits].sort((a, b) => b[1] - a[1]);
    const found: IndexedRecord[] = [];
    for (const [key] of ranked) {
      if (found.length >= limit) break;
      const value = this.records.get(key);
      const summary = value === undefined ? undefined : this.keys.unsealBytes(sealedPart(value));
      if (summary) found.push({ ref: this.refOf(key), summary });
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

  /** A record leaves the index (replaced, removed, evicted or expired): its postings and its count go too. */
  private delete(key: string): void {
    const value = this.records.get(key);
    if (value === undefined) return;
    this.records.delete(key);
    const terms = value.charCodeAt(PUT_AT_BYTES);
    for (let i = 0; i < terms; i++) this.removePosting(slotAt(value, HEADER_BYTES + i * TERM_BYTES), key);
    const code = key.charCodeAt(0);
    this.counts[code] = (this.counts[code] ?? 1) - 1;
  }

  /**
   * Lets the expired records go, with their postings and counts. They are the least recently put ones (every
   * record lives the same time), so the sweep stops at the first record still alive.
   */
  private sweep(): void {
    const oldestAlive = this.clock.now() - this.ttlMs;
    for (const [key, value] of this.records) {
      if (putAt(value) >= oldestAlive) break;
      this.delete(key);
    }
  }

  /**
   * One flat string per record: the provider's code, then its id (a template literal may leave a rope of its
   * parts, which costs more than the text).
   */
  private recordKey(ref: RecordRef): string {
    let code = this.providers.indexOf(ref.provider);
    if (code < 0) code = this.providers.push(ref.provider) - 1;
    return Buffer.from(String.fromCharCode(code) + ref.providerId).toString();
  }

  private refOf(key: string): RecordRef {
    return { provider: this.providers[key.charCodeAt(0)] ?? '', providerId: key.slice(1) };
  }
}

/** When the record was put (ms), from its value's first six characters. */
function putAt(value: string): number {
  let ms = 0;
  for (let i = PUT_AT_BYTES - 1; i >= 0; i--) ms = ms * 256 + value.charCodeAt(i);
  return ms;
}

/** The posting slot of the term at `at` (a digest, or a record's value): its first 32 bits, little-endian. */
function slotAt(value: string, at: number): number {
  return (
    value.charCodeAt(at) |
    (value.charCodeAt(at + 1) << 8) |
    (value.charCodeAt(at + 2) << 16) |
    (value.charCodeAt(at + 3) << 24)
  );
}

function holdsTerm(value: string, term: string): boolean {
  const terms = value.charCodeAt(PUT_AT_BYTES);
  for (let i = 0; i < terms; i++) if (value.startsWith(term, HEADER_BYTES + i * TERM_BYTES)) return true;
  return false;
}

function sealedPart(value: string): Buffer {
  return Buffer.from(value.slice(HEADER_BYTES + value.charCodeAt(PUT_AT_BYTES) * TERM_BYTES), 'latin1');
}
