/**
 * One provider's upstream quota for the whole fleet: `<P>_RATE_LIMIT_PER_SECOND` is the fleet's rate. A Lua
 * script in Redis hands out the next slot, spaced `(1000 + 100) / rate` ms apart exactly like the in-memory
 * quota (the 100 ms absorb the time between a grant and the request reaching the upstream), on Redis's own
 * clock, so replicas' clocks need not agree. A lookup whose slot would come after its deadline is refused at
 * once (`provider-unavailable`), as in memory; a granted slot is waited for on the replica. Waiting lookups are
 * served in turn by caller, fleet-wide: each replica holds one slot at a time (more only on a slow path to Redis)
 * and gives it to whoever's turn it is.
 *
 * Redis unavailable: each replica falls back to its share of the rate in memory, `floor(rate ÷ FLEET_SIZE)` per
 * second (rounded down so that the shares' sliding seconds cannot add up to more than the rate; below one per
 * replica, `rate ÷ FLEET_SIZE`, where uncoordinated replicas may each send in the same second). Across a switch,
 * either way, a replica's next slot comes no sooner than one spacing after the last slot it had, so the switch adds
 * no burst of its own. And back from its share, a replica keeps that share's pace for `RECOVERY_MS` while it takes
 * the fleet's slots again: the other replicas may still be sending on their own shares (they reconnect up to 2 s
 * apart), and the fleet's schedule does not see those calls.
 */
import { ReplyError } from 'ioredis';
import { LocalQuota, quotaRefusal } from '../core/quota.js';
import { CallerTurns } from '../core/turns.js';
import type { UpstreamQuota } from '../core/seams.js';
import { RedisUnavailable, type FleetRedis, type RedisClient } from './redis.js';

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

/**
 * Replaces each of the quota's keys that holds anything but a number (junk the slot scripts cannot read) by a time
 * `ARGV[1]` ms from now on Redis's clock. Returns how many it replaced.
 */
const REPAIR = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local window = tonumber(ARGV[1])
local repaired = 0
for _, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key)['ok']
  if kind ~= 'none' and (kind ~= 'string' or not tonumber(redis.call('GET', key))) then
    redis.call('SET', key, string.format('%.3f', nowMs + window), 'PX', math.ceil(window) + 1000)
    repaired = repaired + 1
  end
