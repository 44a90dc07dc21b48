/**
 * Fail closed: anonymous access only when every enabled provider is answered by its built-in simulator, or by
 * the explicit `GATEWAY_ALLOW_ANONYMOUS=true` outside production. A real upstream without inbound
 * authentication stops the real process with one line, whatever NODE_ENV says.
 */
import { ConfigError, loadConfig } from '../../config/index.js';
import { adapters } from '../../providers/index.js';
import { runServer, stderrLines } from '../support/server-process.js';
import { withGateway } from './fixtures.js';
import { PII_CUSTOMER, piiTestAdapter } from './pii-adapter.js';

/** A real-looking upstream with its credentials, and no inbound authentication. */
const REAL_TANGO = {
  PROVIDERS: 'tango',
  TANGO_BASE_URL: 'https://integration-api.tangocard.com/raas/v2',
  TANGO_PLATFORM_NAME: 'acme',
  TANGO_PLATFORM_KEY: 'k3y-value',
};

const NO_AUTH = /^Configuration error: .*inbound authentication.*GATEWAY_API_KEYS_FILE.*GATEWAY_JWT_JWKS_URL/;
const ANONYMOUS_IN_PRODUCTION = /^Configuration error: "GATEWAY_ALLOW_ANONYMOUS" is refused in production/;

/** The line the process prints when `loadConfig` refuses `env` (src/server.ts writes the ConfigError's message). */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env, adapters);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

/**
 * The real process for one case of each outcome; every refusal takes the same path (the ConfigError's message as
 * the one line, exit 1), so the other spellings of NODE_ENV are checked on the `loadConfig` call the process makes,
 * without a process start each.
 */
describe('the real process, with a real upstream and no inbound authentication', () => {
  test('refuses to start with NODE_ENV unset, in one line saying why', async () => {
    const { code, stdout, stderr } = await runServer(REAL_TANGO);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderrLines(stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(NO_AUTH);
    expect(lines[0]).not.toContain('k3y-value');
  }, 90_000);

  test.each(['prod', 'Production', 'development'])('refuses it with NODE_ENV=%s too, in the same line', (nodeEnv) => {
    const line = refusal({ ...REAL_TANGO, NODE_ENV: nodeEnv });
    expect(line).toMatch(NO_AUTH);
    expect(line).not.toContain('k3y-value');
    expect(line).not.toContain('\n');
  });

  test('starts open, with its warning, when GATEWAY_ALLOW_ANONYMOUS=true says so', async () => {
    const { stdout } = await runServer({ ...REAL_TANGO, GATEWAY_ALLOW_ANONYMOUS: 'true' });
    expect(stdout).toContain('customer-gateway listening');
    expect(stdout).toContain('the gateway is OPEN');
  }, 90_000);

  test('refuses GATEWAY_ALLOW_ANONYMOUS=true with NODE_ENV=production', async () => {
    const { code, stderr } = await runServer({
      ...REAL_TANGO,
      GATEWAY_ALLOW_ANONYMOUS: 'true',
      NODE_ENV: 'production',
    });
    expect(code).toBe(1);
    const lines = stderrLines(stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(ANONYMOUS_IN_PRODUCTION);
  }, 90_000);

  test.each(['Production', 'prod'])('refuses GATEWAY_ALLOW_ANONYMOUS=true with NODE_ENV=%s too', (nodeEnv) => {
    expect(refusal({ ...REAL_TANGO, GATEWAY_ALLOW_ANONYMOUS: 'true', NODE_ENV: nodeEnv })).toMatch(
      ANONYMOUS_IN_PRODUCTION,
    );
  });
});

describe('the configuration decides', () => {
  const load = (env: Record<string, string>) => loadConfig(env, adapters);

  test('open when every enabled provider is simulated (no base URL at all)', () => {
    expect(load({}).security.open).toBe(true);
    expect(load({ PROVIDERS: 'tango,frontpayment' }).security.open).toBe(true);
  });

  test('one real upstream among simulated ones is enough to refuse, and the message names it', () => {
    expect(() =>
      load({ TANGO_BASE_URL: REAL_TANGO.TANGO_BASE_URL, TANGO_PLATFORM_NAME: 'a', TANGO_PLATFORM_KEY: 'b' }),
    ).toThrow(ConfigError);
    expect(() =>
      load({ TANGO_BASE_URL: REAL_TANGO.TANGO_BASE_URL, TANGO_PLATFORM_NAME: 'a', TANGO_PLATFORM_KEY: 'b' }),
    ).toThrow(/TANGO_BASE_URL/);
  });

  test('API keys or a JWKS close it', () => {
    const keys = JSON.stringify([{ name: 'app', keySha256: ['a'.repeat(64)], providers: ['*'] }]);
    expect(load({ ...REAL_TANGO, GATEWAY_API_KEYS: keys }).security.open).toBe(false);
    const jwt = {
      GATEWAY_JWT_JWKS_URL: 'https://issuer.example/jwks.json',
      GATEWAY_JWT_ISSUER: 'https://issuer.example/',
      GATEWAY_JWT_AUDIENCE: 'gw',
    };
    expect(load({ ...REAL_TANGO, ...jwt }).security.open).toBe(false);
  });

  test.each(['yes', 'maybe', '1x'])(
    'GATEWAY_ALLOW_ANONYMOUS=%s is a configuration error naming the variable',
    (value) => {
      expect(() => load({ GATEWAY_ALLOW_ANONYMOUS: value })).toThrow(/GATEWAY_ALLOW_ANONYMOUS/);
    },
  );
});

test('open mode never grants pii:read: a national id stays masked, whatever the caller sends', () =>
  withGateway({ adapters: [...adapters, piiTestAdapter] }, async (gw) => {
    expect(gw.config.security.open).toBe(true);
    const attempts: Record<string, string>[] = [
      {},
      { 'X-Api-Key': 'anything' },
      { Authorization: 'Bearer forged.token.here' },
    ];
    for (const headers of attempts) {
      const res = await gw.lookup('piitest', PII_CUSTOMER.id, { headers });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { data: { nationalId: string | null } };
      expect(body.data.nationalId).toBe('*******2345');
    }
  }));
