/**
 * The blind index's keys: hashes that stand for identifiers without revealing them, and summaries sealed so that
 * only `INDEX_KEY` opens them; anything else (altered, another key, another place, another shape) opens as nothing.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { sealWith } from '../../src/fleet/cipher.js';
import { IndexKeys } from '../../src/linking/index-keys.js';
import type { RecordSummary } from '../../src/linking/types.js';

const KEY = Buffer.alloc(32, 7);
const keys = new IndexKeys(KEY);

const summary: RecordSummary = {
  displayName: 'Fjordline Shipping AS',
  type: 'organization',
  status: 'active',
  indexedAt: Date.UTC(2026, 11, 1, 12, 0, 0),
  name: 'fjordline shipping',
  country: 'NO',
};

test('a hash is HMAC-SHA256(INDEX_KEY, `kind:value`) cut to 16 bytes, as base64url', () => {
  const expected = createHmac('sha256', KEY)
    .update('email:post@fjordline.no')
    .digest()
    .subarray(0, 16)
    .toString('base64url');
  expect(keys.hash('email', 'post@fjordline.no')).toBe(expected);
  expect(keys.hash('email', 'post@fjordline.no')).toHaveLength(22);
});

test('the same value hashes the same under one key, differently under another key or as another kind', () => {
  const again = new IndexKeys(Buffer.alloc(32, 7));
  const other = new IndexKeys(Buffer.alloc(32, 8));
  expect(again.hash('phone', '+4791234567')).toBe(keys.hash('phone', '+4791234567'));
  expect(other.hash('phone', '+4791234567')).not.toBe(keys.hash('phone', '+4791234567'));
  expect(keys.hash('nameToken', '4791234567')).not.toBe(keys.hash('phone', '4791234567'));
  expect(IndexKeys.random().hash('phone', '+4791234567')).not.toBe(keys.hash('phone', '+4791234567'));
});

test('a key that is not 32 bytes is refused', () => {
  expect(() => new IndexKeys(Buffer.alloc(16))).toThrow('INDEX_KEY must be 32 bytes');
});

test.each<[string, RecordSummary]>([
  ['an organisation whose folded name starts its display name', summary],
  ['a folded name that differs from the display name', { ...summary, displayName: 'Ærø Café AS', name: 'aero cafe' }],
  ['a person without a folded name or country', { ...summary, type: 'individual', name: null, country: null }],
  ['no display name at all', { ...summary, displayName: null, status: 'unknown', type: 'unknown' }],
  ['an empty display name', { ...summary, displayName: '', name: '', status: 'pending' }],
  ['texts with quotes and a NUL', { ...summary, displayName: 'A "B"\u0000C', name: 'a "b"', status: 'inactive' }],
  ['a display name longer than 127 bytes', { ...summary, displayName: `${'Ø'.repeat(90)} AS`, name: 'ø'.repeat(90) }],
  ['a folded name longer than 127 bytes', { ...summary, displayName: 'X', name: 'y'.repeat(300), country: 'NOR' }],
])('a summary of %s seals and opens to itself', (_case, value) => {
  expect(keys.unseal(keys.seal(value))).toEqual(value);
});

test('each seal uses a fresh IV: the same summary seals differently every time', () => {
  expect(keys.seal(summary)).not.toBe(keys.seal(summary));
});

test('a sealed summary shows none of its texts, in its text or its bytes', () => {
  const sealed = keys.seal(summary);
  const bytes = Buffer.from(sealed, 'base64url').toString('latin1');
  for (const clear of ['Fjordline', 'fjordline', 'shipping', 'organization', 'active']) {
    expect(sealed).not.toContain(clear);
    expect(bytes).not.toContain(clear);
  }
});

const flip = (sealed: string, at: number) => {
  const bytes = Buffer.from(sealed, 'base64url');
  bytes[at] = (bytes[at] ?? 0) ^ 1;
  return bytes.toString('base64url');
};

test.each<[string, () => string | undefined]>([
  ['altered in its ciphertext', () => flip(keys.seal(summary), 40)],
  ['altered in its tag', () => flip(keys.seal(summary), 20)],
  ['cut short', () => keys.seal(summary).slice(0, 30)],
  ['that is empty', () => ''],
  ['of random bytes', () => randomBytes(80).toString('base64url')],
  ['that is not base64 at all', () => '{"displayName":"Fjordline"}'],
])('a sealed summary %s opens as nothing', (_case, sealed) => {
  expect(keys.unseal(sealed() ?? '')).toBeUndefined();
});

test('a summary sealed under another key (INDEX_KEY rotated) opens as nothing', () => {
  expect(IndexKeys.random().unseal(keys.seal(summary))).toBeUndefined();
});

test('a summary sealed for one place does not open in another', () => {
  const sealed = keys.seal(summary, 'record-a');
  expect(keys.unseal(sealed, 'record-a')).toEqual(summary);
  expect(keys.unseal(sealed, 'record-b')).toBeUndefined();
  expect(keys.unseal(sealed)).toBeUndefined();
});

/** A value sealed under the summary key (HKDF of INDEX_KEY, info `customer-gateway index summary`). */
const sealedUnderSummaryKey = (plain: Buffer) => {
  const key = Buffer.from(hkdfSync('sha256', KEY, Buffer.alloc(0), 'customer-gateway index summary', 32));
  return sealWith(key, plain, 'summary:').toString('base64url');
};
const header = (code: number) => Buffer.from([code, 0, 0, 0, 0, 0, 1]);
/** Type organization (1), status active (0): code 4; with the folded name kept as the display name's start: 0x44. */
const ORGANIZATION_ACTIVE = 4;
const NAME_IS_PREFIX = 0x40;
const text = (value: string) => Buffer.concat([Buffer.of(Buffer.byteLength(value)), Buffer.from(value)]);

