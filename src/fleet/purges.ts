/**
 * Purges for the fleet. For each cache key a purge deletes the L2 entry, ends the key's load lease (a load it
 * overtook no longer holds the right to write, see shared-cache.ts), leaves a short marker (`purged:…`,
 * `PURGE_MARKER_MS`) that a load without a lease checks before it writes, and publishes the purge on the event
 * channel. The publish answers how many replicas were listening: fewer than `FLEET_SIZE` and the purge is not
 * reported as everywhere.
 *
 * On one server (or behind Sentinel) all of it is one MULTI, publishes included: atomic in Redis. In a Cluster each
 * key's three writes are one MULTI on the key's node (its entry, lease and marker share a hash slot), and the
 * publishes follow once every key's MULTI succeeded: a purge whose writes were taken but whose publish failed is
 * kept as taken-but-unconfirmed and published again (below), as one that too few replicas heard.
 *
 * A purge that Redis did not take (down, stalled, a timed-out command) is kept and sent again every
 * `RETRY_MS` on the fleet's clock until Redis takes it, not only when Redis's health changes (a single timed-out
 * command does not change it). One that Redis took but fewer replicas confirmed is published again on the same
 * timer, for `CONFIRM_FOR_MS`: a replica that was not listening drops every copy it keeps when it listens again
 * (events.ts `onListening`), so it needs no resend; the resend only learns whether everyone has it now.
 *
 * Kept in memory: a replica that restarts with purges still pending loses them (their L1 copies elsewhere live
 * until they expire). The answer to the purge (202) said they were pending.
 */
import type { ChainableCommander } from 'ioredis';
import type { CacheKey } from '../core/cache-key.js';
import type { ClockTimer } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { PurgeOutcome } from '../core/seams.js';
import type { FleetEvents } from './events.js';
import { RedisUnavailable, type FleetRedis } from './redis.js';
import { PURGE_MARKER_MS, type SharedCache } from './shared-cache.js';

/** How often pending purges are tried again: with Redis's reconnect (≤ 2 s), a purge's delay once Redis is back. */
export const RETRY_MS = 500;
/** How long a purge Redis took is published again while fewer replicas than expected confirm it. */
export const CONFIRM_FOR_MS = 10_000;

interface Pending {
  /** Redis took the purge (entry deleted, lease ended, marker set): only the confirmation is missing. */
  stored: boolean;
  /** When Redis took it (the clock's time), for `CONFIRM_FOR_MS`. */
  storedAt: number;
}

