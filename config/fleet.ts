/**
 * The fleet block of the configuration: the Redis that replicas share (cache L2, coalescing, upstream quota,
 * tokens, purges, inbound rate limits), how many replicas to expect, and the key that encrypts cached values.
 *
 * The shared Redis is one of three topologies, exactly one of them set: one server (`REDIS_URL`), a primary
 * watched by Sentinel (`REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`), or a Redis Cluster (`REDIS_CLUSTER_NODES`).
 * The URL carries its own credentials and TLS (`rediss://`); the other two have no URL, so `REDIS_PASSWORD` and
 * `REDIS_TLS` say them (and are not read with a URL).
 */
import Joi from 'joi';
import { ConfigError } from './index.js';

export interface RedisNode {
  host: string;
  port: number;
}

/** Where the fleet's Redis is, and how to reach it. */
export type RedisTopology =
  | { kind: 'single'; url: string }
  | { kind: 'sentinel'; sentinels: RedisNode[]; name: string; password: string | undefined; tls: boolean }
  | { kind: 'cluster'; nodes: RedisNode[]; password: string | undefined; tls: boolean };

export interface FleetConfig {
  /** The shared Redis; unset: one process, everything in memory. */
  redis: RedisTopology | undefined;
  keyPrefix: string;
  /** Every Redis command gives up after this many milliseconds. */
  timeoutMs: number;
  /** Replicas expected: with Redis down, each replica takes floor(rate ÷ FLEET_SIZE) of an upstream's quota. */
  size: number;
  /** 32 bytes: values stored in Redis are sealed with AES-256-GCM under it. */
  encryptionKey: Buffer | undefined;
}

/** `host:port,host:port`: a host name, IPv4 or bracketed IPv6 address, then a port. */
const nodeList = Joi.string().pattern(
  /^\s*(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}\s*(?:,\s*(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}\s*)*$/,
  'host:port[,host:port…]',
);

export const fleetKeys = {
  REDIS_URL: Joi.string().uri({ scheme: ['redis', 'rediss'] }),
  REDIS_SENTINELS: nodeList,
  REDIS_SENTINEL_NAME: Joi.string().pattern(/^[A-Za-z0-9._-]{1,64}$/, 'a master group name'),
  REDIS_CLUSTER_NODES: nodeList,
  REDIS_PASSWORD: Joi.string(),
  REDIS_TLS: Joi.boolean().default(false),
  REDIS_KEY_PREFIX: Joi.string()
    .pattern(/^[A-Za-z0-9:._-]{1,32}$/)
    .default('cgw:'),
  REDIS_TIMEOUT_MS: Joi.number().integer().min(1).max(10000).default(50),
  FLEET_SIZE: Joi.number().integer().min(1).max(1000).default(1),
  CACHE_ENCRYPTION_KEY: Joi.string().base64(),
};

/** The 32-byte key given base64-encoded in the variable `name`, or undefined when it is unset. */
export function base64Key(v: Record<string, unknown>, name: string): Buffer | undefined {
  const text = v[name] as string | undefined;
  if (text === undefined) return undefined;
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) {
    throw new ConfigError(`Configuration error: "${name}" must be 32 bytes, base64-encoded (openssl rand -base64 32)`);
  }
  return key;
}

/** The variable that names the shared Redis, whatever its topology; undefined without one. */
export function sharedRedisVariable(v: Record<string, unknown>): string | undefined {
  return ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'].find((name) => v[name] !== undefined);
}

function parseNodes(list: string): RedisNode[] {
  return list.split(',').map((entry) => {
    const at = entry.trim().lastIndexOf(':');
    const host = entry
      .trim()
      .slice(0, at)
      .replace(/^\[(.*)\]$/, '$1');
    return { host, port: Number(entry.trim().slice(at + 1)) };
  });
}

function redisTopology(v: Record<string, unknown>): RedisTopology | undefined {
  const set = ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'].filter((name) => v[name] !== undefined);
  if (set.length > 1)
    throw new ConfigError(
      `Configuration error: "${set[0]}" and "${set[1]}" are both set: the fleet's Redis is one topology, set one`,
    );
  if (v.REDIS_SENTINELS !== undefined && v.REDIS_SENTINEL_NAME === undefined)
    throw new ConfigError(
      'Configuration error: "REDIS_SENTINEL_NAME" is required with "REDIS_SENTINELS" (the master group name)',
    );
  if (v.REDIS_SENTINEL_NAME !== undefined && v.REDIS_SENTINELS === undefined)
    throw new ConfigError('Configuration error: "REDIS_SENTINEL_NAME" is set without "REDIS_SENTINELS"');
  const password = v.REDIS_PASSWORD as string | undefined;
  const tls = v.REDIS_TLS as boolean;
  // The URL says both itself, and wins: REDIS_PASSWORD may sit beside it for the Redis server's own use (the shipped
  // Kubernetes Secret holds both and hands both to the gateway).
  if (typeof v.REDIS_URL === 'string') return { kind: 'single', url: v.REDIS_URL };
  if (typeof v.REDIS_SENTINELS === 'string')
    return {
      kind: 'sentinel',
      sentinels: parseNodes(v.REDIS_SENTINELS),
      name: v.REDIS_SENTINEL_NAME as string,
      password,
      tls,
    };
  if (typeof v.REDIS_CLUSTER_NODES === 'string')
    return { kind: 'cluster', nodes: parseNodes(v.REDIS_CLUSTER_NODES), password, tls };
  return undefined;
}

export function fleetSettings(v: Record<string, unknown>, production: boolean): FleetConfig {
  const redis = redisTopology(v);
  const encryptionKey = base64Key(v, 'CACHE_ENCRYPTION_KEY');
  // Customers' data would sit in clear in a store that every replica, backup and MONITOR session can read.
  const shared = sharedRedisVariable(v);
  if (production && shared !== undefined && encryptionKey === undefined) {
    throw new ConfigError(
      `Configuration error: "CACHE_ENCRYPTION_KEY" is required in production with "${shared}" ` +
        '(32 bytes, base64-encoded: openssl rand -base64 32)',
    );
  }
  return Object.freeze({
    redis,
    keyPrefix: v.REDIS_KEY_PREFIX as string,
    timeoutMs: v.REDIS_TIMEOUT_MS as number,
    size: v.FLEET_SIZE as number,
    encryptionKey,
  });
}
