/**
 * The PII policy end to end: a national id is clear only for callers holding `pii:read` (API key or JWT), in
 * `data` and in `?include=raw`; everyone else, the open sandbox included, gets the masked form. Then the logs
 * of every gateway of this file are grepped for the keys, the tokens and the national ids they handled.
 */
import { adapters } from '../../providers/index.js';
import { customerKey } from '../../src/core/cache-key.js';
import type { ProviderAdapter } from '../../src/core/provider.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import {
  AUDIENCE,
  bearer,
  ISSUER,
  keyFile,
  newApiKey,
  sha256Hex,
  startIssuer,
  xApiKey,
  type Issuer,
} from './fixtures.js';
import { PII_CUSTOMER, piiTestAdapter } from './pii-adapter.js';

/** Every registered provider, plus the test-only one that certainly has national ids. */
const PROVIDERS: readonly ProviderAdapter[] = [...adapters, piiTestAdapter];
const READER_KEY = newApiKey();
const PII_KEY = newApiKey();
const MASKED = '*******2345';

interface Answer {
  data: { nationalId: string | null };
  raw?: { personalNumber?: string };
}

let issuer: Issuer;
let gw: TestGateway;
let open: TestGateway;
const secrets: string[] = [READER_KEY, PII_KEY];

beforeAll(async () => {
  issuer = await startIssuer();
  gw = await startTestGateway({
    adapters: PROVIDERS,
    env: {
      GATEWAY_API_KEYS: keyFile([
        { name: 'reader', keySha256: [sha256Hex(READER_KEY)], providers: ['*'], scopes: [] },
        { name: 'case-worker', keySha256: [sha256Hex(PII_KEY)], providers: ['*'], scopes: ['pii:read'] },
      ]),
      GATEWAY_JWT_JWKS_URL: issuer.jwksUrl,
      GATEWAY_JWT_ISSUER: ISSUER,
      GATEWAY_JWT_AUDIENCE: AUDIENCE,
    },
  });
  open = await startTestGateway({ adapters: PROVIDERS });
});
afterAll(async () => {
  await gw.close();
  await open.close();
  await issuer.close();
});

async function read(
  g: TestGateway,
  headers: Record<string, string>,
  query?: string,
): Promise<{ res: Response; body: Answer }> {
  const res = await g.lookup('piitest', PII_CUSTOMER.id, { headers, ...(query ? { query } : {}) });
  expect(res.status).toBe(200);
  return { res, body: (await res.json()) as Answer };
}

test('without pii:read, the national id is masked in data and raw; the answer varies on the credential', async () => {
  for (const headers of [bearer(READER_KEY), xApiKey(READER_KEY)]) {
    const { res, body } = await read(gw, headers, 'include=raw');
    expect(body.data.nationalId).toBe(MASKED);
    expect(body.raw?.personalNumber).toBe(MASKED);
    expect(res.headers.get('vary')).toMatch(/Authorization/);
    expect(res.headers.get('vary')).toMatch(/X-Api-Key/);
    expect(res.headers.get('cache-control')).toMatch(/^private/);
  }
});

test('with pii:read, the national id is clear in data and in raw, under another ETag', async () => {
  const masked = await read(gw, bearer(READER_KEY), 'include=raw');
  const clear = await read(gw, xApiKey(PII_KEY), 'include=raw');
  expect(clear.body.data.nationalId).toBe(PII_CUSTOMER.personalNumber);
  expect(clear.body.raw?.personalNumber).toBe(PII_CUSTOMER.personalNumber);
  expect(clear.res.headers.get('etag')).not.toBe(masked.res.headers.get('etag'));
  // An answer with the national id in clear is never kept by the caller's cache; a masked one may be.
  expect(clear.res.headers.get('cache-control')).toBe('no-store');
  expect(masked.res.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
  expect((await read(gw, xApiKey(PII_KEY))).res.headers.get('cache-control')).toBe('no-store');
  // A masked ETag never validates the clear answer (and the other way round).
  const revalidate = await gw.lookup('piitest', PII_CUSTOMER.id, {
    headers: { ...bearer(PII_KEY), 'If-None-Match': String(masked.res.headers.get('etag')) },
    query: 'include=raw',
  });
  expect(revalidate.status).toBe(200);
});

test('the ETags reveal nothing of the data: no hash of the clear answer, a new tag for a new entry', async () => {
  const { createHash } = await import('node:crypto');
  const first = await gw.lookup('piitest', PII_CUSTOMER.id, { headers: xApiKey(PII_KEY) });
  const text = await first.text();
  const data = JSON.stringify((JSON.parse(text) as { data: unknown }).data);
  const etag = String(first.headers.get('etag'));
  for (const algorithm of ['sha1', 'sha256', 'md5']) {
    for (const encoding of ['base64url', 'base64', 'hex'] as const) {
      expect(etag).not.toContain(createHash(algorithm).update(data).digest(encoding).slice(0, 16));
    }
  }
  // The same data stored anew (after a purge) gets another version: the tag follows the entry, not the bytes.
  gw.services.cache.delete(customerKey('piitest', PII_CUSTOMER.id));
  const again = await gw.lookup('piitest', PII_CUSTOMER.id, { headers: xApiKey(PII_KEY) });
  expect(JSON.stringify(((await again.json()) as { data: unknown }).data)).toBe(data);
  expect(again.headers.get('etag')).not.toBe(etag);
});

test('a JWT carries pii:read in its scope claim, or does not', async () => {
  const withScope = await issuer.sign({ sub: 'support-agent', providers: ['piitest'], scope: 'pii:read' });
  const without = await issuer.sign({ sub: 'dashboard', providers: ['piitest'], scope: 'cache:purge' });
  secrets.push(withScope, without);
  expect((await read(gw, bearer(withScope))).body.data.nationalId).toBe(PII_CUSTOMER.personalNumber);
  expect((await read(gw, bearer(without))).body.data.nationalId).toBe(MASKED);
});

test('the open sandbox never unmasks, whatever credential is sent', async () => {
  const { body } = await read(open, bearer(PII_KEY), 'include=raw');
  expect(body.data.nationalId).toBe(MASKED);
  expect(body.raw?.personalNumber).toBe(MASKED);
});

test('no log line of these runs holds an API key, a token or a national id', async () => {
  // Failures too: a refused key and a tampered token take other code paths.
  secrets.push(newApiKey());
  await gw.lookup('tango', 'zanzibar-health', { headers: bearer(secrets.at(-1) ?? '') });
  const tampered = `${secrets[2] ?? ''}x`;
  secrets.push(tampered);
  await gw.lookup('piitest', PII_CUSTOMER.id, { headers: bearer(tampered) });

  // Every provider whose seeded example has a national id: read it in clear, then look for it in the logs.
  const nationalIds: string[] = [];
  for (const adapter of PROVIDERS) {
    const res = await gw.lookup(adapter.id, adapter.exampleId, { headers: bearer(PII_KEY), query: 'include=raw' });
    expect(res.status).toBe(200);
    const nationalId = ((await res.json()) as Answer).data.nationalId;
    if (nationalId !== null) nationalIds.push(nationalId);
  }
  expect(nationalIds).toContain(PII_CUSTOMER.personalNumber);

  const text = gw.logText() + open.logText();
  expect(text.length).toBeGreaterThan(0);
  for (const secret of [...secrets, ...nationalIds]) expect(text).not.toContain(secret);
  // And no credential header made it in under its own name.
  expect(text).not.toMatch(/"authorization":"(?!\[redacted\])/i);
  expect(text).not.toMatch(/"x-api-key":"(?!\[redacted\])/i);
});
