/**
 * The security block of the configuration: inbound authentication (API keys, JWT), the gateway's own rate
 * limit, and the HTTP hardening knobs (slow and numerous clients included). Kept apart from `index.ts` so that
 * it reads as one unit.
 */
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import Joi from 'joi';
import { ConfigError } from './index.js';

export const SCOPES = ['pii:read', 'cache:purge', 'cache:bypass', 'customers:search'] as const;
export type Scope = (typeof SCOPES)[number];

/** One API-key client: only SHA-256 digests of its keys are configured, never the keys. */
export interface ApiKeyClient {
  name: string;
  /** Lower-case hex SHA-256 digests; two during a rotation. */
  keySha256: readonly string[];
  /** Provider ids, or `*` for every provider. */
  providers: readonly string[];
  scopes: readonly Scope[];
  rateLimitPerMinute: number | undefined;
}

export interface JwtSettings {
  jwksUrl: string;
  /** The longest lifetime a token may have: `exp − iat` and the token's age (`now − iat`) alike. */
  maxAgeSeconds: number;
  issuer: string;
  audience: readonly string[];
  algorithms: readonly string[];
  providersClaim: string;
  scopeClaim: string;
  clockToleranceSeconds: number;
}

/**
 * express `trust proxy`: off, a hop count, or a list of addresses/CIDRs/names. Never "any hop": with that, a
 * caller writes its own `X-Forwarded-For` and chooses the address its budgets are counted under.
 */
export type TrustProxy = false | number | readonly string[];

/** The listening server's limits on slow or numerous clients, as configured by default. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
});

/** The listening server's limits on slow or numerous clients. */
export interface ConnectionLimits {
  /** The whole request head must arrive within this time, or the connection is answered 408 and closed. */
  headersTimeoutMs: number;
  /** The whole request (head and body) must arrive within this time. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this time. */
  keepAliveTimeoutMs: number;
  /** Connections held at once; beyond it node drops new sockets at once. */
  maxConnections: number;
}

export interface SecurityConfig {
  /**
   * Neither API keys nor JWT configured: everyone may look up and purge, PII stays masked. Only when every
   * enabled provider is answered by its built-in simulator, or `GATEWAY_ALLOW_ANONYMOUS=true` outside
   * production; any other configuration without authentication is refused at boot.
   */
  open: boolean;
  apiKeys: readonly ApiKeyClient[];
  jwt: JwtSettings | undefined;
  /** Requests per minute per client (per IP when open); 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Failed authentications per minute per source address before that source is answered 429; 0: no limit. */
  authFailuresPerMinute: number;
  maxUrlLength: number;
  /** Node's `maxHeaderSize` for the listening server (bytes, all request headers together). */
  maxHeaderBytes: number;
  connections: ConnectionLimits;
  trustProxy: TrustProxy;
  /** Exact origins allowed to call the gateway from a browser; empty: no CORS headers at all. */
  corsOrigins: readonly string[];
}

/** Asymmetric only: a JWKS never holds the shared secret an HS* token needs, and `none` is never acceptable. */
const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

export const securityKeys = {
  GATEWAY_API_KEYS_FILE: Joi.string(),
  GATEWAY_API_KEYS: Joi.string(),
  GATEWAY_JWT_JWKS_URL: Joi.string().uri({ scheme: ['http', 'https'] }),
  GATEWAY_JWT_ISSUER: Joi.string().when('GATEWAY_JWT_JWKS_URL', { is: Joi.exist(), then: Joi.required() }),
  GATEWAY_JWT_AUDIENCE: Joi.string().when('GATEWAY_JWT_JWKS_URL', { is: Joi.exist(), then: Joi.required() }),
  GATEWAY_JWT_ALGORITHMS: Joi.string().default('RS256,ES256'),
  GATEWAY_JWT_PROVIDERS_CLAIM: Joi.string().default('providers'),
  GATEWAY_JWT_SCOPE_CLAIM: Joi.string().default('scope'),
  GATEWAY_JWT_CLOCK_TOLERANCE_SECONDS: Joi.number().integer().min(0).max(300).default(5),
  GATEWAY_JWT_MAX_AGE_SECONDS: Joi.number().integer().min(1).max(86400).default(3600),
  GATEWAY_ALLOW_ANONYMOUS: Joi.boolean().default(false),
  GATEWAY_RATE_LIMIT_PER_MINUTE: Joi.number().integer().min(0).default(600),
  GATEWAY_AUTH_FAILURES_PER_MINUTE: Joi.number().integer().min(0).default(30),
  GATEWAY_HEADERS_TIMEOUT_MS: Joi.number()
    .integer()
    .min(100)
    .max(120000)
    .default(DEFAULT_CONNECTION_LIMITS.headersTimeoutMs),
  GATEWAY_REQUEST_TIMEOUT_MS: Joi.number()
    .integer()
    .min(100)
    .max(600000)
    .default(DEFAULT_CONNECTION_LIMITS.requestTimeoutMs),
  GATEWAY_KEEP_ALIVE_TIMEOUT_MS: Joi.number()
    .integer()
    .min(100)
    .max(600000)
    .default(DEFAULT_CONNECTION_LIMITS.keepAliveTimeoutMs),
  GATEWAY_MAX_CONNECTIONS: Joi.number().integer().min(1).default(DEFAULT_CONNECTION_LIMITS.maxConnections),
  GATEWAY_MAX_URL_LENGTH: Joi.number().integer().min(64).max(65536).default(2048),
  GATEWAY_MAX_HEADER_BYTES: Joi.number()
    .integer()
    .min(1024)
    .max(1024 * 1024)
    .default(16384),
  TRUST_PROXY: Joi.string().default('false'),
  CORS_ORIGINS: Joi.string(),
};

