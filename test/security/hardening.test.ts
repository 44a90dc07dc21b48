/**
 * HTTP hardening: helmet's headers with a strict CSP, URL and header size caps, CORS by origin list only, and
 * the `TRUST_PROXY` / `CORS_ORIGINS` values the configuration accepts.
 */
import { ConfigError, loadConfig } from '../../config/index.js';
import { adapters } from '../../providers/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { withGateway } from './fixtures.js';

const DASHBOARD = 'https://dashboard.example.com';
let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    env: {
      CORS_ORIGINS: `${DASHBOARD}, http://localhost:5173`,
      GATEWAY_MAX_URL_LENGTH: '200',
      GATEWAY_MAX_HEADER_BYTES: '2048',
    },
  });
});
afterAll(async () => gw.close());

describe('security headers', () => {
  test.each(['/healthz', '/customers/tango/zanzibar-health', '/customers/tango/x', '/nowhere'])(
    '%s carries helmet’s headers and a self-only CSP',
    async (path) => {
      const res = await fetch(gw.url + path);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-powered-by')).toBeNull();
    },
  );
});

describe('size limits', () => {
  test('a URL longer than GATEWAY_MAX_URL_LENGTH is an invalid-request problem before any routing', async () => {
    const res = await fetch(`${gw.url}/customers/tango/${'a'.repeat(190)}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      type: '/problems/invalid-request',
      detail: 'The request URL is longer than 200 characters.',
    });
    expect(gw.sim('tango').log.some((r) => r.path.includes('a'.repeat(150)))).toBe(false);
  });

  test('request headers over GATEWAY_MAX_HEADER_BYTES are refused by the server with 431', async () => {
    // The test gateway listens on the server src/server.ts builds (src/http-server.ts).
    expect((await fetch(`${gw.url}/healthz`, { headers: { 'X-Padding': 'p'.repeat(1000) } })).status).toBe(200);
    const refused = await fetch(`${gw.url}/healthz`, { headers: { 'X-Padding': 'p'.repeat(3000) } });
    expect(refused.status).toBe(431);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('CORS', () => {
  test('a listed origin is allowed, with the headers a dashboard reads exposed', async () => {
    const res = await gw.lookup('tango', 'zanzibar-health', { headers: { Origin: DASHBOARD } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(res.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/Origin/);
  });

  test('a preflight from a listed origin is answered 204 without credentials', async () => {
    const res = await fetch(`${gw.url}/customers/tango/zanzibar-health`, {
      method: 'OPTIONS',
      headers: {
        Origin: DASHBOARD,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(res.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(res.headers.get('access-control-allow-methods')).toContain('GET');
  });

  test('a dashboard on its own origin may send a batch: the preflight allows POST with a JSON body', async () => {
    const res = await fetch(`${gw.url}/customers/batch`, {
      method: 'OPTIONS',
      headers: {
        Origin: DASHBOARD,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-api-key',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    const batch = await fetch(`${gw.url}/customers/batch`, {
      method: 'POST',
      headers: { Origin: DASHBOARD, 'Content-Type': 'application/json' },
      body: JSON.stringify({ lookups: [{ provider: 'tango', id: 'zanzibar-health' }] }),
    });
    expect(batch.status).toBe(200);
    expect(batch.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
  });

  test('another origin gets no CORS headers, and its preflight is not answered as one', async () => {
    const res = await gw.lookup('tango', 'zanzibar-health', { headers: { Origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${gw.url}/customers/tango/zanzibar-health`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(preflight.status).toBe(405);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('without CORS_ORIGINS no CORS header is ever sent', () =>
    withGateway({}, async (plain) => {
      const res = await plain.lookup('tango', 'zanzibar-health', { headers: { Origin: DASHBOARD } });
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('vary') ?? '').not.toMatch(/Origin/);
    }));
});

describe('configuration of the hardening knobs', () => {
  const security = (env: Record<string, string>) => loadConfig(env, adapters).security;

  test.each<[string, unknown]>([
    ['false', false],
    ['2', 2],
    ['10.0.0.0/8, loopback, 2001:db8::/32, 192.0.2.7', ['10.0.0.0/8', 'loopback', '2001:db8::/32', '192.0.2.7']],
  ])('TRUST_PROXY=%s', (value, expected) => {
    expect(security({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  test('TRUST_PROXY defaults to false and CORS to no origin', () => {
    expect(security({}).trustProxy).toBe(false);
    expect(security({}).corsOrigins).toEqual([]);
  });

  test.each([
    // Any hop: a caller would write its own X-Forwarded-For and pick the address its budgets count under.
    ['TRUST_PROXY', 'true'],
    ['TRUST_PROXY', 'yes please'],
    ['TRUST_PROXY', '10.0.0.0/40'],
    ['CORS_ORIGINS', '*'],
    ['CORS_ORIGINS', 'https://dashboard.example.com/'],
    ['CORS_ORIGINS', 'dashboard.example.com'],
  ])('%s=%s is a configuration error naming the variable', (name, value) => {
    expect(() => security({ [name]: value })).toThrow(ConfigError);
    expect(() => security({ [name]: value })).toThrow(name);
  });
});
