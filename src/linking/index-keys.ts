/**
 * The keys of the blind index, all from `INDEX_KEY` (32 bytes): the keyed hashes that stand for normalised
 * identifiers, name tokens and record references, and the sealing of what the index keeps per record (its summary
 * and, in Redis, its reference). Without the key, a reader of the index can tell which records share something,
 * never what, and cannot confirm a guessed e-mail, phone, name or id against it.
 *
 * A sealed value that does not open (altered, cut short, sealed under another key, e.g. before `INDEX_KEY` was
 * rotated) or does not have the expected shape once open reads as absent: a rotation turns the index into misses
 * until records are seen again, never into errors.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import Joi from 'joi';
import { openWith, sealWith } from '../fleet/cipher.js';
import { valid } from '../fleet/stored-shapes.js';
import type { CustomerStatus, CustomerType } from '../core/model.js';
import type { RecordRef, RecordSummary, StrongFeature } from './types.js';

/** What a hash stands for: an identifier, a name token, or (for Redis key names) a record reference. */
export type HashKind = StrongFeature | 'nameToken' | 'record';

/** 128 bits: no collision among the index's terms in practice, and short enough to keep the index compact. */
export const HASH_BYTES = 16;

const SUMMARY_INFO = 'customer-gateway index summary';

const summarySchema = Joi.object({
  displayName: Joi.string().allow('', null).required(),
  type: Joi.valid('individual', 'organization', 'unknown').required(),
  status: Joi.valid('active', 'pending', 'inactive', 'unknown').required(),
  indexedAt: Joi.number().integer().min(0).required(),
  name: Joi.string().allow('', null).required(),
  country: Joi.string().allow(null).required(),
});

const refSchema = Joi.object({
  provider: Joi.string().required(),
  providerId: Joi.string().required(),
});

export class IndexKeys {
  private readonly sealKey: Buffer;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('INDEX_KEY must be 32 bytes');
    // The hashes are keyed with INDEX_KEY itself; sealing gets a key of its own, never the same key for two uses.
    this.sealKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), SUMMARY_INFO, 32));
  }

  /** A key made at start: the sandbox's index lives and dies with the process. */
  static random(): IndexKeys {
    return new IndexKeys(randomBytes(32));
  }

  /** HMAC-SHA256(INDEX_KEY, `kind:value`), truncated to `HASH_BYTES`. */
  digest(kind: HashKind, value: string): Buffer {
    return createHmac('sha256', this.key).update(`${kind}:${value}`).digest().subarray(0, HASH_BYTES);
  }

  /** The digest as text (base64url, 22 characters): what names a term or a record in the index. */
  hash(kind: HashKind, value: string): string {
    return this.digest(kind, value).toString('base64url');
  }

  /** The summary sealed (AES-256-GCM, a fresh IV each time), bound to `context` (where it is stored). */
  seal(summary: RecordSummary, context = ''): string {
    return sealWith(this.sealKey, encodeSummary(summary), `summary:${context}`).toString('base64url');
  }

  /** The summary, or undefined when `sealed` does not open under this key and context or is not a summary. */
  unseal(sealed: string, context = ''): RecordSummary | undefined {
    const plain = openWith(this.sealKey, Buffer.from(sealed, 'base64url'), `summary:${context}`);
    return plain && decodeSummary(plain);
  }

  /** A record reference sealed like a summary (Redis keeps it beside the summary; a provider's id is personal). */
  sealRef(ref: RecordRef, context = ''): string {
    return sealWith(this.sealKey, JSON.stringify([ref.provider, ref.providerId]), `ref:${context}`).toString(
      'base64url',
    );
  }

  unsealRef(sealed: string, context = ''): RecordRef | undefined {
    const plain = openWith(this.sealKey, Buffer.from(sealed, 'base64url'), `ref:${context}`);
    const fields = plain && parseJson(plain);
    if (!Array.isArray(fields) || fields.length !== 2) return undefined;
    const [provider, providerId] = fields as unknown[];
    return valid<RecordRef>(refSchema, { provider, providerId });
  }
}

/*
 * A summary's plain bytes, short because the embedded index keeps one per record: type and status in one byte,
 * `indexedAt` in six, then the texts as JSON. The folded name is most often the display name's lower-case start
 * (a legal form dropped, nothing else changed): it is then kept as its length.
 */
const TYPES: readonly CustomerType[] = ['individual', 'organization', 'unknown'];
const STATUSES: readonly CustomerStatus[] = ['active', 'pending', 'inactive', 'unknown'];
const TIME_BYTES = 6;

function encodeSummary(summary: RecordSummary): Buffer {
  const { displayName, name, country } = summary;
  const nameAsLength = name !== null && displayName?.toLowerCase().startsWith(name) === true;
  const texts = Buffer.from(JSON.stringify([displayName, nameAsLength ? name.length : name, country]));
  const plain = Buffer.allocUnsafe(1 + TIME_BYTES + texts.length);
  plain[0] = TYPES.indexOf(summary.type) * STATUSES.length + STATUSES.indexOf(summary.status);
  plain.writeUIntBE(Math.max(0, Math.floor(summary.indexedAt)), 1, TIME_BYTES);
  texts.copy(plain, 1 + TIME_BYTES);
  return plain;
}

function decodeSummary(plain: Buffer): RecordSummary | undefined {
  const code = plain[0];
  if (code === undefined || plain.length < 1 + TIME_BYTES) return undefined;
  const texts = parseJson(plain.subarray(1 + TIME_BYTES));
  if (!Array.isArray(texts) || texts.length !== 3) return undefined;
  const [displayName, storedName, country] = texts as unknown[];
  const name =
    typeof storedName === 'number' && typeof displayName === 'string'
      ? displayName.toLowerCase().slice(0, storedName)
      : storedName;
  return valid<RecordSummary>(summarySchema, {
    displayName,
    type: TYPES[Math.floor(code / STATUSES.length)],
    status: STATUSES[code % STATUSES.length],
    indexedAt: plain.readUIntBE(1, TIME_BYTES),
    name,
    country,
  });
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
