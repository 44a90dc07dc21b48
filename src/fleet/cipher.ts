/**
 * Encryption at rest of what the gateway stores in Redis (`CACHE_ENCRYPTION_KEY`): AES-256-GCM from
 * node:crypto, a fresh 96-bit IV per value, and the Redis key as additional authenticated data, so that a
 * value copied under another key (or altered) fails to open instead of answering for the wrong customer.
 *
 * Layout of a sealed value: version byte 0x01 | IV (12) | tag (16) | ciphertext.
 */
import { createCipheriv, createDecipheriv, createHmac, hash, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class ValueCipher {
  private readonly sealKey: Buffer;
  /** A second key, derived from the first, for the names of keys (never the same key for two purposes). */
  private readonly nameKey: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('CACHE_ENCRYPTION_KEY must be 32 bytes');
    this.sealKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'customer-gateway values', 32));
    this.nameKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'customer-gateway key names', 32));
  }

  seal(plain: Buffer | string, aad: string): Buffer {
    return sealWith(this.sealKey, plain, aad);
  }

  /** The plain bytes, or undefined when the value is not sealed under this key for this `aad`. */
  open(sealed: Buffer, aad: string): Buffer | undefined {
    return openWith(this.sealKey, sealed, aad);
  }

  /** A keyed digest for key names: without the key, a guessable id cannot be confirmed from a Redis key. */
  name(text: string): string {
    return createHmac('sha256', this.nameKey).update(text).digest('base64url').slice(0, 22);
  }
}

/**
 * The digest that names a Redis key after something that must not show in a key listing (a customer id, a client's
 * address or name, a credential): an HMAC under the fleet's key (`CACHE_ENCRYPTION_KEY`, required in production),
 * else, outside production, a plain SHA-256.
 */
export function keyDigest(cipher: ValueCipher | undefined, text: string): string {
  return cipher ? cipher.name(text) : hash('sha256', text, 'base64url').slice(0, 22);
}

/** Seals `plain` under a 32-byte key: version | fresh IV | tag | ciphertext, `aad` bound to it. */
export function sealWith(key: Buffer, plain: Buffer | string, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), body]);
}

/** The plain bytes of a value sealed by `sealWith`, or undefined when it was not sealed under `key` for `aad`. */
export function openWith(key: Buffer, sealed: Buffer, aad: string): Buffer | undefined {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) return undefined;
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}
