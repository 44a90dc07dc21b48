/**
 * The linking block of the configuration: the blind index behind `GET /customers/search` and
 * `GET /customers/{provider}/{id}/links`, its crawl, and the rules that decide a link.
 */
import Joi from 'joi';
import { ConfigError } from './index.js';
import { base64Key, sharedRedisVariable } from './fleet.js';

export interface LinkingConfig {
  /**
   * 32 bytes: identifiers are hashed with HMAC-SHA256 under it and summaries sealed under a key derived from it.
   * Unset (outside production and without Redis): a random key made at start; the index then lives and dies with
   * the process, which is all an index in memory does anyway.
   */
  indexKey: Buffer | undefined;
  /** Seconds between two crawls of a provider that can list (0: no crawl; lookups still feed the index). */
  crawlIntervalSeconds: number;
  /** The most of a provider's rate the crawl may use (0 < share ≤ 1). */
  crawlShare: number;
  /** An entry not seen again within this many seconds is forgotten. */
  ttlSeconds: number;
  /** Records the index keeps in memory (least recently seen go first). */
  maxRecords: number;
  /** Region of a phone number written without country code, when the record names no country. */
  defaultRegion: string;
  /** A strong identifier held by more records than this, whose names disagree, is generic. */
  genericLimit: number;
}

export const linkingKeys = {
  INDEX_KEY: Joi.string().base64(),
  INDEX_CRAWL_INTERVAL_SECONDS: Joi.number().integer().min(0).default(21600),
  INDEX_CRAWL_SHARE: Joi.number().greater(0).max(1).default(0.5),
  INDEX_TTL_SECONDS: Joi.number().integer().min(60).default(86400),
  INDEX_MAX_RECORDS: Joi.number().integer().min(1).default(200000),
  LINK_DEFAULT_REGION: Joi.string()
    .pattern(/^[A-Za-z]{2}$/, 'two letters')
    .uppercase()
    .default('NO'),
  LINK_GENERIC_LIMIT: Joi.number().integer().min(1).default(3),
};

export function linkingSettings(v: Record<string, unknown>, production: boolean): LinkingConfig {
  const indexKey = base64Key(v, 'INDEX_KEY');
  // In production the key must outlive a restart (the index in Redis does); with Redis every replica must hash
  // alike, which a random key per process cannot.
  const shared = sharedRedisVariable(v);
  if (indexKey === undefined && (production || shared !== undefined)) {
    throw new ConfigError(
      `Configuration error: "INDEX_KEY" is required in production and with "${shared ?? 'REDIS_URL'}" ` +
        '(32 bytes, base64-encoded: openssl rand -base64 32)',
    );
  }
  return Object.freeze({
    indexKey,
    crawlIntervalSeconds: v.INDEX_CRAWL_INTERVAL_SECONDS as number,
    crawlShare: v.INDEX_CRAWL_SHARE as number,
    ttlSeconds: v.INDEX_TTL_SECONDS as number,
    maxRecords: v.INDEX_MAX_RECORDS as number,
    defaultRegion: v.LINK_DEFAULT_REGION as string,
    genericLimit: v.LINK_GENERIC_LIMIT as number,
  });
}
