/**
 * The ioredis clients of the fleet's Redis, one topology each: a server named by its URL, a primary found through
 * Sentinel, or a Redis Cluster. Whatever the topology, a client fails fast: no queue of commands while
 * disconnected, no resending after a reconnect, a client-side timeout on each command (the gateway has a local
 * fallback for everything it keeps in Redis), and it reconnects for ever, quickly at first, then every 2 s.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisTopology } from '../../config/fleet.js';

export type RedisClient = Redis | Cluster;

export interface ClientSettings {
  commandTimeoutMs: number;
  /** The connection's name (`CLIENT LIST` shows which replica connection is which). */
  name: string;
  /** The event bus's connection: in a Cluster it subscribes on the node that serves the channel's slot. */
  subscriber?: boolean;
}

/** Reconnect delays: 100 ms, 200 ms, … then every 2 s; sharing resumes soon after Redis is back. */
const reconnectDelay = (times: number): number => Math.min(100 * times, 2000);

function connectionOptions(settings: ClientSettings): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // The event bus subscribes again itself on every 'ready' (and handles a failure); ioredis's own resubscription
    // has no handler, so a timed-out SUBSCRIBE would be an unhandled rejection.
    autoResubscribe: false,
    commandTimeout: settings.commandTimeoutMs,
    connectTimeout: Math.max(1000, settings.commandTimeoutMs * 20),
    retryStrategy: reconnectDelay,
    // RESP2 works with every Redis and Valkey the gateway may meet (RESP3 needs Redis 6+).
    protocol: 2,
    connectionName: settings.name,
    // On shutdown, a socket that does not close by itself is destroyed after this long.
    disconnectTimeout: 200,
  };
}

export function connectRedis(topology: RedisTopology, settings: ClientSettings): RedisClient {
  const options = connectionOptions(settings);
  switch (topology.kind) {
    // Credentials and TLS (`rediss://`) come from the URL.
    case 'single':
      return new Redis(topology.url, options);
    case 'sentinel':
      return new Redis({
        ...options,
        sentinels: topology.sentinels,
        name: topology.name,
        password: topology.password,
        ...(topology.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
        // A sentinel that does not answer is skipped for the next one at once, not after a long wait.
        sentinelCommandTimeout: Math.max(500, settings.commandTimeoutMs),
        sentinelRetryStrategy: reconnectDelay,
        // Not ioredis's `failoverDetector` (reconnect on Sentinel's +switch-master): when the announcement comes while
        // the client is already reconnecting (its primary died), it cancels that reconnection and the client ends for
        // good (seen in test/fleet/sentinel-failover.test.ts). A dead primary closes the connection anyway, and the
        // reconnection asks the sentinels again. A primary demoted to replica while its connections stayed open
        // refuses writes (READONLY): reconnect then, and the sentinels name the new primary.
        reconnectOnError: (error) => error.message.startsWith('READONLY'),
      });
    case 'cluster': {
      const { retryStrategy: _retry, enableOfflineQueue: _queue, ...perNode } = options;
      const cluster: ClusterOptions = {
        enableOfflineQueue: false,
        clusterRetryStrategy: reconnectDelay,
        // Writes and reads go to each slot's primary: a replica may lag behind a purge or a lease.
        scaleReads: 'master',
        // A slot that moved (resharding, a failover) is followed once, then the command fails like any other.
        maxRedirections: 1,
        // Sharded pub/sub (SSUBSCRIBE) subscribes on the node that serves the channel's slot.
        shardedSubscribers: settings.subscriber === true,
        slotsRefreshTimeout: Math.max(1000, settings.commandTimeoutMs * 20),
        redisOptions: {
          ...perNode,
          password: topology.password,
          ...(topology.tls ? { tls: {} } : {}),
        },
      };
      return new Cluster(topology.nodes, cluster);
    }
  }
}
