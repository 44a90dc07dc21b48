/**
 * Configuration: the environment, validated once with joi at boot into a frozen, typed Config.
 * A bad or missing value stops the process with one line naming the variable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import Joi from 'joi';
import type { BreakerSettings } from '../src/core/breaker.js';
import { envPrefix, type ProviderAdapter, type ProviderEnv } from '../src/core/provider.js';
import { fleetKeys, fleetSettings, type FleetConfig } from './fleet.js';
import { linkingKeys, linkingSettings, type LinkingConfig } from './linking.js';
import { securityKeys, securitySettings, type SecurityConfig } from './security.js';

export interface ProviderSettings {
  id: string;
  /** Unset outside production: the built-in simulator is started (sandbox). */
  baseUrl: string | undefined;
  timeoutMs: number;
  deadlineMs: number;
  retries: number;
  cacheTtlSeconds: number;
  /** Upstream requests per second; 0 = unlimited. */
  rateLimitPerSecond: number;
  maxConcurrency: number;
  /** Upstream requests that may wait for a bulkhead slot; beyond it: `provider-unavailable`. */
  maxQueue: number;
  breaker: BreakerSettings;
  /** The provider's own keys (credentials), validated by its adapter's `config`. */
  env: ProviderEnv;
}

export interface Config {
  version: string;
  port: number;
  host: string;
  /** Where `/metrics` and the detail of `/readyz` are served instead of the main port; unset: on the main port. */
  metricsPort: number | undefined;
  nodeEnv: string | undefined;
  production: boolean;
  logLevel: string;
  cache: {
    ttlSeconds: number;
    staleIfErrorSeconds: number;
    staleWhileRevalidateSeconds: number;
    notFoundTtlSeconds: number;
    maxEntries: number;
    maxBytes: number;
  };
  upstreamMaxBodyBytes: number;
  /** Seconds a lookup that just failed for upstream reasons is answered with that failure without a new call. */
  failureMemorySeconds: number;
  /** `GET /customers/{provider}`: how long a page is cached, and the secret that signs cursors. */
  lists: { cacheTtlSeconds: number; cursorSecret: string | undefined };
  /** `POST /customers/batch`: when unfinished items are answered `upstream-timeout`. */
  batch: { deadlineMs: number };
  /** How long in-flight requests may take to finish after SIGTERM/SIGINT before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** OTLP/HTTP collector base URL; unset: no tracing SDK (traceparent still propagates). */
  otlpEndpoint: string | undefined;
  providers: readonly ProviderSettings[];
  /** Inbound authentication, rate limit and HTTP hardening (config/security.ts). */
  security: SecurityConfig;
  /** The Redis that replicas share, and how to behave without it (config/fleet.ts). */
  fleet: FleetConfig;
  /** The blind index behind search and links, its crawl and the link rules (config/linking.ts). */
  linking: LinkingConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const port = Joi.number().integer().min(0).max(65535);
const positiveInt = Joi.number().integer().min(1);
const seconds = Joi.number().integer().min(0);

const commonKeys = {
  PORT: port.default(3000),
  HOST: Joi.string().default('0.0.0.0'),
  METRICS_PORT: port,
  NODE_ENV: Joi.string(),
  PROVIDERS: Joi.string(),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  CACHE_TTL_SECONDS: seconds.default(300),
  CACHE_STALE_IF_ERROR_SECONDS: seconds.default(3600),
  CACHE_STALE_WHILE_REVALIDATE_SECONDS: seconds.default(0),
  CACHE_NOT_FOUND_TTL_SECONDS: seconds.default(30),
  CACHE_MAX_ENTRIES: positiveInt.default(10000),
  CACHE_MAX_BYTES: positiveInt.default(64 * 1024 * 1024),
  UPSTREAM_MAX_BODY_BYTES: positiveInt.default(1024 * 1024),
  FAILURE_MEMORY_SECONDS: seconds.default(5),
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(10000),
  OTEL_EXPORTER_OTLP_ENDPOINT: Joi.string().uri({ scheme: ['http', 'https'] }),
  LIST_CACHE_TTL_SECONDS: seconds.default(30),
  // At least 32 characters; unset, each process signs with its own random key (cursors then stay on one replica).
  LIST_CURSOR_SECRET: Joi.string().min(32),
  BATCH_DEADLINE_MS: positiveInt.default(10000),
};

/** The generic keys every provider gets under its prefix, besides its adapter's own. */
function providerKeys(adapter: ProviderAdapter, production: boolean): Record<string, Joi.Schema> {
  const p = envPrefix(adapter.id);
  const baseUrl = Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .pattern(/[^/]$/, 'no trailing slash');
  return {
    [`${p}_BASE_URL`]: production ? baseUrl.required() : baseUrl,
    [`${p}_TIMEOUT_MS`]: positiveInt.default(3000),
    [`${p}_DEADLINE_MS`]: positiveInt.default(8000),
    [`${p}_RETRIES`]: Joi.number().integer().min(0).max(10).default(2),
    [`${p}_CACHE_TTL_SECONDS`]: seconds,
    [`${p}_RATE_LIMIT_PER_SECOND`]: Joi.number()
      .min(0)
      .default(adapter.defaults?.rateLimitPerSecond ?? 0),
    [`${p}_MAX_CONCURRENCY`]: positiveInt.default(32),
    [`${p}_MAX_QUEUE`]: seconds.default(32),
    [`${p}_BREAKER_CONSECUTIVE_FAILURES`]: positiveInt.default(5),
    [`${p}_BREAKER_HALF_OPEN_AFTER_MS`]: positiveInt.default(10000),
    [`${p}_BREAKER_FAILURE_RATIO`]: Joi.number().min(0).less(1).default(0.5),
    [`${p}_BREAKER_WINDOW_MS`]: positiveInt.min(1000).default(30000),
    ...adapter.config,
  };
}

/** Validates `env` against the schema of the gateway and of each enabled provider. Throws `ConfigError`. */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>>,
  adapters: readonly ProviderAdapter[],
): Config {
  const production = isProduction(env.NODE_ENV);
  const known = adapters.map((a) => a.id);
  const enabledIds = parseProviders(env.PROVIDERS, known);
  const enabled = adapters.filter((a) => enabledIds.includes(a.id));

  const schema = Joi.object({
    ...commonKeys,
    ...securityKeys,
    ...fleetKeys,
    ...linkingKeys,
    ...(Object.assign({}, ...enabled.map((a) => providerKeys(a, production))) as Record<string, Joi.Schema>),
  }).unknown(true);
  const result: Joi.ValidationResult<Record<string, unknown>> = schema.validate(stripEmpty(env), {
    abortEarly: true,
    convert: true,
  });
  if (result.error) throw new ConfigError(`Configuration error: ${result.error.message}`);
  const v = result.value;

  const providers = enabled.map((adapter): ProviderSettings => {
    const p = envPrefix(adapter.id);
    const own = Object.fromEntries(Object.keys(adapter.config).map((key) => [key, v[key] as string | undefined]));
    return Object.freeze({
      id: adapter.id,
      baseUrl: v[`${p}_BASE_URL`] as string | undefined,
      timeoutMs: v[`${p}_TIMEOUT_MS`] as number,
      deadlineMs: v[`${p}_DEADLINE_MS`] as number,
      retries: v[`${p}_RETRIES`] as number,
      cacheTtlSeconds: (v[`${p}_CACHE_TTL_SECONDS`] as number | undefined) ?? (v.CACHE_TTL_SECONDS as number),
      rateLimitPerSecond: v[`${p}_RATE_LIMIT_PER_SECOND`] as number,
      maxConcurrency: v[`${p}_MAX_CONCURRENCY`] as number,
      maxQueue: v[`${p}_MAX_QUEUE`] as number,
      breaker: Object.freeze({
        consecutiveFailures: v[`${p}_BREAKER_CONSECUTIVE_FAILURES`] as number,
        halfOpenAfterMs: v[`${p}_BREAKER_HALF_OPEN_AFTER_MS`] as number,
        failureRatio: v[`${p}_BREAKER_FAILURE_RATIO`] as number,
        windowMs: v[`${p}_BREAKER_WINDOW_MS`] as number,
      }),
      env: Object.freeze(own),
    });
  });

  return Object.freeze({
    version: packageVersion(),
    port: v.PORT as number,
    host: v.HOST as string,
    metricsPort: v.METRICS_PORT as number | undefined,
    nodeEnv: env.NODE_ENV,
    production,
    logLevel: v.LOG_LEVEL as string,
    cache: Object.freeze({
      ttlSeconds: v.CACHE_TTL_SECONDS as number,
      staleIfErrorSeconds: v.CACHE_STALE_IF_ERROR_SECONDS as number,
      staleWhileRevalidateSeconds: v.CACHE_STALE_WHILE_REVALIDATE_SECONDS as number,
      notFoundTtlSeconds: v.CACHE_NOT_FOUND_TTL_SECONDS as number,
      maxEntries: v.CACHE_MAX_ENTRIES as number,
      maxBytes: v.CACHE_MAX_BYTES as number,
    }),
    upstreamMaxBodyBytes: v.UPSTREAM_MAX_BODY_BYTES as number,
    failureMemorySeconds: v.FAILURE_MEMORY_SECONDS as number,
    lists: Object.freeze({
      cacheTtlSeconds: v.LIST_CACHE_TTL_SECONDS as number,
      cursorSecret: v.LIST_CURSOR_SECRET as string | undefined,
    }),
    batch: Object.freeze({ deadlineMs: v.BATCH_DEADLINE_MS as number }),
    shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS as number,
    otlpEndpoint: v.OTEL_EXPORTER_OTLP_ENDPOINT as string | undefined,
    providers: Object.freeze(providers),
    security: securitySettings(v, {
      production,
      knownProviders: known,
      realUpstreams: providers.filter((p) => p.baseUrl !== undefined).map((p) => `${envPrefix(p.id)}_BASE_URL`),
    }),
    fleet: fleetSettings(v, production),
    linking: linkingSettings(v, production),
  });
}

