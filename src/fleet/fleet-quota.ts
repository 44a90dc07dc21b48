/**
 * One provider's upstream quota for the whole fleet: `<P>_RATE_LIMIT_PER_SECOND` is the fleet's rate. A Lua
 * script in Redis hands out the next slot, spaced `(1000 + 100) / rate` ms apart exactly like the in-memory
 * quota (the 100 ms absorb the time between a grant and the request reaching the upstream), on Redis's own
 * clock, so replicas' clocks need not agree. A lookup whose slot would come after its deadline is refused at
 * once (`provider-unavailable`), as in memory; a granted slot is waited for on the replica.
 *
 * Redis unavailable: each replica falls back to rate ÷ FLEET_SIZE in memory, which together cannot exceed
 * the provider's rate on average (uncoordinated replicas may each send in the same second; the upstream's 429
 * and the gateway's retry absorb that). Across a switch, either way, a replica's next slot comes no sooner than
 * one spacing after the last slot it had, so the switch adds no burst of its own.
 */
import { LocalQuota, quotaRefusal } from '../core/quota.js';
import type { UpstreamQuota } from '../core/seams.js';
import { RedisUnavailable, type FleetRedis, type RedisClient } from './redis.js';

const SKEW_ALLOWANCE_MS = 100;
/** The most a request may leave after its slot: half the allowance, the other half is for the way to the wire. */
const LATE_MS = SKEW_ALLOWANCE_MS / 2;

/**
 * KEYS[1]: the time of the next free slot (ms on Redis's clock). ARGV: spacing ms, longest acceptable wait ms,
 * shortest wait ms (this replica's own last slot, granted while Redis was unavailable, plus one spacing).
 * Returns {granted (1|0), wait ms}: granted slots move the next free slot on by one spacing.
 */
const NEXT_SLOT = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local spacing = tonumber(ARGV[1])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(nowMs + tonumber(ARGV[3]), free)
local wait = slot - nowMs
if wait > tonumber(ARGV[2]) then return {0, math.ceil(wait)} end
local nextFree = slot + spacing
redis.call('SET', KEYS[1], string.format('%.3f', nextFree), 'PX', math.ceil(nextFree - nowMs) + 1000)
return {1, math.ceil(wait)}
`;

/**
 * KEYS[1]: the next free slot, as above; KEYS[2]: when background work last had a slot. ARGV: spacing ms, the
 * background gap ms (spacing ÷ share). A slot for background work only when it is free now: a lookup waiting
 * anywhere in the fleet holds a slot ahead, so a free slot means nobody waits. Returns {granted, ms to try again}.
 */
const IDLE_SLOT = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local spacing = tonumber(ARGV[1])
local gap = tonumber(ARGV[2])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local last = tonumber(redis.call('GET', KEYS[2]) or '0')
local at = math.max(free, last + gap)
if nowMs < at then return {0, math.ceil(at - nowMs)} end
redis.call('SET', KEYS[1], string.format('%.3f', nowMs + spacing), 'PX', math.ceil(spacing) + 1000)
redis.call('SET', KEYS[2], tostring(nowMs), 'PX', math.ceil(gap) + 1000)
return {1, 0}
`;

export class FleetQuota implements UpstreamQuota {
  readonly spacingMs: number;
  /** The next free slot, and when background work last had one: one unit (the idle script reads both). */
  readonly key: string;
  readonly idleKey: string;
  private readonly fallback: LocalQuota;
  /** When this replica's last Redis-granted slot was (local clock), for a calm switch to the fallback. */
  private lastSharedSlot = 0;
  /** When this replica's last slot granted in memory (Redis unavailable) was. */
  private lastLocalSlot = 0;
  private waitingShared = 0;

  constructor(
    private readonly redis: FleetRedis,
    private readonly provider: string,
    readonly perSecond: number,
    fleetSize: number,
  ) {
    this.spacingMs = (1000 + SKEW_ALLOWANCE_MS) / perSecond;
    this.key = redis.key('quota', redis.unit(provider));
    this.idleKey = redis.key('quota-idle', redis.unit(provider));
    this.fallback = new LocalQuota(provider, perSecond / fleetSize, redis.clock);
  }

