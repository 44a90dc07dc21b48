/**
 * Configuration (docs/configuration.md): parsed once, a bad value rejected with one line naming the variable, and
 * `.env.example` listing every variable the config and the adapters declare.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from '../../config/index.js';
import { adapters } from '../../providers/index.js';
import { envPrefix } from '../../src/core/provider.js';

const TANGO_URL = 'https://integration-api.tangocard.com/raas/v2';

function rejection(env: Record<string, string>): string {
  try {
    loadConfig(env, adapters);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be rejected`);
}

describe('loadConfig rejects a bad value with one line naming the variable', () => {
  test.each([
    ['a timeout that is not a number', { TANGO_TIMEOUT_MS: 'abc' }, 'TANGO_TIMEOUT_MS'],
    ['a negative retry count', { TANGO_RETRIES: '-1' }, 'TANGO_RETRIES'],
    ['a port out of range', { PORT: '70000' }, 'PORT'],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['a cache bound of 0 entries', { CACHE_MAX_ENTRIES: '0' }, 'CACHE_MAX_ENTRIES'],
    ['an unknown provider', { PROVIDERS: 'nope' }, 'PROVIDERS'],
    [
      'a base URL that is not a URL',
      { TANGO_BASE_URL: 'not a url', TANGO_PLATFORM_NAME: 'p', TANGO_PLATFORM_KEY: 'k' },
      'TANGO_BASE_URL',
    ],
    [
      'a base URL with a trailing slash',
      { TANGO_BASE_URL: `${TANGO_URL}/`, TANGO_PLATFORM_NAME: 'p', TANGO_PLATFORM_KEY: 'k' },
      'TANGO_BASE_URL',
    ],
    [
      'a base URL without the platform name',
      { TANGO_BASE_URL: TANGO_URL, TANGO_PLATFORM_KEY: 'k' },
      'TANGO_PLATFORM_NAME',
    ],
    [
      'a base URL without the platform key',
      { TANGO_BASE_URL: TANGO_URL, TANGO_PLATFORM_NAME: 'p' },
      'TANGO_PLATFORM_KEY',
    ],
    ['production without a base URL', { NODE_ENV: 'production' }, 'TANGO_BASE_URL'],
    [
      'a token URL without a client id',
      { TANGO_TOKEN_URL: 'https://sandbox-auth.tangocard.com/oauth/token', TANGO_CLIENT_SECRET: 's' },
      'TANGO_CLIENT_ID',
    ],
    [
      'a token URL without a client secret',
      { TANGO_TOKEN_URL: 'https://sandbox-auth.tangocard.com/oauth/token', TANGO_CLIENT_ID: 'c' },
      'TANGO_CLIENT_SECRET',
    ],
    ['a client id without a token URL', { TANGO_CLIENT_ID: 'c', TANGO_CLIENT_SECRET: 's' }, 'TANGO_CLIENT_ID'],
    ['a client secret alone', { TANGO_CLIENT_SECRET: 's' }, 'TANGO_CLIENT_SECRET'],
  ])('%s', (_name, env, variable) => {
    const message = rejection(env);
    expect(message).toContain(variable);
    expect(message.split('\n')).toHaveLength(1);
  });

  test('the message names the variable without echoing a secret', () => {
    expect(rejection({ TANGO_CLIENT_SECRET: 'hunter2-secret' })).not.toContain('hunter2');
  });
});

describe('the shared Redis is one topology', () => {
  const INDEX_KEY = Buffer.alloc(32, 1).toString('base64');
  const SENTINELS = { REDIS_SENTINELS: 's-0:26379, s-1:26379', REDIS_SENTINEL_NAME: 'mymaster', INDEX_KEY };

  test.each([
    ['a sentinel list without a name', { REDIS_SENTINELS: 's-0:26379', INDEX_KEY }, 'REDIS_SENTINEL_NAME'],
    ['a sentinel name without a list', { REDIS_SENTINEL_NAME: 'mymaster', INDEX_KEY }, 'REDIS_SENTINELS'],
    ['a URL and sentinels', { ...SENTINELS, REDIS_URL: 'redis://r:6379' }, 'REDIS_SENTINELS'],
    ['sentinels and cluster nodes', { ...SENTINELS, REDIS_CLUSTER_NODES: 'r-0:6379' }, 'REDIS_CLUSTER_NODES'],
    ['a URL and cluster nodes', { REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'r-0:6379' }, 'REDIS_URL'],
    ['a node without a port', { REDIS_CLUSTER_NODES: 'r-0:6379,r-1', INDEX_KEY }, 'REDIS_CLUSTER_NODES'],
    ['sentinels without INDEX_KEY', { REDIS_SENTINELS: 's-0:26379', REDIS_SENTINEL_NAME: 'm' }, 'INDEX_KEY'],
  ])('%s: one line naming the variable', (_name, env, variable) => {
    const message = rejection(env);
    expect(message).toContain(`"${variable}"`);
    expect(message.split('\n')).toHaveLength(1);
  });

  test('sentinels, cluster nodes and a URL each make the fleet’s Redis', () => {
    expect(loadConfig(SENTINELS, adapters).fleet.redis).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's-0', port: 26379 },
        { host: 's-1', port: 26379 },
      ],
      name: 'mymaster',
      password: undefined,
      tls: false,
    });
    const cluster = { REDIS_CLUSTER_NODES: '10.0.0.1:6379,[::1]:7000', REDIS_PASSWORD: 'pw', REDIS_TLS: 'true' };
    expect(loadConfig({ ...cluster, INDEX_KEY }, adapters).fleet.redis).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 6379 },
        { host: '::1', port: 7000 },
      ],
      password: 'pw',
      tls: true,
    });
    // A password beside the URL is the server's (the shipped Secret holds both): the URL's own credentials win.
    const url = { REDIS_URL: 'redis://r:6379', REDIS_PASSWORD: 'pw', REDIS_TLS: 'true', INDEX_KEY };
    expect(loadConfig(url, adapters).fleet.redis).toEqual({
      kind: 'single',
      url: 'redis://r:6379',
    });
    expect(loadConfig({}, adapters).fleet.redis).toBeUndefined();
  });
});

describe('loadConfig accepts', () => {
  test('no configuration at all: sandbox with the documented defaults', () => {
    const config = loadConfig({}, adapters);
    expect(config).toMatchObject({ port: 3000, host: '0.0.0.0', production: false, logLevel: 'info' });
    expect(config.cache).toEqual({
      ttlSeconds: 300,
      staleIfErrorSeconds: 3600,
      staleWhileRevalidateSeconds: 0,
      notFoundTtlSeconds: 30,
      maxEntries: 10000,
      maxBytes: 67108864,
    });
    expect(config.providers.map((p) => p.id)).toEqual(adapters.map((a) => a.id));
    expect(config.providers.find((p) => p.id === 'tango')).toMatchObject({
      baseUrl: undefined,
      timeoutMs: 3000,
      deadlineMs: 8000,
      retries: 2,
      cacheTtlSeconds: 300,
      rateLimitPerSecond: 1,
      maxConcurrency: 32,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  test('Tango with a base URL and Basic credentials', () => {
    const tango = loadConfig(
      {
        GATEWAY_ALLOW_ANONYMOUS: 'true',
        TANGO_BASE_URL: TANGO_URL,
        TANGO_PLATFORM_NAME: 'p',
        TANGO_PLATFORM_KEY: 'k',
        TANGO_CACHE_TTL_SECONDS: '60',
      },
      adapters,
    ).providers.find((p) => p.id === 'tango');
    expect(tango).toMatchObject({
      baseUrl: TANGO_URL,
      cacheTtlSeconds: 60,
      env: { TANGO_PLATFORM_NAME: 'p', TANGO_PLATFORM_KEY: 'k' },
    });
  });

  test('Tango with a base URL and complete OAuth instead of Basic', () => {
    const env = {
      GATEWAY_ALLOW_ANONYMOUS: 'true',
      TANGO_BASE_URL: TANGO_URL,
      TANGO_TOKEN_URL: 'https://sandbox-auth.tangocard.com/oauth/token',
      TANGO_CLIENT_ID: 'c',
      TANGO_CLIENT_SECRET: 's',
    };
    const tango = loadConfig(env, adapters).providers.find((p) => p.id === 'tango');
    expect(tango?.env).toMatchObject({
      TANGO_CLIENT_ID: 'c',
      TANGO_OAUTH_SCOPE: 'raas.all',
      TANGO_OAUTH_AUDIENCE: 'https://api.tangocard.com/',
    });
  });

  test('production with its one enabled provider configured', () => {
    // Inbound API keys too, which production requires once the security feature is in (ignored where it is not).
    const GATEWAY_API_KEYS = JSON.stringify([{ name: 'ops', keySha256: ['a'.repeat(64)], providers: ['*'] }]);
    expect(() =>
      loadConfig(
        {
          NODE_ENV: 'production',
          GATEWAY_API_KEYS,
          INDEX_KEY: Buffer.alloc(32, 1).toString('base64'),
          PROVIDERS: 'tango',
          TANGO_BASE_URL: TANGO_URL,
          TANGO_PLATFORM_NAME: 'p',
          TANGO_PLATFORM_KEY: 'k',
        },
        adapters,
      ),
    ).not.toThrow();
  });

  test('an empty variable counts as unset', () => {
    expect(loadConfig({ TANGO_TIMEOUT_MS: '' }, adapters).providers.find((p) => p.id === 'tango')?.timeoutMs).toBe(
      3000,
    );
  });
});

describe('.env.example', () => {
  // Every file of config/ (index.ts and whatever a feature adds beside it).
  const configDir = new URL('../../config/', import.meta.url);
  const source = readdirSync(configDir)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => readFileSync(new URL(file, configDir), 'utf8'))
    .join('\n');
  const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');

  /** Every variable config/ declares (its joi objects' keys) and, per adapter, the generic `${p}_…` and its own. */
  function declared(): string[] {
    const names = [...source.matchAll(/^\s+([A-Z][A-Z0-9_]*):\s/gm)].map((m) => m[1] ?? '');
    const generic = [...source.matchAll(/`\$\{p\}_([A-Z0-9_]+)`/g)].map((m) => m[1] ?? '');
    expect(names.length).toBeGreaterThan(5);
    expect(generic).toContain('BASE_URL');
    for (const adapter of adapters) {
      names.push(...generic.map((key) => `${envPrefix(adapter.id)}_${key}`), ...Object.keys(adapter.config));
    }
    return [...new Set(names)];
  }

  /** Variables `.env.example` lists, set or commented out (`# NAME=`). */
  const listed = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));

  test('lists every variable that config/ and the adapters declare', () => {
    expect(declared().filter((name) => !listed.has(name))).toEqual([]);
  });

  test('gives every variable a comment', () => {
    const lines = example.split('\n');
    lines.forEach((line, index) => {
      if (!/^#?\s*[A-Z][A-Z0-9_]*=/.test(line)) return;
      // A variable line follows a comment line or another variable of the same commented group.
      const before = lines
        .slice(0, index)
        .reverse()
        .find((l) => !/^#?\s*[A-Z][A-Z0-9_]*=/.test(l));
      expect({ line, comment: before?.startsWith('#') }).toEqual({ line, comment: true });
    });
  });
});
