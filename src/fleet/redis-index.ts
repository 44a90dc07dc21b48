/**
 * The blind index in Redis, shared by the fleet: every replica feeds it and searches it. Under the fleet's prefix:
 *   - `ix:r:<record>`: a hash per record: its reference and summary, each sealed and bound to this key, and the
 *     hashes of its terms (so that a put or a purge finds the postings to take it out of);
 *   - `ix:k:<term hash>`: a sorted set of the records holding the term, scored by when each expires; at most
 *     `POSTING_CAP` of them, the latest put;
 *   - `ix:p:<provider>`: a sorted set of the provider's records, scored the same way, for the counts.
 * `<record>` is a keyed hash of the provider and its id, never the id. Every key has a TTL, renewed by each put,
 * so an index nobody feeds empties itself; the scores let a reader skip an expired member before Redis drops it.
 *
 * A put reads the record's previous terms, then writes everything: two round trips. On one server (or behind
 * Sentinel) the writes are one MULTI, atomic. In a Cluster a record's keys and its terms' posting lists are
 * spread over the nodes (a posting list is shared by every record holding the term, so no hash tag can put them
 * together): each key's writes are a MULTI of their own, atomic per key, not together. Either way, two replicas
 * putting one record at once, or a put cut short in a Cluster, may leave a posting that the record no longer
 * holds: every read checks that the record still holds the term it was found by, so such a posting finds nothing
 * and is trimmed by the cap or the TTL; a posting missing for a record that holds the term (a Cluster put cut
 * short) is written by the record's next put. A value that fails its shape, or does not open under `INDEX_KEY`,
 * is a miss. Reads of several keys are sent at once (`FleetRedis.pipelined`): one round trip on one server, one per
 * node in a Cluster.
 *
 * Redis failures reject (`RedisUnavailable`): the caller decides, and a search or a link answers without the
 * index rather than fail.
 */
import type { ChainableCommander } from 'ioredis';
import { POSTING_CAP, type BlindIndex, type IndexedRecord } from '../linking/blind-index.js';
import type { IndexKeys } from '../linking/index-keys.js';
import { indexTerms } from '../linking/index-terms.js';
import { nameTokens } from '../linking/names.js';
import type { RecordFeatures, RecordRef, RecordSummary, StrongFeature } from '../linking/types.js';
import type { FleetRedis } from './redis.js';
import { storedIndexRecordSchema, valid } from './stored-shapes.js';

export interface RedisIndexOptions {
  ttlSeconds: number;
}

/** The fields of a record's hash, in the order they are read. */
const FIELDS = ['ref', 'summary', 'keys'] as const;

interface StoredRecord {
  ref: string;
  summary: string;
  keys: string;
}

export class RedisIndex implements BlindIndex {
  private readonly ttlMs: number;

  constructor(
    private readonly redis: FleetRedis,
    private readonly keys: IndexKeys,
    options: RedisIndexOptions,
  ) {
    this.ttlMs = options.ttlSeconds * 1000;
  }

  async put(ref: RecordRef, features: RecordFeatures, summary: RecordSummary): Promise<void> {
    const record = this.recordName(ref);
    const recordKey = this.redis.key('ix', 'r', record);
    const terms = [...new Set(indexTerms(features).map((term) => this.keys.hash(term.kind, term.value)))];
    const now = this.redis.clock.now();
    const expiresAt = now + this.ttlMs;
    const previous = await this.previousTerms(recordKey);
    const stored: StoredRecord = {
      ref: this.keys.sealRef(ref, record),
      summary: this.keys.seal(summary, record),
      keys: terms.join(' '),
    };
    const providerKey = this.providerKey(ref.provider);
    // One group per key: see the header for what is atomic in each topology.
    await this.redis.transaction('index put', [
      ...previous
        .filter((term) => !terms.includes(term))
        .map((term) => (multi: ChainableCommander) => multi.zrem(this.termKey(term), record)),
      ...terms.map((term) => (multi: ChainableCommander) => {
        const key = this.termKey(term);
        multi.zadd(key, expiresAt, record);
        multi.zremrangebyscore(key, '-inf', `(${now}`);
        multi.zremrangebyrank(key, 0, -(POSTING_CAP + 1));
        multi.pexpire(key, this.ttlMs);
      }),
      (multi) => multi.hset(recordKey, stored).pexpire(recordKey, this.ttlMs),
      (multi) => multi.zadd(providerKey, expiresAt, record).pexpire(providerKey, this.ttlMs),
    ]);
  }

  async has(ref: RecordRef): Promise<boolean> {
    const recordKey = this.redis.key('ix', 'r', this.recordName(ref));
    return (await this.redis.run('index has', (client) => client.exists(recordKey))) === 1;
  }