/** What a client may be called, by the key file or by a token's subject: safe in a log line and a problem detail. */
export const CLIENT_NAME = /^[A-Za-z0-9._:@-]{1,64}$/;

const clientSchema = Joi.object({
  name: Joi.string().pattern(CLIENT_NAME).required(),
  keySha256: Joi.array().items(Joi.string().hex().length(64).lowercase()).min(1).max(4).required(),
  providers: Joi.array().items(Joi.string()).min(1).required(),
  scopes: Joi.array()
    .items(Joi.string().valid(...SCOPES))
    .unique()
    .default([]),
  rateLimitPerMinute: Joi.number().integer().min(0),
});
const keyFileSchema = Joi.alternatives(
  Joi.array().items(clientSchema).unique('name'),
  Joi.object({ clients: Joi.array().items(clientSchema).unique('name').required() }),
);

const AUTH_VARIABLES = '"GATEWAY_API_KEYS_FILE" (or "GATEWAY_API_KEYS") or "GATEWAY_JWT_JWKS_URL"';

export interface SecurityOptions {
  production: boolean;
  knownProviders: readonly string[];
  /**
   * The base-URL variables that are set: each is a real upstream. A provider without one is answered by its
   * built-in simulator (the sandbox starts one for exactly those), so an empty list means "sandbox only".
   */
  realUpstreams: readonly string[];
}

export function securitySettings(v: Record<string, unknown>, options: SecurityOptions): SecurityConfig {
  const apiKeys = apiKeyClients(v, options.knownProviders);
  const jwt = jwtSettings(v, options.production);
  const open = apiKeys.length === 0 && jwt === undefined;
  const allowAnonymous = v.GATEWAY_ALLOW_ANONYMOUS as boolean;
  // Fail closed: customer data from a real upstream is served to anonymous callers only by explicit choice,
  // and never in production, whatever else the environment says.
  if (allowAnonymous && options.production) {
    throw new ConfigError(
      `Configuration error: "GATEWAY_ALLOW_ANONYMOUS" is refused in production: set ${AUTH_VARIABLES}`,
    );
  }
  if (open && options.production) {
    throw new ConfigError(
      `Configuration error: NODE_ENV=production needs inbound authentication: set ${AUTH_VARIABLES}`,
    );
  }
  if (open && options.realUpstreams.length > 0 && !allowAnonymous) {
    throw new ConfigError(
      `Configuration error: a real upstream is configured (${options.realUpstreams.join(', ')}) without inbound ` +
        `authentication: set ${AUTH_VARIABLES}, or "GATEWAY_ALLOW_ANONYMOUS=true" to run open on purpose`,
    );
  }
  const connections: ConnectionLimits = Object.freeze({
    headersTimeoutMs: v.GATEWAY_HEADERS_TIMEOUT_MS as number,
    requestTimeoutMs: v.GATEWAY_REQUEST_TIMEOUT_MS as number,
    keepAliveTimeoutMs: v.GATEWAY_KEEP_ALIVE_TIMEOUT_MS as number,
    maxConnections: v.GATEWAY_MAX_CONNECTIONS as number,
  });
  // node answers every request whose head took longer than the whole request may take with the request timeout.
  if (connections.requestTimeoutMs < connections.headersTimeoutMs) {
    throw new ConfigError(
      'Configuration error: "GATEWAY_REQUEST_TIMEOUT_MS" must be at least "GATEWAY_HEADERS_TIMEOUT_MS"',
    );
  }
  return Object.freeze({
    open,
    apiKeys,
    jwt,
    rateLimitPerMinute: v.GATEWAY_RATE_LIMIT_PER_MINUTE as number,
    authFailuresPerMinute: v.GATEWAY_AUTH_FAILURES_PER_MINUTE as number,
    maxUrlLength: v.GATEWAY_MAX_URL_LENGTH as number,
    maxHeaderBytes: v.GATEWAY_MAX_HEADER_BYTES as number,
    connections,
    trustProxy: trustProxy(v.TRUST_PROXY as string),
    corsOrigins: corsOrigins(v.CORS_ORIGINS as string | undefined),
  });
}