test('the summary key is derived from INDEX_KEY by HKDF (a well-formed value sealed with it opens)', () => {
  const plain = Buffer.concat([
    header(ORGANIZATION_ACTIVE | NAME_IS_PREFIX),
    text('Fjordline AS'),
    Buffer.of(9),
    Buffer.from('NO'),
  ]);
  expect(keys.unseal(sealedUnderSummaryKey(plain))).toEqual({
    displayName: 'Fjordline AS',
    type: 'organization',
    status: 'active',
    indexedAt: 1,
    name: 'fjordline',
    country: 'NO',
  });
});

test.each<[string, Buffer]>([
  ['a type and status code out of range', Buffer.concat([header(0x0f), text('A'), text('a'), Buffer.from('NO')])],
  [
    'a display name longer than what is left',
    Buffer.concat([header(ORGANIZATION_ACTIVE), Buffer.of(50), Buffer.from('A')]),
  ],
  ['a folded name longer than what is left', Buffer.concat([header(ORGANIZATION_ACTIVE), text('A'), Buffer.of(9)])],
  ['no length for the folded name', Buffer.concat([header(ORGANIZATION_ACTIVE | NAME_IS_PREFIX), text('A')])],
  ['a two-byte length cut after its first byte', Buffer.concat([header(ORGANIZATION_ACTIVE), Buffer.of(0x81)])],
  ['an empty country', Buffer.concat([header(ORGANIZATION_ACTIVE), text('A'), text('a')])],
  ['nothing but a header', header(ORGANIZATION_ACTIVE).subarray(0, 3)],
])('a value that opens but holds %s is not a summary', (_case, plain) => {
  expect(keys.unseal(sealedUnderSummaryKey(plain))).toBeUndefined();
});

test('a record reference seals and opens to itself, only in its own place, and never as a summary', () => {
  const ref = { provider: 'frontpayment', providerId: '3f1c9d2e-4b1f-9c2d-8e7a-12ab' };
  const sealed = keys.sealRef(ref, 'record-a');
  expect(keys.unsealRef(sealed, 'record-a')).toEqual(ref);
  expect(keys.unsealRef(sealed, 'record-b')).toBeUndefined();
  expect(keys.unseal(sealed, 'record-a')).toBeUndefined();
  expect(keys.unsealRef(keys.seal(summary, 'record-a'), 'record-a')).toBeUndefined();
  expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain('3f1c9d2e');
});