  async remove(ref: RecordRef): Promise<void> {
    const record = this.recordName(ref);
    const recordKey = this.redis.key('ix', 'r', record);
    const previous = await this.previousTerms(recordKey);
    await this.redis.transaction('index remove', [
      ...previous.map((term) => (multi: ChainableCommander) => multi.zrem(this.termKey(term), record)),
      (multi) => multi.del(recordKey),
      (multi) => multi.zrem(this.providerKey(ref.provider), record),
    ]);
  }

  async holders(feature: StrongFeature, value: string, limit: number): Promise<IndexedRecord[]> {
    if (limit <= 0) return [];
    const term = this.keys.hash(feature, value);
    const now = this.redis.clock.now();
    const records = await this.redis.run('index holders', (client) =>
      client.zrevrangebyscore(this.termKey(term), '+inf', `(${now}`, 'LIMIT', 0, POSTING_CAP),
    );
    return this.load(records, [term], limit);
  }

  async withNameTokens(tokens: readonly string[], limit: number): Promise<IndexedRecord[]> {
    const terms = [...new Set(tokens.flatMap((token) => nameTokens(token)))].map((token) =>
      this.keys.hash('nameToken', token),
    );
    if (limit <= 0 || terms.length === 0) return [];
    const now = this.redis.clock.now();
    const lists = await this.redis.pipelined(
      'index names',
      terms.map(
        (term) => (pipeline: ChainableCommander) =>
          pipeline.zrevrangebyscore(this.termKey(term), '+inf', `(${now}`, 'LIMIT', 0, POSTING_CAP),
      ),
    );
    // Those holding more of the words first; among equals, the order of the lists (latest put first).
    const hits = new Map<string, number>();
    for (const list of lists) {
      if (!Array.isArray(list)) continue;
      for (const record of list) if (typeof record === 'string') hits.set(record, (hits.get(record) ?? 0) + 1);
    }
    const ranked = [...hits].sort((a, b) => b[1] - a[1]).map(([record]) => record);
    return this.load(ranked, terms, limit);
  }

  async count(provider: string): Promise<number> {
    const key = this.providerKey(provider);
    const now = this.redis.clock.now();
    const [[, counted] = []] = await this.redis.transaction('index count', [
      (multi) => multi.zremrangebyscore(key, '-inf', `(${now}`).zcard(key),
    ]);
    return typeof counted === 'number' ? counted : 0;
  }

  /** The keyed hash that names a record in Redis (its provider's id never shows in a key or a value). */
  private recordName(ref: RecordRef): string {
    return this.keys.hash('record', `${ref.provider}\u0000${ref.providerId}`);
  }

  private termKey(term: string): string {
    return this.redis.key('ix', 'k', term);
  }

  private providerKey(provider: string): string {
    return this.redis.key('ix', 'p', provider);
  }

  /** The terms the record was last put with (none if it is absent or unreadable). */
  private async previousTerms(recordKey: string): Promise<string[]> {
    const keys = await this.redis.run('index get', (client) => client.hget(recordKey, 'keys'));
    return typeof keys === 'string' && valid(storedIndexRecordSchema.extract('keys'), keys) !== undefined
      ? splitTerms(keys)
      : [];
  }

  /**
   * The first `limit` of the candidate records (in order) that are stored, open under this index's key and still
   * hold one of `terms`. Read `limit` at a time: a candidate that fails is replaced by the next.
   */
  private async load(
    candidates: readonly unknown[],
    terms: readonly string[],
    limit: number,
  ): Promise<IndexedRecord[]> {
    const records = candidates.filter((record): record is string => typeof record === 'string');
    const found: IndexedRecord[] = [];
    for (let from = 0; from < records.length && found.length < limit;) {
      const batch = records.slice(from, from + limit - found.length);
      from += batch.length;
      const rows = await this.redis.pipelined(
        'index read',
        batch.map(
          (record) => (pipeline: ChainableCommander) => pipeline.hmget(this.redis.key('ix', 'r', record), ...FIELDS),
        ),
      );
      batch.forEach((record, i) => {
        const opened = this.open(record, rows[i], terms);
        if (opened) found.push(opened);
      });
    }
    return found;
  }

  private open(record: string, row: unknown, terms: readonly string[]): IndexedRecord | undefined {
    if (!Array.isArray(row)) return undefined;
    const [ref, summary, keys] = row as unknown[];
    const stored = valid<StoredRecord>(storedIndexRecordSchema, { ref, summary, keys });
    if (!stored) return undefined;
    const held = splitTerms(stored.keys);
    if (!terms.some((term) => held.includes(term))) return undefined;
    const openedRef = this.keys.unsealRef(stored.ref, record);
    const openedSummary = this.keys.unseal(stored.summary, record);
    return openedRef && openedSummary ? { ref: openedRef, summary: openedSummary } : undefined;
  }
}

function splitTerms(keys: string): string[] {
  return keys === '' ? [] : keys.split(' ');
}
