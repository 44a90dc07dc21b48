/**
 * The fleet's shared state in one object (`REDIS_URL` set): the Redis connection and its health, the event
 * bus, the cache's second tier, fleet-wide coalescing, the upstream quotas, the shared tokens, purges and the
 * inbound rate limiters. `src/services.ts` hands these to the lookup path; without `REDIS_URL` there is no
 * Fleet and everything stays in memory.
 */
import type { FleetConfig } from '../../config/fleet.js';
import type { Clock, ClockTimer } from '../core/clock.js';
import type { CacheKey } from '../core/cache-key.js';
import type { Logger } from '../core/logger.js';
import type { PurgeBroadcast, PurgeOutcome } from '../core/seams.js';
import { keyDigest, ValueCipher } from './cipher.js';
import { FleetEvents } from './events.js';
import { defineQuotaScript, FleetQuota } from './fleet-quota.js';
import { FleetCoalescer } from './lease.js';
import { fleetRateLimiter } from './rate-limits.js';
import { FleetRedis, RedisUnavailable, type RedisHealth, type RedisMetrics } from './redis.js';
import { SharedCache } from './shared-cache.js';
import { SharedTokens } from './shared-tokens.js';

/** Purges that could not reach Redis are sent again when it is back, and once more this much later, by when
 * every replica's event connection has reconnected too (their reconnect strategy retries at least every 2 s). */
const PURGE_REPLAY_AGAIN_MS = 3000;

export class Fleet implements PurgeBroadcast {
  readonly redis: FleetRedis;
  readonly events: FleetEvents;
  readonly cache: SharedCache;
  readonly coalescer: FleetCoalescer;
  readonly tokens: SharedTokens;
  readonly cipher: ValueCipher | undefined;
  private readonly quotas = new Map<string, FleetQuota>();
  private readonly pendingPurges = new Set<CacheKey>();
  private readonly purgeListeners = new Set<(cacheKey: CacheKey) => void>();
  private replayTimer: ClockTimer | undefined;

  constructor(
    readonly config: FleetConfig & { redisUrl: string },
    private readonly logger: Logger,
    clock: Clock,
    metrics?: RedisMetrics,
  ) {
    this.cipher = config.encryptionKey ? new ValueCipher(config.encryptionKey) : undefined;
    this.redis = new FleetRedis({
      url: config.redisUrl,
      keyPrefix: config.keyPrefix,
      timeoutMs: config.timeoutMs,
      logger,
      metrics,
      clock,
    });
    defineQuotaScript(this.redis.quotaClient);
    this.events = new FleetEvents(this.redis, this.cipher);
    this.cache = new SharedCache(this.redis, this.cipher);
    this.coalescer = new FleetCoalescer(this.redis, this.events);
    this.tokens = new SharedTokens(this.redis, this.events, this.cipher);
    this.events.on((event) => {
      if (event.t === 'purge') for (const listener of this.purgeListeners) listener(event.key);
    });
    this.redis.onHealth((health) => {
      if (health === 'up' && this.pendingPurges.size > 0) this.replayPurges();
    });
  }

  get health(): RedisHealth {
    return this.redis.health;
  }

  /** What `/readyz` shows about the fleet's Redis (never its URL: it carries the password). */
  state(): Record<string, unknown> {
    return {
      redis: this.redis.health,
      events: this.events.listening ? 'subscribed' : 'not subscribed',
      fleetSize: this.config.size,
      encryption: this.cipher ? 'aes-256-gcm' : 'off',
      pendingPurges: this.pendingPurges.size,
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
   * Deletes the L2 entries and tells every replica to drop its L1 copies, before resolving. Redis unavailable:
   * the purge is kept and sent again once Redis is back.
   */
  async purge(cacheKeys: readonly CacheKey[]): Promise<PurgeOutcome> {
    try {
      let existed = false;
      for (const key of cacheKeys) if (await this.cache.delete(key)) existed = true;
      for (const key of cacheKeys) await this.events.publish({ t: 'purge', key });
      return { shared: true, existed };
    } catch (error) {
      if (!(error instanceof RedisUnavailable)) throw error;
      for (const key of cacheKeys) this.pendingPurges.add(key);
      this.logger.warn(
        { pendingPurges: this.pendingPurges.size },
        'cache purge could not reach redis: it is sent again when redis is back',
      );
      return { shared: false, existed: false };
    }
  }

  async close(): Promise<void> {
    this.replayTimer?.cancel();
    await this.redis.close();
  }

  private replayPurges(): void {
    /** True when every pending purge reached Redis. */
    const replay = async (): Promise<boolean> => {
      for (const key of [...this.pendingPurges]) {
        try {
          await this.cache.delete(key);
          await this.events.publish({ t: 'purge', key });
        } catch {
          return false;
        }
      }
      return true;
    };
    void replay().then((sent) => {
      if (!sent) return;
      this.replayTimer?.cancel();
      this.replayTimer = this.redis.clock.setTimer(PURGE_REPLAY_AGAIN_MS, () => {
        void replay().then((again) => {
          if (!again) return;
          this.pendingPurges.clear();
          this.logger.info('pending cache purges sent to the fleet');
        });
      });
    });
  }
}
