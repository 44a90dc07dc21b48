/**
 * One provider's upstream quota for the whole fleet: `<P>_RATE_LIMIT_PER_SECOND` is the fleet's rate. A Lua
 * script in Redis hands out the next slot, spaced `(1000 + 100) / rate` ms apart exactly like the in-memory
 * quota (the 100 ms absorb the time between a grant and the request reaching the upstream), on Redis's own
 * clock, so replicas' clocks need not agree. A lookup whose slot would come after its deadline is refused at
 * once (`provider-unavailable`), as in memory; a granted slot is waited for on the replica. Waiting lookups are
 * served in turn by caller, fleet-wide: each replica holds one slot at a time and gives it to whoever's turn it is.
 *
 * Redis unavailable: each replica falls back to rate ÷ FLEET_SIZE in memory, which together cannot exceed
 * the provider's rate on average (uncoordinated replicas may each send in the same second; the upstream's 429
 * and the gateway's retry absorb that). Across a switch, either way, a replica's next slot comes no sooner than
 * one spacing after the last slot it had, so the switch adds no burst of its own.
 */
import type { Redis } from 'ioredis';
import { LocalQuota, quotaRefusal } from '../core/quota.js';
import { CallerTurns } from '../core/turns.js';
import type { UpstreamQuota } from '../core/seams.js';
import { RedisUnavailable, type FleetRedis } from './redis.js';

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

/** What a waiting lookup is served: a shared slot now, or the word to take one from the local share. */
type Turn = 'slot' | 'alone';

export class FleetQuota implements UpstreamQuota {
  readonly spacingMs: number;
  private readonly key: string;
  private readonly idleKey: string;
  private readonly fallback: LocalQuota;
  /** This replica's lookups waiting for a shared slot, served in turn by caller. */
  private readonly turns: CallerTurns<Turn>;
  /** Whether this replica is asking Redis for a slot, or holding one, for whoever's turn it is. */
  private pumping = false;
  /** When the slot this replica holds comes (local clock), while it holds one: for a newcomer's estimate. */
  private heldSlotAt: number | undefined;
  /** When this replica's last Redis-granted slot was (local clock), for a calm switch to the fallback. */
  private lastSharedSlot = 0;
  /** When this replica's last slot granted in memory (Redis unavailable) was. */
  private lastLocalSlot = 0;

  constructor(
    private readonly redis: FleetRedis,
    private readonly provider: string,
    readonly perSecond: number,
    fleetSize: number,
  ) {
    this.spacingMs = (1000 + SKEW_ALLOWANCE_MS) / perSecond;
    this.key = redis.key('quota', provider);
    this.idleKey = redis.key('quota-idle', provider);
    this.fallback = new LocalQuota(provider, perSecond / fleetSize, redis.clock);
    this.turns = new CallerTurns(redis.clock, (stillWaiting) => this.refusal((stillWaiting + 1) * this.spacingMs));
  }

  /**
   * Waits for a slot; resolves with the milliseconds waited. Throws `provider-unavailable` if the slot is past
   * `deadline`.
   *
   * Turns by caller hold across the fleet: the replica queues its lookups by caller and holds at most one shared
   * slot at a time, given when its time comes to the caller whose turn it is. So among one replica's lookups callers
   * alternate, and a lookup on another replica waits behind at most one slot per replica, not behind a flood queued
   * anywhere. (Asking Redis for a slot per lookup, as it arrived, put every lookup behind all those asked before.)
   */
  async acquire(deadline: number, callerKey: string, signal?: AbortSignal): Promise<number> {
    const { clock } = this.redis;
    const started = clock.now();
    const ahead = this.turns.aheadOf(callerKey);
    // Refused at once when even this replica's own turns put the slot past the deadline (other replicas' slots
    // may push it further: then it leaves, refused, when its deadline comes).
    if (ahead > 0) {
      const slotAt = Math.max(this.heldSlotAt ?? started, started) + ahead * this.spacingMs;
      if (slotAt > deadline) throw this.refusal(slotAt - started);
    }
    const turn = this.turns.wait(callerKey, deadline, signal);
    void this.pump();
    if ((await turn) === 'alone') return clock.now() - started + (await this.acquireAlone(deadline, callerKey, signal));
    return clock.now() - started;
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
    return this.turns.size + this.fallback.waiting;
  }

  /**
   * While lookups wait: asks Redis for the fleet's next slot (for as long as the most patient of them can wait),
   * waits for it, and gives it to the caller whose turn it is then. The wait is computed on Redis's clock but
   * slept from when the answer came; a slot woken for more than `LATE_MS` after its time (a busy event loop, a slow
   * answer: the lateness counts from when it was asked) is let go unused and another one asked, since sent then its
   * request could reach the upstream within a second of the next slot's. Never throws: each outcome goes to the
   * waiters.
   */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const { clock } = this.redis;
    try {
      while (this.turns.size > 0) {
        const askedAt = clock.now();
        const maxWait = Math.max(0, Math.floor(this.turns.latestStart - askedAt));
        let granted: number;
        let wait: number;
        try {
          const minWait = Math.max(0, Math.ceil(this.lastLocalSlot + this.spacingMs - askedAt));
          [granted, wait] = await this.redis.runQuota((c) =>
            c.fleetNextSlot(this.key, this.spacingMs, maxWait, minWait),
          );
        } catch (error) {
          // Without Redis each waiter takes its slot from the replica's share, in turn there.
          if (error instanceof RedisUnavailable) this.turns.serveAll('alone');
          else this.turns.refuseBefore(Infinity, error);
          continue;
        }
        const slotAt = askedAt + wait;
        // Whoever must start before the slot cannot have it, nor any later one.
        this.turns.refuseBefore(slotAt, this.refusal(wait));
        if (granted !== 1) continue;
        this.lastSharedSlot = slotAt;
        this.heldSlotAt = slotAt;
        if (clock.now() < slotAt) await clock.sleep(slotAt - clock.now());
        this.heldSlotAt = undefined;
        // To whoever's turn it is now (a caller that arrived during the wait included); unused if all have left.
        if (clock.now() - slotAt <= LATE_MS) this.turns.serveNext('slot');
      }
    } finally {
      this.pumping = false;
      this.heldSlotAt = undefined;
    }
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
export function defineQuotaScript(client: Redis): void {
  client.defineCommand('fleetNextSlot', { numberOfKeys: 1, lua: NEXT_SLOT });
  client.defineCommand('fleetIdleSlot', { numberOfKeys: 2, lua: IDLE_SLOT });
}
