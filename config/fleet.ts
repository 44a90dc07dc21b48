/**
 * The fleet block of the configuration: the Redis that replicas share (cache L2, coalescing, upstream quota,
 * tokens, purges, inbound rate limits), how many replicas to expect, and the key that encrypts cached values.
 */
import Joi from 'joi';
import { ConfigError } from './index.js';

export interface FleetConfig {
  /** `redis://` or `rediss://`, credentials in the URL; unset: one process, everything in memory. */
  redisUrl: string | undefined;
  keyPrefix: string;
  /** Every Redis command gives up after this many milliseconds. */
  timeoutMs: number;
  /** Replicas expected: with Redis down, each replica takes floor(rate ÷ FLEET_SIZE) of an upstream's quota. */
  size: number;
  /** 32 bytes: values stored in Redis are sealed with AES-256-GCM under it. */
  encryptionKey: Buffer | undefined;
}

export const fleetKeys = {
  REDIS_URL: Joi.string().uri({ scheme: ['redis', 'rediss'] }),
  REDIS_KEY_PREFIX: Joi.string()
    .pattern(/^[A-Za-z0-9:._-]{1,32}$/)
    .default('cgw:'),
  REDIS_TIMEOUT_MS: Joi.number().integer().min(1).max(10000).default(50),
  FLEET_SIZE: Joi.number().integer().min(1).max(1000).default(1),
  CACHE_ENCRYPTION_KEY: Joi.string().base64(),
};

export function fleetSettings(v: Record<string, unknown>, production: boolean): FleetConfig {
  const key = v.CACHE_ENCRYPTION_KEY as string | undefined;
  const encryptionKey = key === undefined ? undefined : Buffer.from(key, 'base64');
  // Customers' data would sit in clear in a store that every replica, backup and MONITOR session can read.
  if (production && v.REDIS_URL !== undefined && encryptionKey === undefined) {
    throw new ConfigError(
      'Configuration error: "CACHE_ENCRYPTION_KEY" is required in production with "REDIS_URL" ' +
        '(32 bytes, base64-encoded: openssl rand -base64 32)',
    );
  }
  if (encryptionKey && encryptionKey.length !== 32) {
    throw new ConfigError(
      'Configuration error: "CACHE_ENCRYPTION_KEY" must be 32 bytes, base64-encoded (openssl rand -base64 32)',
    );
  }
  return Object.freeze({
    redisUrl: v.REDIS_URL as string | undefined,
    keyPrefix: v.REDIS_KEY_PREFIX as string,
    timeoutMs: v.REDIS_TIMEOUT_MS as number,
    size: v.FLEET_SIZE as number,
    encryptionKey,
  });
}
