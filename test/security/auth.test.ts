/**
 * Inbound authentication and grants through real HTTP: every credential kind (none, API key as Bearer, API
 * key as X-Api-Key, JWT) against every method and grant that matters, the JWT checks against a local JWKS,
 * and key rotation.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { adapters } from '../../providers/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import {
  AUDIENCE,
  bearer,
  ISSUER,
  keyFile,
  newApiKey,
  sha256Hex,
  startIssuer,
  unsignedToken,
  withGateway,
  xApiKey,
  type Issuer,
} from './fixtures.js';
import { PII_CUSTOMER, piiTestAdapter } from './pii-adapter.js';

const LIMITED_KEY = newApiKey();
const FULL_KEY = newApiKey();
const CUSTOMER = '/customers/tango/zanzibar-health';
const OTHER_PROVIDER = `/customers/piitest/${PII_CUSTOMER.id}`;
const PURGE = '/cache/customers/tango/zanzibar-health';

let issuer: Issuer;
let gw: TestGateway;
const tokens: Record<'limited' | 'full', string> = { limited: '', full: '' };

beforeAll(async () => {
  issuer = await startIssuer();
  // The key file as an operator writes it, read from disk.
  const dir = mkdtempSync(join(tmpdir(), 'gw-keys-'));
  const file = join(dir, 'keys.json');
  writeFileSync(
    file,
    keyFile([
      { name: 'limited-app', keySha256: [sha256Hex(LIMITED_KEY)], providers: ['tango'], scopes: [] },
      {
        name: 'full-app',
        keySha256: [sha256Hex(FULL_KEY).toUpperCase()],
        providers: ['*'],
        scopes: ['pii:read', 'cache:purge'],
      },
    ]),
  );
  gw = await startTestGateway({
    adapters: [...adapters, piiTestAdapter],
    env: {
      GATEWAY_API_KEYS_FILE: file,
      GATEWAY_JWT_JWKS_URL: issuer.jwksUrl,
      GATEWAY_JWT_ISSUER: ISSUER,
      GATEWAY_JWT_AUDIENCE: AUDIENCE,
    },
  });
  tokens.limited = await issuer.sign({ sub: 'dashboard-user', providers: ['tango'], scope: '' });
  tokens.full = await issuer.sign({ azp: 'support-console', providers: '*', scope: 'pii:read cache:purge' });
});
afterAll(async () => {
  await gw.close();
  await issuer.close();
});

const call = (method: string, path: string, headers: Record<string, string> = {}) =>
  fetch(gw.url + path, { method, headers });

type Kind = 'an API key as Bearer' | 'an API key as X-Api-Key' | 'a JWT';
const credentials = (kind: Kind, grant: 'limited' | 'full'): Record<string, string> => {
  if (kind === 'a JWT') return bearer(tokens[grant]);
  const key = grant === 'limited' ? LIMITED_KEY : FULL_KEY;
  return kind === 'an API key as Bearer' ? bearer(key) : xApiKey(key);
};
const KINDS: Kind[] = ['an API key as Bearer', 'an API key as X-Api-Key', 'a JWT'];

describe('without credentials', () => {
  test.each([
    ['GET', CUSTOMER],
    ['HEAD', CUSTOMER],
    ['POST', CUSTOMER],
    ['DELETE', PURGE],
    ['GET', '/customers/nope/whatever'],
  ])('%s %s is 401 unauthorized with a Bearer challenge', async (method, path) => {
    const res = await call(method, path);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="customer-gateway"');
    if (method !== 'HEAD') expect(((await res.json()) as { type: string }).type).toBe('/problems/unauthorized');
  });

  test.each(['/healthz', '/readyz', '/providers', '/problems/forbidden'])(
    'the public route %s answers without credentials',
    async (path) => {
      expect((await call('GET', path)).status).toBe(200);
    },
  );
});

describe.each(KINDS)('with %s', (kind) => {
  test('a granted provider answers 200, in GET and HEAD', async () => {
    for (const grant of ['limited', 'full'] as const) {
      const get = await call('GET', CUSTOMER, credentials(kind, grant));
      expect(get.status).toBe(200);
      expect(get.headers.get('vary')).toMatch(/Authorization.*X-Api-Key/);
      const head = await call('HEAD', CUSTOMER, credentials(kind, grant));
      expect(head.status).toBe(200);
      expect(await head.text()).toBe('');
    }
  });

  test('a provider outside the grant is 403 forbidden; inside it, 200', async () => {
    const denied = await call('GET', OTHER_PROVIDER, credentials(kind, 'limited'));
    expect(denied.status).toBe(403);
    expect((await denied.json()) as object).toMatchObject({ type: '/problems/forbidden', provider: 'piitest' });
    expect((await call('GET', OTHER_PROVIDER, credentials(kind, 'full'))).status).toBe(200);
  });

  test('purging without the cache:purge scope is 403; with it, 204', async () => {
    const denied = await call('DELETE', PURGE, credentials(kind, 'limited'));
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { detail: string }).detail).toMatch(/cache:purge/);
    await call('GET', CUSTOMER, credentials(kind, 'full'));
    expect((await call('DELETE', PURGE, credentials(kind, 'full'))).status).toBe(204);
  });

  test.each([
    ['POST', CUSTOMER, 'GET, HEAD'],
    ['PUT', CUSTOMER, 'GET, HEAD'],
    ['DELETE', CUSTOMER, 'GET, HEAD'],
    ['GET', PURGE, 'DELETE'],
    ['POST', PURGE, 'DELETE'],
  ])('%s %s is 405 with Allow: %s', async (method, path, allow) => {
    const res = await call(method, path, credentials(kind, 'full'));
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
  });
});

describe('credentials that are refused', () => {
  test.each<[string, () => Record<string, string>]>([
    ['an unknown API key as Bearer', () => bearer(newApiKey())],
    ['an unknown API key as X-Api-Key', () => xApiKey(newApiKey())],
    [
      'a valid key as X-Api-Key next to another Authorization',
      () => ({ ...xApiKey(FULL_KEY), Authorization: `Bearer ${LIMITED_KEY}` }),
    ],
    ['HTTP Basic', () => ({ Authorization: `Basic ${Buffer.from(`x:${FULL_KEY}`).toString('base64')}` })],
    ['the key file hash sent as the key', () => bearer(sha256Hex(FULL_KEY))],
    ['a valid JWT sent as X-Api-Key', () => xApiKey(tokens.full)],
  ])('%s is 401 with error="invalid_token"', async (_name, headers) => {
    const res = await call('GET', CUSTOMER, headers());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="customer-gateway", error="invalid_token"');
  });
});

describe('JWT checks against the issuer JWKS', () => {
  test.each<[string, string, () => Promise<string>]>([
    ['expired', 'ERR_JWT_EXPIRED', () => issuer.sign({ sub: 'a', providers: '*' }, { expiresIn: -120 })],
    [
      'not yet valid',
      'ERR_JWT_CLAIM_VALIDATION_FAILED nbf',
      () => issuer.sign({ sub: 'a', providers: '*' }, { notBefore: 3600 }),
    ],
    [
      'for another audience',
      'ERR_JWT_CLAIM_VALIDATION_FAILED aud',
      () => issuer.sign({ sub: 'a', providers: '*' }, { audience: 'another-api' }),
    ],
    [
      'from another issuer',
      'ERR_JWT_CLAIM_VALIDATION_FAILED iss',
      () => issuer.sign({ sub: 'a', providers: '*' }, { issuer: 'https://evil.test/' }),
    ],
    [
      'signed by a key the JWKS does not hold (same kid)',
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      () => issuer.sign({ sub: 'a', providers: '*' }, { foreignKey: true }),
    ],
    [
      'signed with an unknown kid',
      'ERR_JWKS_NO_MATCHING_KEY',
      () => issuer.sign({ sub: 'a', providers: '*' }, { kid: 'k-unknown', foreignKey: true }),
    ],
    [
      'without an expiry',
      'ERR_JWT_CLAIM_VALIDATION_FAILED exp',
      () => issuer.sign({ sub: 'a', providers: '*' }, { omitExp: true }),
    ],
    ['without a subject', 'token names no subject (sub, azp or client_id)', () => issuer.sign({ providers: '*' })],
    [
      'of another kind (an OpenID logout token)',
      'ERR_JWT_TYP typ',
      () => issuer.sign({ sub: 'a', providers: '*' }, { typ: 'logout+jwt' }),
    ],
    [
      'unsecured (alg: none)',
      'ERR_JOSE_ALG_NOT_ALLOWED',
      async () => unsignedToken({ sub: 'a', providers: '*', scope: 'pii:read' }),
    ],
    [
      'HS256 with a guessed secret',
      'ERR_JOSE_ALG_NOT_ALLOWED',
      () =>
        new SignJWT({ sub: 'a', providers: '*' })
          .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode('x'.repeat(32))),
    ],
    [
      'tampered (payload changed after signing)',
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      async () => {
        const [h, , s] = tokens.limited.split('.');
        const payload = Buffer.from(
          JSON.stringify({
            sub: 'dashboard-user',
            providers: '*',
            scope: 'pii:read',
            iss: ISSUER,
            aud: AUDIENCE,
            exp: 9999999999,
          }),
        ).toString('base64url');
        return `${h}.${payload}.${s}`;
      },
    ],
  ])('a token %s is 401 invalid_token (%s)', async (_name, reason, make) => {
    const res = await call('GET', CUSTOMER, bearer(await make()));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    // The refusal is for the reason under test, not for another flaw of the test token.
    const requestId = res.headers.get('x-request-id');
    expect(gw.logs().find((l) => l.requestId === requestId && l.msg === 'bearer token refused')?.reason).toBe(reason);
  });

  test.each(['at+jwt', 'application/at+jwt', 'JWT'])('an access token typed %s is accepted', async (typ) => {
    const token = await issuer.sign({ sub: 'typed', providers: '*' }, { typ });
    expect((await call('GET', CUSTOMER, bearer(token))).status).toBe(200);
  });

  test('the scope and providers claims may be arrays or strings', async () => {
    const token = await issuer.sign({ sub: 'array-claims', providers: 'tango piitest', scope: ['cache:purge'] });
    expect((await call('GET', OTHER_PROVIDER, bearer(token))).status).toBe(200);
    await call('GET', CUSTOMER, bearer(token));
    expect((await call('DELETE', PURGE, bearer(token))).status).toBe(204);
  });

  test('a token with no providers claim may use no provider', async () => {
    const token = await issuer.sign({ sub: 'nothing-granted', scope: 'pii:read' });
    expect((await call('GET', CUSTOMER, bearer(token))).status).toBe(403);
  });

  test('the key set is fetched once and cached, not per request', async () => {
    const before = issuer.fetches;
    for (let i = 0; i < 3; i++) expect((await call('GET', CUSTOMER, bearer(tokens.full))).status).toBe(200);
    expect(issuer.fetches).toBe(before);
  });
});

test('when the JWKS cannot be reached, a token is not waved through: 500 internal-error, logged', async () => {
  const down = await startIssuer();
  const token = await down.sign({ sub: 'a', providers: '*' });
  const url = down.jwksUrl;
  await down.close();
  await withGateway(
    { env: { GATEWAY_JWT_JWKS_URL: url, GATEWAY_JWT_ISSUER: ISSUER, GATEWAY_JWT_AUDIENCE: AUDIENCE } },
    async (g) => {
      const res = await fetch(g.url + CUSTOMER, { headers: bearer(token) });
      expect(res.status).toBe(500);
      expect(((await res.json()) as { type: string }).type).toBe('/problems/internal-error');
      expect(g.logs().some((l) => l.level === 50 && String(l.msg).includes('JWKS'))).toBe(true);
    },
  );
});

describe('key rotation', () => {
  const oldKey = newApiKey();
  const newKey = newApiKey();
  const client = (hashes: string[]) =>
    keyFile([{ name: 'rotating-app', keySha256: hashes, providers: ['tango'], scopes: [] }]);

  test('in a rotation both keys of one client work; once the old hash is gone, the old key is refused', async () => {
    await withGateway({ env: { GATEWAY_API_KEYS: client([sha256Hex(oldKey), sha256Hex(newKey)]) } }, async (during) => {
      expect((await fetch(during.url + CUSTOMER, { headers: bearer(oldKey) })).status).toBe(200);
      expect((await fetch(during.url + CUSTOMER, { headers: xApiKey(newKey) })).status).toBe(200);
    });
    await withGateway({ env: { GATEWAY_API_KEYS: client([sha256Hex(newKey)]) } }, async (after) => {
      expect((await fetch(after.url + CUSTOMER, { headers: bearer(oldKey) })).status).toBe(401);
      expect((await fetch(after.url + CUSTOMER, { headers: bearer(newKey) })).status).toBe(200);
    });
  });
});

test('the request log names the caller, never its credential', async () => {
  await call('GET', CUSTOMER, bearer(FULL_KEY));
  const line = gw.logs().find((l) => l.client === 'full-app' && l.method === 'GET');
  expect(line).toMatchObject({ client: 'full-app', clearPii: true });
  expect(gw.logText()).not.toContain(FULL_KEY);
});
