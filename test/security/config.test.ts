/**
 * Security configuration at boot: production refuses to start without inbound authentication (checked on the
 * real process), the key file is validated without ever echoing it, JWT settings are complete and asymmetric,
 * and open mode announces itself with one warning line.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../config/index.js';
import { adapters } from '../../providers/index.js';
import { runServer, stderrLines } from '../support/server-process.js';
import { keyFile, newApiKey, sha256Hex, withGateway } from './fixtures.js';

const PRODUCTION = {
  NODE_ENV: 'production',
  INDEX_KEY: Buffer.alloc(32, 1).toString('base64'),
  PROVIDERS: 'tango',
  TANGO_BASE_URL: 'http://127.0.0.1:9/raas/v2',
  TANGO_PLATFORM_NAME: 'p',
  TANGO_PLATFORM_KEY: 'k',
};
const KEYS = keyFile([{ name: 'app', keySha256: [sha256Hex(newApiKey())], providers: ['tango'], scopes: [] }]);

describe('production', () => {
  test('the process refuses to start without an authentication method, one line naming the variables', async () => {
    const { code, stderr } = await runServer(PRODUCTION);
    expect(code).toBe(1);
    const lines = stderrLines(stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Configuration error: NODE_ENV=production needs inbound authentication: .*GATEWAY_API_KEYS_FILE.*GATEWAY_JWT_JWKS_URL/,
    );
  }, 90_000);

  test('with API keys it starts, and logs no open-mode warning', async () => {
    const { stdout } = await runServer({ ...PRODUCTION, GATEWAY_API_KEYS: KEYS });
    expect(stdout).toContain('customer-gateway listening');
    expect(stdout).not.toContain('OPEN');
  }, 90_000);

  test('a JWKS URL alone is also enough', () => {
    const config = loadConfig(
      {
        ...PRODUCTION,
        GATEWAY_JWT_JWKS_URL: 'https://issuer.example/jwks.json',
        GATEWAY_JWT_ISSUER: 'https://issuer.example/',
        GATEWAY_JWT_AUDIENCE: 'customer-gateway',
      },
      adapters,
    );
    expect(config.security.open).toBe(false);
    expect(config.security.jwt?.algorithms).toEqual(['RS256', 'ES256']);
  });

  test('a shared Redis without CACHE_ENCRYPTION_KEY is refused, naming the variable', () => {
    const env = { ...PRODUCTION, GATEWAY_API_KEYS: KEYS, REDIS_URL: 'redis://:pw@redis:6379/0' };
    expect(() => loadConfig(env, adapters)).toThrow(
      /^Configuration error: "CACHE_ENCRYPTION_KEY" is required in production with "REDIS_URL"/,
    );
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ ...env, CACHE_ENCRYPTION_KEY: key }, adapters).fleet.encryptionKey).toHaveLength(32);
  });

  test('so is a Sentinel or Cluster Redis without CACHE_ENCRYPTION_KEY, naming the variable that set it', () => {
    const base = { ...PRODUCTION, GATEWAY_API_KEYS: KEYS, REDIS_PASSWORD: 'pw' };
    expect(() => loadConfig({ ...base, REDIS_CLUSTER_NODES: 'redis-0:6379' }, adapters)).toThrow(
      /^Configuration error: "CACHE_ENCRYPTION_KEY" is required in production with "REDIS_CLUSTER_NODES"/,
    );
    const sentinels = { ...base, REDIS_SENTINELS: 'sentinel-0:26379', REDIS_SENTINEL_NAME: 'mymaster' };
    expect(() => loadConfig(sentinels, adapters)).toThrow(
      /^Configuration error: "CACHE_ENCRYPTION_KEY" is required in production with "REDIS_SENTINELS"/,
    );
  });

  test('the search index needs INDEX_KEY in production, and with a shared Redis anywhere', () => {
    const { INDEX_KEY, ...withoutKey } = PRODUCTION;
    const message = /^Configuration error: "INDEX_KEY" is required in production and with "REDIS_URL"/;
    expect(() => loadConfig({ ...withoutKey, GATEWAY_API_KEYS: KEYS }, adapters)).toThrow(message);
    expect(() => loadConfig({ REDIS_URL: 'redis://:pw@redis:6379/0' }, adapters)).toThrow(message);
    expect(() => loadConfig({ INDEX_KEY: Buffer.alloc(16).toString('base64') }, adapters)).toThrow(
      /"INDEX_KEY" must be 32 bytes/,
    );
    expect(loadConfig({ ...withoutKey, INDEX_KEY, GATEWAY_API_KEYS: KEYS }, adapters).linking.indexKey).toHaveLength(
      32,
    );
    // The sandbox makes a random key of its own.
    expect(loadConfig({}, adapters).linking.indexKey).toBeUndefined();
  });

  test('a JWKS URL over plain http is refused: whoever is on the path could hand out keys', () => {
    const env = {
      ...PRODUCTION,
      GATEWAY_JWT_JWKS_URL: 'http://issuer.example/jwks.json',
      GATEWAY_JWT_ISSUER: 'https://issuer.example/',
      GATEWAY_JWT_AUDIENCE: 'customer-gateway',
    };
    expect(() => loadConfig(env, adapters)).toThrow(
      'Configuration error: "GATEWAY_JWT_JWKS_URL" must be an https: URL in production',
    );
  });
});

describe('open mode outside production', () => {
  test('logs exactly one warning line at start', () =>
    withGateway({}, async (gw) => {
      const warnings = gw.logs().filter((l) => l.level === 40 && String(l.msg).includes('OPEN'));
      expect(warnings).toHaveLength(1);
    }));

  test('with keys configured there is no such warning', () =>
    withGateway({ env: { GATEWAY_API_KEYS: KEYS } }, async (gw) => {
      expect(gw.logText()).not.toContain('OPEN');
    }));
});

describe('the key file', () => {
  const load = (env: Record<string, string>) => () => loadConfig(env, adapters);
  const client = { name: 'app', keySha256: [sha256Hex('k')], providers: ['tango'], scopes: ['pii:read'] };

  test('is read from GATEWAY_API_KEYS_FILE, as an object with clients or a bare list', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-keys-'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ clients: [client] }));
    writeFileSync(join(dir, 'b.json'), JSON.stringify([client]));
    for (const file of ['a.json', 'b.json']) {
      const [parsed] = loadConfig({ GATEWAY_API_KEYS_FILE: join(dir, file) }, adapters).security.apiKeys;
      expect(parsed).toMatchObject({ name: 'app', providers: ['tango'], scopes: ['pii:read'] });
    }
  });

  test.each<[string, Record<string, string>, RegExp]>([
    [
      'a missing file',
      { GATEWAY_API_KEYS_FILE: '/nonexistent/keys.json' },
      /"GATEWAY_API_KEYS_FILE" cannot be read \(ENOENT\)/,
    ],
    ['both a file and inline keys', { GATEWAY_API_KEYS_FILE: '/x', GATEWAY_API_KEYS: '[]' }, /not both/],
    [
      'JSON that does not parse',
      { GATEWAY_API_KEYS: '{"clients": [ {"name": "app", "key": "s3cr3t-value"' },
      /"GATEWAY_API_KEYS" is not valid JSON$/,
    ],
    [
      'a key instead of its hash',
      { GATEWAY_API_KEYS: JSON.stringify([{ ...client, keySha256: ['s3cr3t-value'] }]) },
      /"GATEWAY_API_KEYS".*keySha256/,
    ],
    ['an unknown scope', { GATEWAY_API_KEYS: JSON.stringify([{ ...client, scopes: ['admin'] }]) }, /scopes/],
    [
      'an unknown provider',
      { GATEWAY_API_KEYS: JSON.stringify([{ ...client, providers: ['tangoo'] }]) },
      /unknown provider "tangoo"/,
    ],
    [
      'two clients of one name',
      { GATEWAY_API_KEYS: JSON.stringify([client, { ...client, keySha256: [sha256Hex('other')] }]) },
      /GATEWAY_API_KEYS/,
    ],
    [
      'one hash for two clients',
      { GATEWAY_API_KEYS: JSON.stringify([client, { ...client, name: 'other' }]) },
      /listed twice/,
    ],
  ])('%s is a configuration error that never echoes the content', (_name, env, message) => {
    expect(load(env)).toThrow(ConfigError);
    expect(load(env)).toThrow(message);
    try {
      load(env)();
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cr3t-value');
    }
  });
});

describe('JWT settings', () => {
  const jwt = {
    GATEWAY_JWT_JWKS_URL: 'https://issuer.example/jwks.json',
    GATEWAY_JWT_ISSUER: 'https://issuer.example/',
    GATEWAY_JWT_AUDIENCE: 'a, b',
  };

  test('issuer and audience are required with a JWKS URL', () => {
    expect(() => loadConfig({ GATEWAY_JWT_JWKS_URL: jwt.GATEWAY_JWT_JWKS_URL }, adapters)).toThrow(
      /GATEWAY_JWT_ISSUER/,
    );
    expect(() =>
      loadConfig({ GATEWAY_JWT_JWKS_URL: jwt.GATEWAY_JWT_JWKS_URL, GATEWAY_JWT_ISSUER: 'x' }, adapters),
    ).toThrow(/GATEWAY_JWT_AUDIENCE/);
  });

  test('several audiences may be listed', () => {
    expect(loadConfig(jwt, adapters).security.jwt?.audience).toEqual(['a', 'b']);
  });

  test.each(['HS256', 'none', 'RS256,none'])(
    'GATEWAY_JWT_ALGORITHMS=%s is refused: asymmetric algorithms only',
    (algorithms) => {
      expect(() => loadConfig({ ...jwt, GATEWAY_JWT_ALGORITHMS: algorithms }, adapters)).toThrow(
        /GATEWAY_JWT_ALGORITHMS/,
      );
    },
  );
});