end
return repaired
`;

export class FleetQuota implements UpstreamQuota {
  readonly spacingMs: number;
  /** The next free slot, and when background work last had one: one unit (the idle script reads both). */
  readonly key: string;
  readonly idleKey: string;
  private readonly fallback: LocalQuota;
  /** This replica's lookups waiting for a shared slot, served in turn by caller. */
  private readonly turns: CallerTurns<Turn>;
  /** Slot requests this replica has sent to Redis and not yet had answered. */
  private asking = 0;
  /** The slots this replica holds (when each comes, local clock), for whoever's turn it is then. */
  private readonly held = new Set<{ at: number }>();
  /** When this replica's last Redis-granted slot was (local clock), for a calm switch to the fallback. */
  private lastSharedSlot = 0;
  /** When the last shared slot this replica used was (local clock). */
  private lastUsedSlot = 0;
  /** When this replica's last call on a slot of its own share (Redis unavailable) was. */
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
    this.key = redis.key('quota', redis.unit(provider));
    this.idleKey = redis.key('quota-idle', redis.unit(provider));
    const share = perSecond / fleetSize;
    this.fallback = new LocalQuota(provider, share >= 1 ? Math.floor(share) : share, redis.clock);
    this.turns = new CallerTurns(redis.clock, (stillWaiting) => this.refusal((stillWaiting + 1) * this.spacingMs));
  }

  /**
   * Waits for a slot; resolves with the milliseconds waited. Throws `provider-unavailable` if the slot is past
   * `deadline`.
   *
   * Turns by caller hold across the fleet: the replica queues its lookups by caller and holds one shared slot at a
   * time (on a slow path, as many as its round trip spans), given when its time comes to the caller whose turn it
   * is. So among one replica's lookups callers alternate, and a lookup on another replica waits behind about one slot
   * per replica, not behind a flood queued anywhere. (Asking Redis for a slot per lookup, as it arrived, put every
   * lookup behind all those asked before.)
   */
  async acquire(deadline: number, callerKey: string, signal?: AbortSignal): Promise<number> {
    const { clock } = this.redis;
    const started = clock.now();
    const ahead = this.turns.aheadOf(callerKey);
    // Refused at once when even this replica's own turns put the slot past the deadline (other replicas' slots
    // may push it further: then it leaves, refused, when its deadline comes).
    if (ahead > 0) {
      const firstHeld = this.held.size > 0 ? Math.min(...[...this.held].map((slot) => slot.at)) : started;
      const slotAt = Math.max(firstHeld, started) + ahead * this.spacingMs;
      if (slotAt > deadline) throw this.refusal(slotAt - started);
    }
    for (;;) {
      const turn = this.turns.wait(callerKey, deadline, signal);
      this.fill();
      if ((await turn) === 'slot') return clock.now() - started;
      await this.acquireAlone(deadline, callerKey, signal);
      // Still alone: the slot of its own share is the call's. Redis answered again meanwhile (another lookup's slot
      // request): the call goes on the fleet's schedule too, at its share's pace, so that a replica that is back
      // sends no call the others cannot see; failing that, it takes another slot of its own share.
      if (this.alone) {
        this.lastLocalSlot = clock.now();
        return clock.now() - started;
      }
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
   * waits for it, and gives it to the caller whose turn it is then. One slot at a time, or, on a slow path to Redis,
   * as many as its round trip spans (else the replica would get one slot per round trip, fewer than it may have).
   */
  private fill(): void {
    const depth = 1 + Math.floor(this.roundTripMs / this.spacingMs);
    while (this.turns.size > this.held.size + this.asking && this.held.size + this.asking < depth) {
      this.asking += 1;
      void this.askOne().finally(() => this.fill());
    }
  }

  /**
   * One slot for whoever's turn it is when it comes. The wait is computed on Redis's clock when the script ran,
   * taken here as half the round trip after the request (the path's delay the same both ways; a lopsided path errs by
   * at most half the round trip, where counting from the request erred by all of it, early, on a slow path). Slots
   * are asked at least half the last round trip (and `LATE_MS`) ahead when it is over `LATE_MS`, so that on a slow
   * path the answer still comes before its slot.
   * A slot woken for more than `LATE_MS` after its time (a busy event loop, an answer slower than the last) is let go
   * unused and another one asked, since sent then its request could reach the upstream within a second of the next
   * slot's. Never throws: each outcome goes to the waiters.
   */
  private async askOne(): Promise<void> {
    const { clock } = this.redis;
    const askedAt = clock.now();
    const maxWait = Math.max(0, Math.floor(this.turns.latestStart - askedAt));
    // No sooner than one spacing after this replica's last slot of its own; while paced, one share's spacing after
    // the last slot it had, and one more for each other request under way (`asking` counts this one).
    let earliest = this.lastLocalSlot + this.spacingMs;
    if (askedAt < this.pacedUntil)
      earliest = Math.max(this.lastLocalSlot, this.lastSharedSlot) + this.fallback.spacingMs * this.asking;
    const minWait = Math.max(
      0,
      Math.ceil(earliest - askedAt),
      // A slow path: far enough ahead that the answer comes before the slot, with the lateness allowed to spare
      // for a round trip slower than the last (each slot let go is one the fleet does not use).
      this.roundTripMs > LATE_MS ? Math.ceil(this.roundTripMs / 2 + LATE_MS) : 0,
    );
    const ask = () => this.redis.runQuota((c) => c.fleetNextSlot(this.key, this.spacingMs, maxWait, minWait));
    let granted: number;
    let wait: number;
    try {
      [granted, wait] = await ask().catch(async (error: unknown) => {
        // Redis refused the script (shown in readiness and a metric): junk in its keys is replaced by a schedule
        // that starts one window from now (what the junk hid may have been a full second of slots), and the slot
        // asked for again, so that no replica goes on alone beside the others.
        if (!(error instanceof RedisUnavailable && error.cause instanceof ReplyError)) throw error;
        const window = 1000 + SKEW_ALLOWANCE_MS;
        // Asked again even when there was nothing left to repair: another replica may have repaired it first.
        await this.redis.run('eval', (c) => c.eval(REPAIR, 2, this.key, this.idleKey, window)).catch(() => 0);
        return ask();
      });
    } catch (error) {
      this.asking -= 1;
      // Without Redis each waiter takes its slot from the replica's share, in turn there.
      if (error instanceof RedisUnavailable) {
        this.alone = true;
        this.turns.serveAll('alone');
      } else this.turns.refuseBefore(Infinity, error);
      return;
    }
    this.asking -= 1;
    if (this.alone) {
      this.alone = false;
      this.pacedUntil = clock.now() + RECOVERY_MS;
    }
    // Redis ran the script about half a round trip after it was asked: its slot is `wait` after that, here.
    this.roundTripMs = clock.now() - askedAt;
    const slotAt = askedAt + this.roundTripMs / 2 + wait;
    // Whoever must start before the slot cannot have it, nor any later one: refused at once, unless other slots
    // (held, or asked for) may come sooner for them (else they leave, refused, at their deadlines).
    if (this.held.size === 0 && this.asking === 0) this.turns.refuseBefore(slotAt, this.refusal(wait));
    if (granted !== 1) return;
    this.lastSharedSlot = Math.max(this.lastSharedSlot, slotAt);
    const held = { at: slotAt };
    this.held.add(held);
    if (clock.now() < slotAt) await clock.sleep(slotAt - clock.now());
    this.held.delete(held);
    if (clock.now() - slotAt > LATE_MS) return;
    // At its share's pace, a slot asked before the replica knew it was back (several may be asked at once) is let go
    // when it comes too soon after the last call.
    const lastCall = Math.max(this.lastLocalSlot, this.lastUsedSlot);
    if (clock.now() < this.pacedUntil && slotAt < lastCall + this.fallback.spacingMs) return;
    // To whoever's turn it is now (a caller that arrived during the wait included); unused if all have left.
    if (this.turns.serveNext('slot')) this.lastUsedSlot = slotAt;
  }

  private async acquireAlone(deadline: number, callerKey: string, signal?: AbortSignal): Promise<number> {
    const { clock } = this.redis;
    const hold = Math.max(0, this.lastSharedSlot + this.fallback.spacingMs - clock.now());
    if (clock.now() + hold > deadline) throw this.refusal(hold);
    if (hold > 0) await clock.sleep(hold, signal).catch(() => Promise.reject(this.refusal(hold)));
    return hold + (await this.fallback.acquire(deadline, callerKey, signal));
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
