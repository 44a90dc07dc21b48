/**
 * The security block of the configuration (issue 5): inbound authentication (API keys, JWT), the gateway's
 * own rate limit, and the HTTP hardening knobs. Kept apart from `index.ts` so that it reads as one unit.
 */
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import Joi from 'joi';
import { ConfigError } from './index.js';

export const SCOPES = ['pii:read', 'cache:purge'] as const;
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
  issuer: string;
  audience: readonly string[];
  algorithms: readonly string[];
  providersClaim: string;
  scopeClaim: string;
  clockToleranceSeconds: number;
}

/** express `trust proxy`: off, on (any hop), a hop count, or a list of addresses/CIDRs/names. */
export type TrustProxy = boolean | number | readonly string[];

export interface SecurityConfig {
  /** Neither API keys nor JWT configured (refused in production): everyone may look up, PII stays masked. */
  open: boolean;
  apiKeys: readonly ApiKeyClient[];
  jwt: JwtSettings | undefined;
  /** Requests per minute per client (per IP when open); 0 turns the limit off. */
  rateLimitPerMinute: number;
  maxUrlLength: number;
  /** Node's `maxHeaderSize` for the listening server (bytes, all request headers together). */
  maxHeaderBytes: number;
  trustProxy: TrustProxy;
  /** Exact origins allowed to call the gateway from a browser; empty: no CORS headers at all. */
  corsOrigins: readonly string[];
}

/** Asymmetric only: a JWKS never holds the shared secret an HS* token needs, and `none` is never acceptable. */
const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

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
  GATEWAY_RATE_LIMIT_PER_MINUTE: Joi.number().integer().min(0).default(600),
  GATEWAY_MAX_URL_LENGTH: Joi.number().integer().min(64).max(65536).default(2048),
  GATEWAY_MAX_HEADER_BYTES: Joi.number().integer().min(1024).max(1024 * 1024).default(16384),
  TRUST_PROXY: Joi.string().default('false'),
  CORS_ORIGINS: Joi.string(),
};

const clientSchema = Joi.object({
  name: Joi.string().pattern(/^[A-Za-z0-9._:@-]{1,64}$/).required(),
  keySha256: Joi.array().items(Joi.string().hex().length(64).lowercase()).min(1).max(4).required(),
  providers: Joi.array().items(Joi.string()).min(1).required(),
  scopes: Joi.array().items(Joi.string().valid(...SCOPES)).unique().default([]),
  rateLimitPerMinute: Joi.number().integer().min(0),
});
const keyFileSchema = Joi.alternatives(
  Joi.array().items(clientSchema).unique('name'),
  Joi.object({ clients: Joi.array().items(clientSchema).unique('name').required() }),
);

export function securitySettings(v: Record<string, unknown>, options: { production: boolean; knownProviders: readonly string[] }): SecurityConfig {
  const apiKeys = apiKeyClients(v, options.knownProviders);
  const jwt = jwtSettings(v);
  const open = apiKeys.length === 0 && jwt === undefined;
  if (open && options.production) {
    throw new ConfigError('Configuration error: NODE_ENV=production needs inbound authentication: set "GATEWAY_API_KEYS_FILE" (or "GATEWAY_API_KEYS") or "GATEWAY_JWT_JWKS_URL"');
  }
  return Object.freeze({
    open,
    apiKeys,
    jwt,
    rateLimitPerMinute: v.GATEWAY_RATE_LIMIT_PER_MINUTE as number,
    maxUrlLength: v.GATEWAY_MAX_URL_LENGTH as number,
    maxHeaderBytes: v.GATEWAY_MAX_HEADER_BYTES as number,
    trustProxy: trustProxy(v.TRUST_PROXY as string),
    corsOrigins: corsOrigins(v.CORS_ORIGINS as string | undefined),
  });
}

/** The key file (or inline JSON). Its content is never echoed in an error: it may be pasted in the wrong place. */
function apiKeyClients(v: Record<string, unknown>, knownProviders: readonly string[]): readonly ApiKeyClient[] {
  const file = v.GATEWAY_API_KEYS_FILE as string | undefined;
  const inline = v.GATEWAY_API_KEYS as string | undefined;
  if (file && inline) throw new ConfigError('Configuration error: set "GATEWAY_API_KEYS_FILE" or "GATEWAY_API_KEYS", not both');
  if (!file && !inline) return [];
  const variable = file ? 'GATEWAY_API_KEYS_FILE' : 'GATEWAY_API_KEYS';
  let text: string;
  try {
    text = file ? readFileSync(file, 'utf8') : (inline ?? '');
  } catch (error) {
    throw new ConfigError(`Configuration error: "${variable}" cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`Configuration error: "${variable}" is not valid JSON`);
  }
  const { value, error } = keyFileSchema.validate(parsed, { convert: true, abortEarly: true });
  if (error) throw new ConfigError(`Configuration error: "${variable}": ${error.details[0]?.message ?? error.message}`);
  const list = (Array.isArray(value) ? value : (value as { clients: unknown[] }).clients) as Omit<ApiKeyClient, 'rateLimitPerMinute'>[];
  const seen = new Set<string>();
  for (const client of list) {
    const unknown = client.providers.find((p) => p !== '*' && !knownProviders.includes(p));
    if (unknown) throw new ConfigError(`Configuration error: "${variable}": client "${client.name}" names an unknown provider "${unknown}"`);
    for (const hash of client.keySha256) {
      if (seen.has(hash)) throw new ConfigError(`Configuration error: "${variable}": a key hash is listed twice (client "${client.name}")`);
      seen.add(hash);
    }
  }
  return Object.freeze(list.map((c) => Object.freeze({ ...c, rateLimitPerMinute: (c as Partial<ApiKeyClient>).rateLimitPerMinute })));
}

function jwtSettings(v: Record<string, unknown>): JwtSettings | undefined {
  const jwksUrl = v.GATEWAY_JWT_JWKS_URL as string | undefined;
  if (!jwksUrl) return undefined;
  const algorithms = list(v.GATEWAY_JWT_ALGORITHMS as string);
  const bad = algorithms.find((a) => !JWT_ALGORITHMS.includes(a));
  if (bad !== undefined || algorithms.length === 0) {
    throw new ConfigError(`Configuration error: "GATEWAY_JWT_ALGORITHMS" accepts asymmetric algorithms only (${JWT_ALGORITHMS.join(', ')}); got "${bad ?? ''}"`);
  }
  return Object.freeze({
    jwksUrl,
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
  if (v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  const entries = list(value);
  const bad = entries.find((entry) => !NAMED_RANGES.includes(entry) && !isAddressOrCidr(entry));
  if (bad !== undefined || entries.length === 0) {
    throw new ConfigError(`Configuration error: "TRUST_PROXY" must be true, false, a hop count, or a comma list of addresses/CIDRs (${NAMED_RANGES.join(', ')} allowed); got "${bad ?? value}"`);
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
      throw new ConfigError(`Configuration error: "CORS_ORIGINS" takes exact origins like https://dashboard.example.com (no path, no wildcard); got "${origin}"`);
    }
  }
  return Object.freeze(origins);
}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
