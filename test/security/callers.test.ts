/**
 * Callers: a JWT's lifetime is bounded (`GATEWAY_JWT_MAX_AGE_SECONDS`: `iat` required, not in the future, age and
 * `exp − iat` within the maximum), its subject must be a well-formed client name before it is used (never
 * echoed into a problem or the log), and failed authentications are throttled per source address, where the
 * source honours `TRUST_PROXY` so that one client behind the API gateway does not lock out another.
 */
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import {
  AUDIENCE,
  bearer,
  ISSUER,
  keyFile,
  newApiKey,
  sha256Hex,
  startIssuer,
  withGateway,
  xApiKey,
  type Issuer,
} from './fixtures.js';

const CUSTOMER = '/customers/tango/zanzibar-health';
const KEY = newApiKey();

let issuer: Issuer;
let gw: TestGateway;
beforeAll(async () => {
  issuer = await startIssuer();
  gw = await startTestGateway({
    env: {
      GATEWAY_JWT_JWKS_URL: issuer.jwksUrl,
      GATEWAY_JWT_ISSUER: ISSUER,
      GATEWAY_JWT_AUDIENCE: AUDIENCE,
      GATEWAY_JWT_MAX_AGE_SECONDS: '600',
      GATEWAY_JWT_CLOCK_TOLERANCE_SECONDS: '5',
      // This file's own throttle tests use gateways of their own.
      GATEWAY_AUTH_FAILURES_PER_MINUTE: '0',
    },
  });
});
afterAll(async () => {
  await gw.close();
  await issuer.close();
});

const lookup = (headers: Record<string, string>) => fetch(gw.url + CUSTOMER, { headers });
const claims = { sub: 'dashboard-user', providers: '*', scope: '' };

describe('a JWT’s lifetime', () => {
  test('a token within the maximum is accepted', async () => {
    expect((await lookup(bearer(await issuer.sign(claims, { expiresIn: 300 })))).status).toBe(200);
    expect((await lookup(bearer(await issuer.sign(claims, { issuedAt: -500, expiresIn: 60 })))).status).toBe(200);
  });

  test.each<[string, Parameters<Issuer['sign']>[1]]>([
    ['exp ten years ahead', { expiresIn: 10 * 365 * 86400 }],
    ['exp − iat just over the maximum', { expiresIn: 600 + 60 }],
    ['issued longer ago than the maximum, still unexpired', { issuedAt: -700, expiresIn: 60 }],
    ['iat in the future beyond the clock tolerance', { issuedAt: 120, expiresIn: 300 }],
    ['no iat at all', { omitIat: true }],
  ])('%s: 401', async (_name, options) => {
    const res = await lookup(bearer(await issuer.sign(claims, options)));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { type: string }).type).toBe('/problems/unauthorized');
  });

  test('iat a little ahead, within the clock tolerance, is accepted', async () => {
    expect((await lookup(bearer(await issuer.sign(claims, { issuedAt: 3 })))).status).toBe(200);
  });
});

describe('a JWT’s subject', () => {
  test.each(['evil\r\nX-Injected: 1', '<script>alert(1)</script>', 'a'.repeat(65), 'name with spaces', 'ünïcode'])(
    'a subject that is no valid client name (%j) is refused, and never echoed',
    async (sub) => {
      const token = await issuer.sign({ sub, providers: 'adobe-vip', scope: '' });
      const res = await lookup(bearer(token));
      const body = await res.text();
      expect(res.status).toBe(401);
      expect(body).not.toContain(sub);
      expect(body).not.toMatch(/script|Injected/);
      expect(gw.logText()).not.toMatch(/<script>|X-Injected/);
    },
  );

  test('a valid subject without the provider is named in the 403 detail', async () => {
    const token = await issuer.sign({ sub: 'billing-app.v2', providers: 'adobe-vip', scope: '' });
    const res = await lookup(bearer(token));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toContain('"billing-app.v2"');
  });
});

describe('failed authentications are throttled per source', () => {
  const keys = keyFile([{ name: 'app', keySha256: [sha256Hex(KEY)], providers: ['*'], scopes: [] }]);

  test('past the limit a source gets 429 with Retry-After, even with a valid key; the count is per minute', () =>
    withGateway({ env: { GATEWAY_API_KEYS: keys, GATEWAY_AUTH_FAILURES_PER_MINUTE: '3' } }, async (g) => {
      const call = (headers: Record<string, string>) => fetch(g.url + CUSTOMER, { headers });
      for (let i = 0; i < 3; i++) expect((await call(xApiKey(`wrong-${i}`))).status).toBe(401);
      const throttled = await call(xApiKey('wrong-again'));
      expect(throttled.status).toBe(429);
      expect(((await throttled.json()) as { type: string }).type).toBe('/problems/rate-limited');
      const retryAfter = Number(throttled.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // A guesser learns nothing more: a valid key from that source waits too.
      expect((await call(xApiKey(KEY))).status).toBe(429);
    }));

  test('successes do not count, and an unthrottled source is not slowed', () =>
    withGateway({ env: { GATEWAY_API_KEYS: keys, GATEWAY_AUTH_FAILURES_PER_MINUTE: '2' } }, async (g) => {
      for (let i = 0; i < 5; i++) expect((await fetch(g.url + CUSTOMER, { headers: xApiKey(KEY) })).status).toBe(200);
    }));

  test('behind the API gateway (TRUST_PROXY=1) one client’s failures do not lock out another', () =>
    withGateway(
      { env: { GATEWAY_API_KEYS: keys, GATEWAY_AUTH_FAILURES_PER_MINUTE: '2', TRUST_PROXY: '1' } },
      async (g) => {
        const from = (ip: string, key: string) =>
          fetch(g.url + CUSTOMER, { headers: { ...xApiKey(key), 'X-Forwarded-For': ip } });
        expect((await from('198.51.100.7', 'wrong')).status).toBe(401);
        expect((await from('198.51.100.7', 'wrong')).status).toBe(401);
        expect((await from('198.51.100.7', KEY)).status).toBe(429);
        expect((await from('198.51.100.8', KEY)).status).toBe(200);
      },
    ));

  test('GATEWAY_AUTH_FAILURES_PER_MINUTE=0 turns the throttle off', () =>
    withGateway({ env: { GATEWAY_API_KEYS: keys, GATEWAY_AUTH_FAILURES_PER_MINUTE: '0' } }, async (g) => {
      for (let i = 0; i < 5; i++) expect((await fetch(g.url + CUSTOMER, { headers: xApiKey('x') })).status).toBe(401);
    }));
});
