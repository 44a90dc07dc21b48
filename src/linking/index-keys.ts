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

  /**
   * HMAC-SHA256(INDEX_KEY, `kind:value`), truncated to `HASH_BYTES`, as one-byte (latin1) text: node writes it
   * straight into a string, where a Buffer would take a native allocation per term (the embedded index hashes
   * several terms per record).
   */
  digest(kind: HashKind, value: string): string {
    return createHmac('sha256', this.key).update(`${kind}:${value}`).digest('binary').slice(0, HASH_BYTES);
  }

  /** The digest as base64url (22 characters): what names a term or a record in Redis. */
  hash(kind: HashKind, value: string): string {
    return Buffer.from(this.digest(kind, value), 'latin1').toString('base64url');
  }

  /** The summary sealed (AES-256-GCM, a fresh IV each time), bound to `context` (where it is stored). */
  seal(summary: RecordSummary, context = ''): string {
    return this.sealBytes(summary, context).toString('base64url');
  }

  /** The summary, or undefined when `sealed` does not open under this key and context or is not a summary. */
  unseal(sealed: string, context = ''): RecordSummary | undefined {
    return this.unsealBytes(Buffer.from(sealed, 'base64url'), context);
  }

  /** `seal` as bytes, for the embedded index, which keeps them as they are. */
  sealBytes(summary: RecordSummary, context = ''): Buffer {
    return sealWith(this.sealKey, encodeSummary(summary), `summary:${context}`);
  }

  unsealBytes(sealed: Buffer, context = ''): RecordSummary | undefined {
    const plain = openWith(this.sealKey, sealed, `summary:${context}`);
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
 * A summary's plain bytes, short because the embedded index keeps one per record: one byte for type, status and
 * which texts are absent, `indexedAt` in six, then the display name and the folded name, each after its length,
 * and the country as the rest. The folded name is most often the display name's lower-case start (a legal form
 * dropped, nothing else changed): it is then kept as its length alone.
 */
const TYPES: readonly CustomerType[] = ['individual', 'organization', 'unknown'];
const STATUSES: readonly CustomerStatus[] = ['active', 'pending', 'inactive', 'unknown'];
const TIME_BYTES = 6;
/** Flags above the type and status code (which needs 4 bits). */
const NO_DISPLAY_NAME = 0x10;
const NO_NAME = 0x20;
const NAME_IS_PREFIX = 0x40;
const NO_COUNTRY = 0x80;
/** Lengths below 128 take one byte, longer ones two (the high bit set): texts are cut to fit. */
const MAX_TEXT_BYTES = 0x7fff;

function encodeSummary(summary: RecordSummary): Buffer {
  const { displayName, name, country } = summary;
  const nameIsPrefix = name !== null && displayName?.toLowerCase().startsWith(name) === true;
  let code = TYPES.indexOf(summary.type) * STATUSES.length + STATUSES.indexOf(summary.status);
  if (displayName === null) code |= NO_DISPLAY_NAME;
  if (name === null) code |= NO_NAME;
  if (nameIsPrefix) code |= NAME_IS_PREFIX;
  if (country === null) code |= NO_COUNTRY;
  const time = Buffer.allocUnsafe(TIME_BYTES);
  time.writeUIntBE(Math.max(0, Math.floor(summary.indexedAt)), 0, TIME_BYTES);
  const parts: Buffer[] = [Buffer.of(code), time];
  if (displayName !== null) parts.push(...withLength(Buffer.from(displayName)));
  if (nameIsPrefix) parts.push(lengthBytes(name.length));
  else if (name !== null) parts.push(...withLength(Buffer.from(name)));
  if (country !== null) parts.push(Buffer.from(country));
  return Buffer.concat(parts);
}

function decodeSummary(plain: Buffer): RecordSummary | undefined {
  const code = plain[0];
  if (code === undefined || plain.length < 1 + TIME_BYTES) return undefined;
  let at = 1 + TIME_BYTES;
  const readLength = (): number | undefined => {
    const first = plain[at];
    if (first === undefined) return undefined;
    if (first < 0x80) return ((at += 1), first);
    const second = plain[at + 1];
    if (second === undefined) return undefined;
    at += 2;
    return ((first & 0x7f) << 8) | second;
  };
  const readText = (): string | undefined => {
    const length = readLength();
    if (length === undefined || at + length > plain.length) return undefined;
    return plain.toString('utf8', at, (at += length));
  };
  const displayName = code & NO_DISPLAY_NAME ? null : readText();
  let name: string | null | undefined = null;
  if (code & NAME_IS_PREFIX) {
    const length = readLength();
    name = length === undefined ? undefined : displayName?.toLowerCase().slice(0, length);
  } else if (!(code & NO_NAME)) name = readText();
  const kind = code & 0x0f;
  return valid<RecordSummary>(summarySchema, {
    displayName,
    type: TYPES[Math.floor(kind / STATUSES.length)],
    status: STATUSES[kind % STATUSES.length],
    indexedAt: plain.readUIntBE(1, TIME_BYTES),
    name,
    country: code & NO_COUNTRY ? null : plain.toString('utf8', at),
  });
}

function lengthBytes(length: number): Buffer {
  return length < 0x80 ? Buffer.of(length) : Buffer.of(0x80 | (length >> 8), length & 0xff);
}

function withLength(text: Buffer): Buffer[] {
  const cut = text.subarray(0, MAX_TEXT_BYTES);
  return [lengthBytes(cut.length), cut];
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
