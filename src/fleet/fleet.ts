/**
 * The fleet's shared state in one object (a shared Redis configured, of any topology): the Redis connection and
 * its health, the event bus, the cache's second tier, fleet-wide coalescing, the upstream quotas, the shared
 * tokens, purges and the inbound rate limiters. `src/services.ts` hands these to the lookup path; without a shared
 * Redis there is no Fleet and everything stays in memory.
 */
import type { FleetConfig, RedisTopology } from '../../config/fleet.js';
import type { Clock } from '../core/clock.js';
import type { CacheKey } from '../core/cache-key.js';
import type { Logger } from '../core/logger.js';
import type { PurgeBroadcast, PurgeOutcome } from '../core/seams.js';
import { keyDigest, ValueCipher } from './cipher.js';
import { FleetEvents } from './events.js';
import { FleetQuota } from './fleet-quota.js';
import { defineQuotaScripts } from './quota-scripts.js';
import { FleetCoalescer } from './lease.js';
import { fleetRateLimiter } from './rate-limits.js';
import { FleetPurges } from './purges.js';
import { FleetRedis, type RedisHealth, type RedisMetrics } from './redis.js';
import { SharedCache } from './shared-cache.js';
import { SharedTokens } from './shared-tokens.js';

export class Fleet implements PurgeBroadcast {
  readonly redis: FleetRedis;
  readonly events: FleetEvents;
  readonly cache: SharedCache;
  readonly coalescer: FleetCoalescer;
  readonly tokens: SharedTokens;
  readonly cipher: ValueCipher | undefined;
  private readonly quotas = new Map<string, FleetQuota>();
  private readonly purges: FleetPurges;
  private readonly purgeListeners = new Set<(cacheKey: CacheKey) => void>();

  constructor(
    readonly config: FleetConfig & { redis: RedisTopology },
    private readonly logger: Logger,
    clock: Clock,
    metrics?: RedisMetrics,
  ) {
    this.cipher = config.encryptionKey ? new ValueCipher(config.encryptionKey) : undefined;
    this.redis = new FleetRedis({
      topology: config.redis,
      keyPrefix: config.keyPrefix,
      timeoutMs: config.timeoutMs,
      logger,
      metrics,
      clock,
    });
    defineQuotaScripts(this.redis.quotaClient);
    this.events = new FleetEvents(this.redis, this.cipher);
    this.cache = new SharedCache(this.redis, this.cipher);
    this.coalescer = new FleetCoalescer(this.redis, this.events);
    this.tokens = new SharedTokens(this.redis, this.events, this.cipher);
    this.purges = new FleetPurges(this.redis, this.cache, this.events, config.size, logger);
    this.events.on((event) => {
      if (event.t === 'purge') for (const listener of this.purgeListeners) listener(event.key);
    });
    this.events.onListening((again) => {
      if (again)
        logger.info('redis: listening to the fleet again: cached copies dropped (purges may have been missed)');
    });
  }

  get health(): RedisHealth {
    return this.redis.health;
  }

  /** What `/readyz` shows about the fleet's Redis (never its URL: it carries the password). */
  state(): Record<string, unknown> {
    return {
      redis: this.redis.health,
      topology: this.config.redis.kind,
      scripts: this.redis.scriptsFailing ? 'failing' : 'ok',
      events: this.events.listening ? 'subscribed' : 'not subscribed',
      fleetSize: this.config.size,
      encryption: this.cipher ? 'aes-256-gcm' : 'off',
      pendingPurges: this.purges.size,
      quotas: Object.fromEntries([...this.quotas].map(([provider, quota]) => [provider, quota.state()])),
    };
  }

  /** The provider's upstream quota for the fleet (one per provider and process). */
  quota(provider: string, perSecond: number): FleetQuota {
    let quota = this.quotas.get(provider);
    if (!quota) this.quotas.set(provider, (quota = new FleetQuota(this.redis, provider, perSecond, this.config.size)));
    return quota;
  }

  rateLimiter(points: number, durationSeconds: number) {
    return fleetRateLimiter(this.redis, this.cipher, points, durationSeconds);
  }

  /** The digest that names a Redis key after `text` (a credential, say): keyed with the fleet's key. */
  keyName(text: string): string {
    return keyDigest(this.cipher, text);
  }

  /** Called with the cache key of every purge in the fleet, this replica's own included. */
  onPurge(listener: (cacheKey: CacheKey) => void): void {
    this.purgeListeners.add(listener);
  }

  /**
   * Called when this replica may have missed purges: each time it starts listening to the fleet's events, at start
   * (it may have loaded before) and after every gap.
   */
  onMissedPurges(listener: () => void): void {
    this.events.onListening(() => listener());
  }

  /**
   * Deletes the L2 entries and tells every replica to drop its L1 copies, before resolving; says how many replicas
   * confirmed. Not taken by Redis, or not confirmed by every replica: sent again until it is (purges.ts).
   */
  purge(cacheKeys: readonly CacheKey[]): Promise<PurgeOutcome> {
    return this.purges.purge(cacheKeys);
  }

  async close(): Promise<void> {
    this.purges.close();
    await Promise.all([...this.quotas.values()].map((quota) => quota.close()));
    await this.redis.close();
  }
}