/** The key file (or inline JSON). Its content is never echoed in an error: it may be pasted in the wrong place. */
function apiKeyClients(v: Record<string, unknown>, knownProviders: readonly string[]): readonly ApiKeyClient[] {
  const file = v.GATEWAY_API_KEYS_FILE as string | undefined;
  const inline = v.GATEWAY_API_KEYS as string | undefined;
  if (file && inline)
    throw new ConfigError('Configuration error: set "GATEWAY_API_KEYS_FILE" or "GATEWAY_API_KEYS", not both');
  if (!file && !inline) return [];
  const variable = file ? 'GATEWAY_API_KEYS_FILE' : 'GATEWAY_API_KEYS';
  let text: string;
  try {
    text = file ? readFileSync(file, 'utf8') : (inline ?? '');
  } catch (error) {
    throw new ConfigError(
      `Configuration error: "${variable}" cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`Configuration error: "${variable}" is not valid JSON`);
  }
  const result = keyFileSchema.validate(parsed, { convert: true, abortEarly: true });
  const { error } = result;
  if (error) throw new ConfigError(`Configuration error: "${variable}": ${error.details[0]?.message ?? error.message}`);
  const value: unknown = result.value;
  const list = (Array.isArray(value) ? value : (value as { clients: unknown[] }).clients) as Omit<
    ApiKeyClient,
    'rateLimitPerMinute'
  >[];
  const seen = new Set<string>();
  for (const client of list) {
    const unknown = client.providers.find((p) => p !== '*' && !knownProviders.includes(p));
    if (unknown)
      throw new ConfigError(
        `Configuration error: "${variable}": client "${client.name}" names an unknown provider "${unknown}"`,
      );
    for (const hash of client.keySha256) {
      if (seen.has(hash))
        throw new ConfigError(
          `Configuration error: "${variable}": a key hash is listed twice (client "${client.name}")`,
        );
      seen.add(hash);
    }
  }
  return Object.freeze(
    list.map((c) => Object.freeze({ ...c, rateLimitPerMinute: (c as Partial<ApiKeyClient>).rateLimitPerMinute })),
  );
}

function jwtSettings(v: Record<string, unknown>, production: boolean): JwtSettings | undefined {
  const jwksUrl = v.GATEWAY_JWT_JWKS_URL as string | undefined;
  if (!jwksUrl) return undefined;
  // Over plain http, whoever sits on the path to the issuer can hand the gateway keys of their own, and with them
  // mint tokens it accepts.
  if (production && new URL(jwksUrl).protocol !== 'https:') {
    throw new ConfigError('Configuration error: "GATEWAY_JWT_JWKS_URL" must be an https: URL in production');
  }
  const algorithms = list(v.GATEWAY_JWT_ALGORITHMS as string);
  const bad = algorithms.find((a) => !JWT_ALGORITHMS.includes(a));
  if (bad !== undefined || algorithms.length === 0) {
    throw new ConfigError(
      `Configuration error: "GATEWAY_JWT_ALGORITHMS" accepts asymmetric algorithms only ` +
        `(${JWT_ALGORITHMS.join(', ')}); got "${bad ?? ''}"`,
    );
  }
  return Object.freeze({
    jwksUrl,
    maxAgeSeconds: v.GATEWAY_JWT_MAX_AGE_SECONDS as number,
    issuer: v.GATEWAY_JWT_ISSUER as string,
    audience: list(v.GATEWAY_JWT_AUDIENCE as string),
    algorithms,
    providersClaim: v.GATEWAY_JWT_PROVIDERS_CLAIM as string,
    scopeClaim: v.GATEWAY_JWT_SCOPE_CLAIM as string,
    clockToleranceSeconds: v.GATEWAY_JWT_CLOCK_TOLERANCE_SECONDS as number,
  });
}

const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

function trustProxy(value: string): TrustProxy {
  const v = value.trim().toLowerCase();
  if (v === 'false' || v === '0') return false;
  if (v === 'true') {
    throw new ConfigError(
      'Configuration error: "TRUST_PROXY=true" would let any caller choose its own address with X-Forwarded-For: ' +
        'give the number of proxies in front (e.g. 1) or their addresses/CIDRs',
    );
  }
  if (/^\d+$/.test(v)) return Number(v);
  const entries = list(value);
  const bad = entries.find((entry) => !NAMED_RANGES.includes(entry) && !isAddressOrCidr(entry));
  if (bad !== undefined || entries.length === 0) {
    throw new ConfigError(
      `Configuration error: "TRUST_PROXY" must be false, a hop count, or a comma list of addresses/CIDRs ` +
        `(${NAMED_RANGES.join(', ')} allowed); got "${bad ?? value}"`,
    );
  }
  return Object.freeze(entries);
}

function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Exact origins only (`https://dash.example.com`): a wildcard would hand customer data to any web page. */
function corsOrigins(value: string | undefined): readonly string[] {
  const origins = list(value ?? '');
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(
        `Configuration error: "CORS_ORIGINS" takes exact origins like https://dashboard.example.com (no path, no wildcard); got "${origin}"`,
      );
    }
  }
  return Object.freeze(origins);
}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
