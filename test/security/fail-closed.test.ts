/**
 * Fail closed: anonymous access only when every enabled provider is answered by its built-in simulator, or by
 * the explicit `GATEWAY_ALLOW_ANONYMOUS=true` outside production. A real upstream without inbound
 * authentication stops the real process with one line, whatever NODE_ENV says.
 */
import { spawn } from 'node:child_process';
import { ConfigError, loadConfig } from '../../config/index.js';
import { adapters } from '../../providers/index.js';
import { withGateway } from './fixtures.js';
import { PII_CUSTOMER, piiTestAdapter } from './pii-adapter.js';

/** A real-looking upstream with its credentials, and no inbound authentication. */
const REAL_TANGO = {
  PROVIDERS: 'tango',
  TANGO_BASE_URL: 'https://integration-api.tangocard.com/raas/v2',
  TANGO_PLATFORM_NAME: 'acme',
  TANGO_PLATFORM_KEY: 'k3y-value',
};

/** Runs the real process entry; resolves with its exit code and output, or stops it once it is listening. */
function runServer(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // Generous: a loaded machine may take seconds (once over 25 s) to start tsx; nothing else waits for it.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('customer-gateway listening')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const stderrLines = (stderr: string) =>
  stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('(node:') && !l.includes('--trace-warnings'));

describe('the real process, with a real upstream and no inbound authentication', () => {
  test.each<[string, Record<string, string>]>([
    ['NODE_ENV unset', {}],
    ['NODE_ENV=prod', { NODE_ENV: 'prod' }],
    ['NODE_ENV=Production', { NODE_ENV: 'Production' }],
    ['NODE_ENV=development', { NODE_ENV: 'development' }],
  ])(
    'refuses to start with %s, in one line saying why',
    async (_name, env) => {
      const { code, stdout, stderr } = await runServer({ ...REAL_TANGO, ...env });
      expect(code).toBe(1);
      expect(stdout).toBe('');
      const lines = stderrLines(stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^Configuration error: .*inbound authentication.*GATEWAY_API_KEYS_FILE.*GATEWAY_JWT_JWKS_URL/,
      );
      expect(lines[0]).not.toContain('k3y-value');
    },
    90_000,
  );

  test('starts open, with its warning, when GATEWAY_ALLOW_ANONYMOUS=true says so', async () => {
    const { stdout } = await runServer({ ...REAL_TANGO, GATEWAY_ALLOW_ANONYMOUS: 'true' });
    expect(stdout).toContain('customer-gateway listening');
    expect(stdout).toContain('the gateway is OPEN');
  }, 90_000);

  test.each(['production', 'Production', 'prod'])(
    'refuses GATEWAY_ALLOW_ANONYMOUS=true with NODE_ENV=%s',
    async (nodeEnv) => {
      const { code, stderr } = await runServer({ ...REAL_TANGO, GATEWAY_ALLOW_ANONYMOUS: 'true', NODE_ENV: nodeEnv });
      expect(code).toBe(1);
      const lines = stderrLines(stderr);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Configuration error: "GATEWAY_ALLOW_ANONYMOUS" is refused in production/);
    },
    90_000,
  );
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