export class FleetPurges {
  private readonly pending = new Map<CacheKey, Pending>();
  private timer: ClockTimer | undefined;
  private retrying: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly redis: FleetRedis,
    private readonly cache: SharedCache,
    private readonly events: FleetEvents,
    private readonly expected: number,
    private readonly logger: Logger,
  ) {
    // Back after an outage: try at once rather than at the next tick.
    redis.onHealth((health) => {
      if (health === 'up' && this.pending.size > 0) void this.retry();
    });
  }

  /** Purges not yet taken by Redis or not yet confirmed by every replica. */
  get size(): number {
    return this.pending.size;
  }

  async purge(keys: readonly CacheKey[]): Promise<PurgeOutcome> {
    let sent: { existed: boolean; confirmed: number };
    try {
      sent = await this.send(keys);
    } catch (error) {
      if (!(error instanceof RedisUnavailable)) throw error;
      for (const key of keys) this.pending.set(key, { stored: false, storedAt: 0 });
      this.schedule();
      this.logger.warn(
        { pendingPurges: this.pending.size },
        'cache purge could not reach redis: it is sent again until redis takes it',
      );
      return { shared: false, existed: false };
    }
    const replicas = { confirmed: sent.confirmed, expected: this.expected };
    const everywhere = sent.confirmed >= this.expected;
    for (const key of keys) {
      if (everywhere) this.pending.delete(key);
      else this.pending.set(key, { stored: true, storedAt: this.redis.clock.now() });
    }
    if (!everywhere) {
      this.schedule();
      this.logger.warn(replicas, 'cache purge reached fewer replicas than FLEET_SIZE: it is published again');
    }
    return { shared: everywhere, existed: sent.existed, replicas };
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
  }

  /**
   * Deletes, ends the leases, marks and publishes, in one MULTI; resolves with whether an entry existed and how many
   * replicas got every one of the events (the fewest). Throws `RedisUnavailable`.
   */
  private async send(keys: readonly CacheKey[]): Promise<{ existed: boolean; confirmed: number }> {
    const writes = keys.map((key) => (multi: ChainableCommander) => {
      multi.del(this.cache.redisKey(key));
      multi.del(this.cache.leaseKey(key));
      multi.set(this.cache.markerKey(key), '1', 'PX', PURGE_MARKER_MS);
    });
    const publishes = this.redis.cluster
      ? []
      : [
          (multi: ChainableCommander) => {
            for (const key of keys) multi.publish(this.events.channel, this.events.encode({ t: 'purge', key }));
          },
        ];
    // Throws RedisUnavailable: in a Cluster some keys' MULTIs may have been taken already; sending them again with
    // the others is harmless (a delete of nothing, a fresh marker).
    const groups = await this.redis.transaction('multi', [...writes, ...publishes]);
    const existed = groups.slice(0, keys.length).some((replies) => Number(replies[0]) > 0);
    if (!this.redis.cluster) {
      const published = (groups[keys.length] ?? []).map(Number);
      return { existed, confirmed: Math.min(...published) };
    }
    // Taken; a publish that fails now leaves the purge taken but unconfirmed: it is published again.
    let confirmed = Infinity;
    try {
      for (const key of keys) confirmed = Math.min(confirmed, await this.events.publish({ t: 'purge', key }));
    } catch (error) {
      if (!(error instanceof RedisUnavailable)) throw error;
      confirmed = 0;
    }
    return { existed, confirmed };
  }

  /** Publishes again; resolves with the fewest replicas that got each event. Throws `RedisUnavailable`. */
  private async republish(keys: readonly CacheKey[]): Promise<number> {
    let fewest = Infinity;
    for (const key of keys) fewest = Math.min(fewest, await this.events.publish({ t: 'purge', key }));
    return fewest;
  }

  private schedule(): void {
    if (this.closed || this.timer || this.pending.size === 0) return;
    this.timer = this.redis.clock.setTimer(RETRY_MS, () => {
      this.timer = undefined;
      void this.retry().finally(() => this.schedule());
    });
  }

  /** One pass over the pending purges (one at a time: the timer and a health change may both ask). */
  private retry(): Promise<void> {
    this.retrying ??= this.retryPending().finally(() => (this.retrying = undefined));
    return this.retrying;
  }

  private async retryPending(): Promise<void> {
    const unsent = [...this.pending].filter(([, p]) => !p.stored).map(([key]) => key);
    const unconfirmed = [...this.pending].filter(([, p]) => p.stored).map(([key]) => key);
    try {
      if (unsent.length > 0) {
        const { confirmed } = await this.send(unsent);
        const now = this.redis.clock.now();
        for (const key of unsent) this.pending.set(key, { stored: true, storedAt: now });
        this.confirmed(unsent, confirmed);
        this.logger.info({ confirmed, expected: this.expected }, 'pending cache purges sent to the fleet');
      }
      if (unconfirmed.length > 0) this.confirmed(unconfirmed, await this.republish(unconfirmed));
    } catch (error) {
      if (!(error instanceof RedisUnavailable)) throw error;
      // Still unavailable: the next tick tries again.
    }
  }

  /** Forgets the purges every replica confirmed, and those whose time to be confirmed has passed. */
  private confirmed(keys: readonly CacheKey[], confirmed: number): void {
    const now = this.redis.clock.now();
    for (const key of keys) {
      const pending = this.pending.get(key);
      if (!pending?.stored) continue;
      if (confirmed >= this.expected) {
        this.pending.delete(key);
      } else if (now - pending.storedAt >= CONFIRM_FOR_MS) {
        this.pending.delete(key);
        // The missing replicas are down, not started, or not listening: each drops every copy when it listens again.
        this.logger.warn(
          { confirmed, expected: this.expected },
          'a cache purge was not confirmed by every replica: those missing drop their copies when they reconnect',
        );
      }
    }
  }
}