  /**
   * Waits for a slot; resolves with the milliseconds waited. Throws `provider-unavailable` if the slot is past
   * `deadline`. Slots go in the order asked across the fleet; callers take turns only in the fallback.
   *
   * A replica whose event loop is busy may wake for its slot late; sent then, its request could reach the upstream
   * within a second of the next slot's. So a slot woken for more than `LATE_MS` after its time is let go unused
   * and the lookup asks for another one (still bounded by its deadline). The lateness is measured from when the
   * slot was asked for, so a late answer from Redis counts too.
   */
  async acquire(deadline: number, callerKey: string, signal?: AbortSignal): Promise<number> {
    const { clock } = this.redis;
    const started = clock.now();
    for (;;) {
      const askedAt = clock.now();
      const maxWait = Math.max(0, Math.floor(deadline - askedAt));
      let granted: number;
      let wait: number;
      try {
        const minWait = Math.max(0, Math.ceil(this.lastLocalSlot + this.spacingMs - askedAt));
        [granted, wait] = await this.redis.runQuota((c) => c.fleetNextSlot(this.key, this.spacingMs, maxWait, minWait));
      } catch (error) {
        if (!(error instanceof RedisUnavailable)) throw error;
        return this.acquireAlone(deadline, callerKey, signal);
      }
      if (granted !== 1) throw this.refusal(wait);
      this.lastSharedSlot = askedAt + wait;
      if (clock.now() < askedAt + wait) {
        this.waitingShared += 1;
        try {
          await clock.sleep(askedAt + wait - clock.now(), signal);
        } catch {
          // The request's deadline ended first: the slot goes unused.
          throw this.refusal(wait);
        } finally {
          this.waitingShared -= 1;
        }
      }
      if (clock.now() - (askedAt + wait) <= LATE_MS) return clock.now() - started;
    }
  }

  /**
   * A slot for background work, only when the fleet's next slot is free now and none of this replica's lookups
   * waits; without Redis, the fallback's own rule.
   */
  async acquireIdle(latestStart: number, share: number, signal?: AbortSignal): Promise<number> {
    const { clock } = this.redis;
    const started = clock.now();
    for (;;) {
      // One of this replica's lookups queues: it goes first, and this tries again a slot later.
      let wait = this.spacingMs;
      if (this.waiting === 0) {
        let granted: number;
        try {
          const gap = this.spacingMs / share;
          [granted, wait] = await this.redis.runQuota((c) =>
            c.fleetIdleSlot(this.key, this.idleKey, this.spacingMs, gap),
          );
        } catch (error) {
          if (!(error instanceof RedisUnavailable)) throw error;
          return this.fallback.acquireIdle(latestStart, share, signal);
        }
        if (granted === 1) return clock.now() - started;
      }
      wait = Math.max(wait, 1);
      if (clock.now() + wait > latestStart) throw this.refusal(wait);
      await clock.sleep(wait, signal).catch(() => Promise.reject(this.refusal(wait)));
    }
  }

  /** Lookups waiting for a slot on this replica (for readiness and metrics). */
  get waiting(): number {
    return this.waitingShared + this.fallback.waiting;
  }

  private async acquireAlone(deadline: number, callerKey: string, signal?: AbortSignal): Promise<number> {
    const { clock } = this.redis;
    const hold = Math.max(0, this.lastSharedSlot + this.fallback.spacingMs - clock.now());
    if (clock.now() + hold > deadline) throw this.refusal(hold);
    if (hold > 0) await clock.sleep(hold, signal).catch(() => Promise.reject(this.refusal(hold)));
    const waited = hold + (await this.fallback.acquire(deadline, callerKey, signal));
    this.lastLocalSlot = clock.now();
    return waited;
  }

  private refusal(waitMs: number) {
    return quotaRefusal(this.provider, this.perSecond, Math.max(1, Math.ceil(waitMs / 1000)));
  }
}

declare module 'ioredis' {
  interface RedisCommander {
    fleetNextSlot(key: string, spacingMs: number, maxWaitMs: number, minWaitMs: number): Promise<[number, number]>;
    fleetIdleSlot(key: string, idleKey: string, spacingMs: number, gapMs: number): Promise<[number, number]>;
  }
}

/** Registers the slot script on a client (EVALSHA, loaded once per connection by ioredis). */
export function defineQuotaScript(client: RedisClient): void {
  client.defineCommand('fleetNextSlot', { numberOfKeys: 1, lua: NEXT_SLOT });
  client.defineCommand('fleetIdleSlot', { numberOfKeys: 2, lua: IDLE_SLOT });
}
