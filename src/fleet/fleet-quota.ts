/**
 * One provider's upstream quota for the whole fleet: `<P>_RATE_LIMIT_PER_SECOND` is the fleet's rate. A Lua
 * script in Redis hands out the next slot, spaced `(1000 + 100) / rate` ms apart exactly like the in-memory
 * quota (the 100 ms absorb the time between a grant and the request reaching the upstream), on Redis's own
 * clock, so replicas' clocks need not agree. A lookup whose slot would come after its deadline is refused at
 * once (`provider-unavailable`), as in memory; a granted slot is waited for on the replica. Waiting lookups are
 * served in turn by caller, fleet-wide: each replica holds one slot at a time and gives it to whoever's turn it is.
 *
 * Redis unavailable: each replica falls back to its share of the rate in memory, `floor(rate ÷ FLEET_SIZE)` per
 * second (rounded down so that the shares' sliding seconds cannot add up to more than the rate; below one per
 * replica, `rate ÷ FLEET_SIZE`, where uncoordinated replicas may each send in the same second). Across a switch,
 * either way, a replica's next slot comes no sooner than one spacing after the last slot it had, so the switch adds
 * no burst of its own. And back from its share, a replica keeps that share's pace for `RECOVERY_MS` while it takes
 * the fleet's slots again: the other replicas may still be sending on their own shares (they reconnect up to 2 s
 * apart), and the fleet's schedule does not see those calls.
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
 * How long a replica back from its own share keeps that share's pace: the replicas' clients reconnect up to 2 s
 * apart (their longest retry wait), and the last calls one of them made on its own share stay in the upstream's
 * sliding second for 1 s more (plus the skew allowance and some room). Until then every replica, back or not,
 * sends at most its share.
 */
const RECOVERY_MS = 3500;

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
  /** The last slot request failed: this replica takes its slots from its own share. */
  private alone = false;
  /** Back from its own share: until then, the replica's shared slots keep that share's pace too. */
  private pacedUntil = 0;
  /** The last slot request's round trip: slots are asked at least half of it ahead, to be in time for them. */
  private roundTripMs = 0;

  constructor(
    private readonly redis: FleetRedis,
    private readonly provider: string,
    readonly perSecond: number,
    fleetSize: number,
  ) {
    this.spacingMs = (1000 + SKEW_ALLOWANCE_MS) / perSecond;
    this.key = redis.key('quota', provider);
    this.idleKey = redis.key('quota-idle', provider);
    const share = perSecond / fleetSize;
    this.fallback = new LocalQuota(provider, share >= 1 ? Math.floor(share) : share, redis.clock);
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
    for (;;) {
      const turn = this.turns.wait(callerKey, deadline, signal);
      void this.pump();
      if ((await turn) === 'slot') return clock.now() - started;
      await this.acquireAlone(deadline, callerKey, signal);
      // Still alone: the slot of its own share is the call's. Redis answered again meanwhile (another lookup's slot
      // request): the call goes on the fleet's schedule too, at its share's pace, so that a replica that is back
      // sends no call the others cannot see; failing that, it takes another slot of its own share.
      if (this.alone) return clock.now() - started;
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
    return this.turns.size + this.fallback.waiting;
  }

  /**
   * While lookups wait: asks Redis for the fleet's next slot (for as long as the most patient of them can wait),
   * waits for it, and gives it to the caller whose turn it is then. The wait is computed on Redis's clock when the
   * script ran, taken here as half the round trip after the request (the path's delay the same both ways; a lopsided
   * path errs by at most half the round trip, where counting from the request erred by all of it, early, on a slow
   * path). Slots are asked at least half the last round trip ahead, so that on a slow path the answer still comes
   * before its slot. A slot woken for more than `LATE_MS` after its time (a busy event loop, an answer slower than
   * the last) is let go unused and another one asked, since sent then its request could reach the upstream within a
   * second of the next slot's. Never throws: each outcome goes to the waiters.
   */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const { clock } = this.redis;
    try {
      while (this.turns.size > 0) {
        const askedAt = clock.now();
        const maxWait = Math.max(0, Math.floor(this.turns.latestStart - askedAt));
        // No sooner than one spacing after this replica's last slot of its own (at its share's pace while paced).
        const paced = askedAt < this.pacedUntil;
        const last = paced ? Math.max(this.lastLocalSlot, this.lastSharedSlot) : this.lastLocalSlot;
        const minWait = Math.max(0, Math.ceil(last + (paced ? this.fallback.spacingMs : this.spacingMs) - askedAt));
        let granted: number;
        let wait: number;
        try {
          [granted, wait] = await this.redis.runQuota((c) =>
            c.fleetNextSlot(this.key, this.spacingMs, maxWait, Math.max(minWait, Math.ceil(this.roundTripMs / 2))),
          );
        } catch (error) {
          // Without Redis each waiter takes its slot from the replica's share, in turn there.
          if (error instanceof RedisUnavailable) {
            this.alone = true;
            this.turns.serveAll('alone');
          } else this.turns.refuseBefore(Infinity, error);
          continue;
        }
        if (this.alone) {
          this.alone = false;
          this.pacedUntil = clock.now() + RECOVERY_MS;
        }
        // Redis ran the script about half a round trip after it was asked (the path's delay taken as the same both
        // ways): its slot is `wait` after that, on this replica's clock.
        this.roundTripMs = clock.now() - askedAt;
        const slotAt = askedAt + this.roundTripMs / 2 + wait;
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
