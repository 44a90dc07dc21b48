/**
 * The gateway's own per-client limit: draft-8 `RateLimit`/`RateLimit-Policy` headers, a `rate-limited` 429
 * problem with `Retry-After` past the limit, a limit per client from the key file, and per IP when open (where
 * `TRUST_PROXY` decides which address counts).
 */
import { addressKey } from '../../src/security/rate-limit.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { bearer, keyFile, newApiKey, sha256Hex, withGateway, xApiKey } from './fixtures.js';

const TIGHT_KEY = newApiKey();
const NORMAL_KEY = newApiKey();
const CUSTOMER = '/customers/tango/zanzibar-health';

describe('per client, from the key file', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      env: {
        GATEWAY_RATE_LIMIT_PER_MINUTE: '5',
        GATEWAY_API_KEYS: keyFile([
          {
            name: 'tight-app',
            keySha256: [sha256Hex(TIGHT_KEY)],
            providers: ['*'],
            scopes: ['cache:purge'],
            rateLimitPerMinute: 2,
          },
          { name: 'normal-app', keySha256: [sha256Hex(NORMAL_KEY)], providers: ['*'], scopes: [] },
        ]),
      },
    });
  });
  afterAll(async () => gw.close());

  test('answers carry the draft-8 RateLimit headers with the client’s own quota', async () => {
    const res = await fetch(gw.url + CUSTOMER, { headers: bearer(NORMAL_KEY) });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-policy')).toMatch(/^"per-client-5-in-1min"; q=5; w=60; pk=:[^:]+:$/);
    expect(res.headers.get('ratelimit')).toMatch(/^"per-client-5-in-1min"; r=4; t=\d+$/);
  });

  test('past its limit a client gets a 429 rate-limited problem with Retry-After; others are unaffected', async () => {
    // The same client, whichever header carries its key, and purges count too.
    expect((await fetch(gw.url + CUSTOMER, { headers: bearer(TIGHT_KEY) })).status).toBe(200);
    const second = await fetch(gw.url + CUSTOMER, { headers: xApiKey(TIGHT_KEY) });
    expect(second.status).toBe(200);
    expect(second.headers.get('ratelimit')).toMatch(/r=0;/);

    const limited = await fetch(gw.url + '/cache/customers/tango/zanzibar-health', {
      method: 'DELETE',
      headers: bearer(TIGHT_KEY),
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(limited.headers.get('cache-control')).toBe('no-store');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('ratelimit-policy')).toContain('q=2');
    expect(await limited.json()).toMatchObject({
      type: '/problems/rate-limited',
      status: 429,
      retryable: true,
      instance: '/cache/customers/tango/zanzibar-health',
    });

    expect((await fetch(gw.url + CUSTOMER, { headers: bearer(NORMAL_KEY) })).status).toBe(200);
    expect(gw.logs().some((l) => l.problem === 'rate-limited' && l.client === 'tight-app')).toBe(true);
  });

  test('public routes are not counted', async () => {
    const res = await fetch(`${gw.url}/providers`);
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit')).toBeNull();
  });
});

describe('per IP when open', () => {
  const from = (g: TestGateway, ip: string) => fetch(g.url + CUSTOMER, { headers: { 'X-Forwarded-For': ip } });

  test.each(['1', 'loopback', '127.0.0.0/8, 10.0.0.0/8'])(
    'with TRUST_PROXY=%s each forwarded client address has its own budget',
    (trustProxy) =>
      withGateway({ env: { GATEWAY_RATE_LIMIT_PER_MINUTE: '1', TRUST_PROXY: trustProxy } }, async (gw) => {
        expect((await from(gw, '203.0.113.1')).status).toBe(200);
        expect((await from(gw, '203.0.113.1')).status).toBe(429);
        expect((await from(gw, '203.0.113.2')).status).toBe(200);
      }),
  );

  test('with TRUST_PROXY unset X-Forwarded-For is ignored: one peer, one budget', () =>
    withGateway({ env: { GATEWAY_RATE_LIMIT_PER_MINUTE: '1' } }, async (gw) => {
      expect((await from(gw, '203.0.113.1')).status).toBe(200);
      expect((await from(gw, '203.0.113.2')).status).toBe(429);
    }));

  test('GATEWAY_RATE_LIMIT_PER_MINUTE=0 turns the limit off', () =>
    withGateway({ env: { GATEWAY_RATE_LIMIT_PER_MINUTE: '0' } }, async (gw) => {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(gw.url + CUSTOMER);
        expect(res.status).toBe(200);
        expect(res.headers.get('ratelimit')).toBeNull();
      }
    }));
});

describe('the address that spends a budget', () => {
  test('IPv4 is counted per address, also when it arrives mapped into IPv6', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  test('IPv6 is counted per /56, so one subscriber cannot mint budgets from its own prefix', () => {
    expect(addressKey('2001:db8:abcd:12ff:1:2:3:4')).toBe('2001:db8:abcd:1200::/56');
    expect(addressKey('2001:db8:abcd:1234::9')).toBe(addressKey('2001:db8:abcd:12ff:1:2:3:4'));
    expect(addressKey('2001:db8:abcd:1300::1')).not.toBe(addressKey('2001:db8:abcd:12ff::1'));
  });
});