/** `production`, whatever its case, and the common short form `prod`: what an operator means by either. */
export const isProduction = (nodeEnv: string | undefined): boolean =>
  ['production', 'prod'].includes((nodeEnv ?? '').trim().toLowerCase());

/** `PROVIDERS=tango,adobe-vip`; unset means all; an unknown name is a configuration error. */
function parseProviders(value: string | undefined, known: string[]): string[] {
  if (value === undefined || value.trim() === '') return known;
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.find((n) => !known.includes(n));
  if (unknown)
    throw new ConfigError(
      `Configuration error: "PROVIDERS" names an unknown provider "${unknown}" (known: ${known.join(', ')})`,
    );
  return names;
}

/** An empty variable (`FOO=`) counts as unset, as in most twelve-factor tooling. */
function stripEmpty(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') out[key] = value;
  return out;
}

/** The process environment over the `.env` file, if there is one: the real environment wins. */
export function environment(path = '.env'): Record<string, string | undefined> {
  const fromFile = existsSync(path) ? parseEnv(readFileSync(path, 'utf8')) : {};
  return { ...fromFile, ...process.env };
}

let version: string | undefined;

/** The `User-Agent` version, read from package.json (found from the source tree or from `dist/`). */
function packageVersion(): string {
  if (version) return version;
  for (const relative of ['../package.json', '../../package.json']) {
    const url = new URL(relative, import.meta.url);
    if (!existsSync(url)) continue;
    const parsed = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
    if (parsed.name === 'customer-gateway' && parsed.version) return (version = parsed.version);
  }
  return (version = '0.0.0');
}
