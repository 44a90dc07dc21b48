/**
 * One provider's upstream quota for the whole fleet: `<P>_RATE_LIMIT_PER_SECOND` is the fleet's rate. A Lua
 * script in Redis hands out the next slot, spaced `(1000 + 100) / rate` ms apart like the in-memory quota (the
 * 100 ms absorb the time between a grant and the request reaching the upstream), on Redis's own clock. A lookup
 * whose slot would come after its deadline is refused at once (`provider-unavailable`), as in memory; a granted slot
 * is waited for on the replica. Waiting lookups are served in turn by caller, fleet-wide: each replica holds one
 * slot at a time (more only on a slow path to Redis) and gives it to whoever's turn it is.
 *
 * Redis unreachable: the replica is *alone* and takes its slots from its share of the rate in memory,
 * `floor(rate ÷ FLEET_SIZE)` per second (rounded down so that the shares' sliding seconds cannot add up to more than
 * the rate; below one per replica, `rate ÷ FLEET_SIZE`, where uncoordinated replicas may each send in the same
 * second). The other replicas may still be on the fleet's schedule, which cannot see those calls; so each replica
 * says it takes the fleet's slots several times within `PRESENT_MS`, and the schedule leaves room for the share of
 * every replica that has stopped saying so (quota-scripts.ts). Two rules keep a replica's own calls inside what the
 * schedule left for them:
 * - alone, its first call of its own waits until the schedule has stopped counting it as present and every slot
 *   given out at the old pace has left the upstream's window;
 * - back, it says it is present again (and takes the fleet's slots) only once its last call of its own has left the
 *   upstream's window.
 */
import { randomUUID } from 'node:crypto';
import { ReplyError } from 'ioredis';
import type { ClockTimer } from '../core/clock.js';
import { LocalQuota, quotaRefusal } from '../core/quota.js';
import type { UpstreamQuota } from '../core/seams.js';
import { CallerTurns } from '../core/turns.js';
import { HEARTBEAT_MS, PRESENT_MS, REPAIR, SLOT, scheduleArgs, type ScriptAnswer } from './quota-scripts.js';
import { RedisUnavailable, type FleetRedis } from './redis.js';

const SKEW_ALLOWANCE_MS = 100;
/** The most a request may leave after its slot: half the allowance, the other half is for the way to the wire. */
const LATE_MS = SKEW_ALLOWANCE_MS / 2;
/**
 * How long after it was sent a word may reach Redis and still count. A paused server runs the commands it holds
 * when it resumes, by which time their sender may be alone; a slow path's words arrive late too, and then the
 * replica is counted as absent (its share left free: less throughput, never more calls).
 */
const WORD_LATE_MS = 500;
/** The upstream's window: a call counts against the rate for a second after it arrived. */
const WINDOW_MS = 1000;
/** Attempts at a script that Redis refuses (junk written again between a repair and the next try). */
const TRIES = 3;
/** How long the clock offset from one quick answer is kept over slower ones. */
const OFFSET_KEPT_MS = 5000;

/** What a waiting lookup is served: a shared slot now, or the word to take one from the local share. */
type Turn = 'slot' | 'alone';

export class FleetQuota implements UpstreamQuota {
  readonly spacingMs: number;
  /** The next free slot, when background work last had one, the roster and its birth: one unit (one hash slot). */
  readonly keys: { quota: string; roster: string; born: string; idle: string };
  /** This replica's name in the roster. */
  readonly member = randomUUID();
  /**
   * The rate the fleet's schedule ran at in Redis's last answer: the provider's rate less the shares left to replicas
   * that may be alone.
   */
  scheduleRate: number | undefined;
  private readonly share: number;
  private readonly fallback: LocalQuota;
  /** This replica's lookups waiting for a shared slot, served in turn by caller. */
  private readonly turns: CallerTurns<Turn>;
  /** Slot requests this replica has sent to Redis and not yet had answered. */
  private asking = 0;
  /** The slots this replica holds (when each comes, local clock), for whoever's turn it is then. */
  private readonly held = new Set<{ at: number }>();
  /** When this replica's last Redis-granted slot was (local clock). */
  private lastSharedSlot = -Infinity;
  /** When this replica's last call of its own (alone) was. */
  private lastLocalCall = -Infinity;
  /** When this replica last sent a word saying it is present (a slot request is one). */
  private lastWordSent = -Infinity;
  /** The last exchange with Redis failed: this replica takes its slots from its own share. */
  private alone = false;
  /**
   * Redis's clock minus this replica's, from the answer with the shortest round trip in the last `OFFSET_KEPT_MS`: a
   * word's deadline is set on Redis's clock. A busy event loop reads an answer late, and taking half the round trip
   * for the way back would then put Redis's clock early by half the delay, and every word late.
   */
  private offset: { ms: number; roundTripMs: number; at: number } | undefined;
  /** The last slot request's round trip: slots are asked at least half of it ahead, to be in time for them. */
  private roundTripMs = 0;
  /** The scripts sent and not yet answered. */
  private readonly sending = new Set<Promise<ScriptAnswer>>();
  private heartbeat: ClockTimer | undefined;
  private beating = false;
  private joining: ClockTimer | undefined;
  private closed = false;

  constructor(
    private readonly redis: FleetRedis,
    private readonly provider: string,
    readonly perSecond: number,
    private readonly fleetSize: number,
  ) {
    this.spacingMs = (1000 + SKEW_ALLOWANCE_MS) / perSecond;
    const unit = redis.unit(provider);
    this.keys = {
      quota: redis.key('quota', unit),
      roster: redis.key('quota-roster', unit),
      born: redis.key('quota-roster-born', unit),
      idle: redis.key('quota-idle', unit),
    };
    const share = perSecond / fleetSize;
    this.share = share >= 1 ? Math.floor(share) : share;
    this.fallback = new LocalQuota(provider, this.share, redis.clock);
    this.turns = new CallerTurns(redis.clock, (stillWaiting) => this.refusal((stillWaiting + 1) * this.spacingMs));
    this.beat();
  }

  /**
   * Waits for a slot; resolves with the milliseconds waited. Throws `provider-unavailable` if the slot is past
   * `deadline`.
   *
   * Turns by caller hold across the fleet: the replica queues its lookups by caller and holds one shared slot at a
   * time (on a slow path, as many as its round trip spans), given when its time comes to the caller whose turn it
   * is. So among one replica's lookups callers alternate, and a lookup on another replica waits behind about one slot
   * per replica, not behind a flood queued anywhere.
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
      if (await this.callAlone(deadline, callerKey, signal)) return clock.now() - started;
    }
  }

  /**
   * A slot for background work, only when the fleet's next slot is free now and none of this replica's lookups
   * waits. Alone, background work waits: its calls of its own would take from the lookups' share.
   */
  async acquireIdle(latestStart: number, share: number, signal?: AbortSignal): Promise<number> {
    const { clock } = this.redis;
    const started = clock.now();
    for (;;) {
      // One of this replica's lookups queues, or the replica is alone: try again a slot later.
      let wait = this.spacingMs;
      if (this.waiting === 0 && !this.alone && clock.now() >= this.mayJoinAt()) {
        const { quota, roster, born, idle } = this.keys;
        const args = this.args(true);
        const answer = await this.tryScript((c) => c.fleetIdleSlot(quota, roster, born, idle, ...args, share)).catch(
          (error: unknown) => this.failed(error),
        );
        if (answer) {
          if (answer[0] === 1) return clock.now() - started;
          wait = answer[1];
        }
      }
      wait = Math.max(wait, 1);
      if (clock.now() + wait > latestStart) throw this.refusal(wait);
      await clock.sleep(wait, signal).catch(() => Promise.reject(this.refusal(wait)));
    }
  }

  /** For readiness: the fleet's rate, what its schedule runs at, and whether this replica is on its own share. */
  state(): { rate: number; scheduleRate: number | null; ownShare: boolean } {
    return { rate: this.perSecond, scheduleRate: this.scheduleRate ?? null, ownShare: this.alone };
  }

  /** Lookups waiting for a slot on this replica (for readiness and metrics). */
  get waiting(): number {
    return this.turns.size + this.fallback.waiting;
  }

  /** Stops saying this replica is present, and takes it off the roster (its share is the fleet's again at once). */
  async close(): Promise<void> {
    this.closed = true;
    this.heartbeat?.cancel();
    this.joining?.cancel();
    // After the words still under way, which would put it back.
    await Promise.allSettled(this.sending);
    await this.redis.run('zrem', (c) => c.zrem(this.keys.roster, this.member)).catch(() => 0);
  }

  /**
   * While lookups wait: asks Redis for the fleet's next slot (for as long as the most patient of them can wait),
   * waits for it, and gives it to the caller whose turn it is then. One slot at a time, or, on a slow path to Redis,
   * as many as its round trip spans (else the replica would get one slot per round trip, fewer than it may have).
   * Alone, every waiter is sent to the local share; back, they wait until this replica may take slots again.
   */
  private fill(): void {
    if (this.turns.size === 0) return;
    if (this.alone) return this.turns.serveAll('alone');
    const { clock } = this.redis;
    const joinIn = this.mayJoinAt() - clock.now();
    if (joinIn > 0) {
      this.joining ??= clock.setTimer(joinIn, () => {
        this.joining = undefined;
        this.fill();
      });
      return;
    }
    const depth = 1 + Math.floor(this.roundTripMs / this.spacingMs);
    while (this.turns.size > this.held.size + this.asking && this.held.size + this.asking < depth) {
      this.asking += 1;
      void this.askOne().finally(() => this.fill());
    }
  }

  /**
   * One slot for whoever's turn it is when it comes. The wait is computed on Redis's clock when the script ran,
   * taken here as half the round trip after the request (the path's delay the same both ways; a lopsided path errs by
   * at most half the round trip). On a slow path (round trip over `LATE_MS`) slots are asked at least half the last
   * round trip (and `LATE_MS`) ahead, so that the answer still comes before its slot. A slot woken for more than
   * `LATE_MS` after its time (a busy event loop, an answer slower than the last) is let go unused, since sent then its
   * request could reach the upstream within a second of the next slot's. Never throws: each outcome goes to the
   * waiters.
   */
  private async askOne(): Promise<void> {
    const { clock } = this.redis;
    const askedAt = clock.now();
    const maxWait = Math.max(0, Math.floor(this.turns.latestStart - askedAt));
    const minWait = this.roundTripMs > LATE_MS ? Math.ceil(this.roundTripMs / 2 + LATE_MS) : 0;
    const { quota, roster, born } = this.keys;
    const args = this.args(true);
    const answer = await this.tryScript((c) => c.fleetNextSlot(quota, roster, born, ...args, maxWait, minWait)).catch(
      (error: unknown) => {
        if (error instanceof RedisUnavailable) return this.failed(error);
        this.turns.refuseBefore(Infinity, error);
        return undefined;
      },
    );
    this.asking -= 1;
    if (!answer) return;
    const [status, wait] = answer;
    this.roundTripMs = clock.now() - askedAt;
    if (status === SLOT.later) {
      // No rate left for now (the roster counts this replica absent until its word does): ask again soon.
      await clock.sleep(wait);
      return;
    }
    // Redis ran the script about half a round trip after it was asked: its slot is `wait` after that, here.
    const slotAt = askedAt + this.roundTripMs / 2 + wait;
    // Whoever must start before the slot cannot have it, nor any later one: refused at once, unless other slots
    // (held, or asked for) may come sooner for them (else they leave, refused, at their deadlines).
    if (this.held.size === 0 && this.asking === 0) this.turns.refuseBefore(slotAt, this.refusal(wait));
    if (status !== SLOT.granted) return;
    this.lastSharedSlot = Math.max(this.lastSharedSlot, slotAt);
    const held = { at: slotAt };
    this.held.add(held);
    if (clock.now() < slotAt) await clock.sleep(slotAt - clock.now());
    this.held.delete(held);
    if (clock.now() - slotAt > LATE_MS) return;
    // To whoever's turn it is now (a caller that arrived during the wait included); unused if all have left.
    this.turns.serveNext('slot');
  }

  /**
   * Says to the fleet, every `HEARTBEAT_MS`, that this replica takes the fleet's slots; only a probe (which tells
   * it Redis answers again, and Redis's clock) while it is alone or its own calls are still in the upstream's window.
   * One at a time: a paused server holds them.
   */
  private beat(): void {
    if (this.closed) return;
    this.heartbeat = this.redis.clock.setTimer(HEARTBEAT_MS, () => this.beat());
    if (this.beating) return;
    this.beating = true;
    const word = !this.alone && this.redis.clock.now() >= this.mayJoinAt();
    const { quota, roster, born } = this.keys;
    const args = this.args(word);
    // A word that failed only lapses (the schedule then leaves this replica's share free): a busy moment that delays
    // one past its timeout must not send the replica's lookups to its own share. Only a slot request that fails does.
    void this.tryScript((c) => c.fleetPresence(quota, roster, born, ...args))
      .catch(() => undefined)
      .finally(() => (this.beating = false));
  }

  /**
   * Alone: one call from the replica's own share, once the fleet's schedule has made room for it. Resolves false
   * when Redis answered again meanwhile (the lookup goes back to the fleet's slots).
   */
  private async callAlone(deadline: number, callerKey: string, signal?: AbortSignal): Promise<boolean> {
    const { clock } = this.redis;
    for (;;) {
      if (!this.alone) return false;
      const hold = this.aloneFrom() - clock.now();
      if (hold <= 0) break;
      if (clock.now() + hold > deadline) throw this.refusal(hold);
      await clock.sleep(Math.min(hold, HEARTBEAT_MS), signal).catch(() => Promise.reject(this.refusal(hold)));
    }
    await this.fallback.acquire(deadline, callerKey, signal);
    if (!this.alone || clock.now() < this.aloneFrom()) return false;
    this.lastLocalCall = clock.now();
    return true;
  }

  /**
   * The earliest call of its own: after the last shared slot it had, at its share's pace, and after the fleet's
   * schedule stopped counting it (its last word reached Redis no later than `WORD_LATE_MS` after it was sent, and
   * counted `PRESENT_MS`), the slots given out until then at the old pace (about one ahead per replica) came, and
   * the upstream's window passed over them.
   */
  private aloneFrom(): number {
    const lapsed = this.lastWordSent + WORD_LATE_MS + PRESENT_MS;
    return Math.max(
      this.lastSharedSlot + this.fallback.spacingMs,
      lapsed + this.fleetSize * this.spacingMs + WINDOW_MS + SKEW_ALLOWANCE_MS,
    );
  }

  /** The earliest this replica may say it is present again: its last call of its own has left the upstream's window. */
  private mayJoinAt(): number {
    return this.lastLocalCall + WINDOW_MS + SKEW_ALLOWANCE_MS;
  }

  /** The scripts' leading arguments; `word`: this replica says it is present (else a probe), as of now. */
  private args(word: boolean) {
    const now = this.redis.clock.now();
    const countsUntil = word && this.offset ? now + this.offset.ms + WORD_LATE_MS : 0;
    // Sent only on a live connection (otherwise refused here, unsent): only then can Redis count it.
    if (countsUntil > 0 && this.redis.quotaClient.status === 'ready') this.lastWordSent = now;
    const { perSecond: rate, share, fleetSize, member } = this;
    return scheduleArgs({ rate, share, fleetSize, member, countsUntil });
  }

  /**
   * Runs one of the quota's scripts on its connection. Redis refusing it (junk in its keys) is repaired and tried
   * again, up to `TRIES` times; an answer learns Redis's clock and brings an alone replica back.
   */
  private async tryScript(send: (client: FleetRedis['quotaClient']) => Promise<ScriptAnswer>): Promise<ScriptAnswer> {
    const { clock } = this.redis;
    for (let attempt = 1; ; attempt++) {
      const sentAt = clock.now();
      const sent = this.redis.runQuota(send);
      this.sending.add(sent);
      try {
        const answer = await sent;
        this.answered(sentAt, answer);
        return answer;
      } catch (error) {
        if (attempt >= TRIES || !(error instanceof RedisUnavailable && error.cause instanceof ReplyError)) throw error;
        // Junk in the keys is replaced (a schedule starting one window from now: the junk may have hidden a full
        // second of slots), and the script tried again. Also when there was nothing left to repair: another replica
        // may have repaired it first.
        const { quota, roster, born, idle } = this.keys;
        const window = WINDOW_MS + SKEW_ALLOWANCE_MS;
        await this.redis.run('eval', (c) => c.eval(REPAIR, 4, quota, roster, born, idle, window)).catch(() => 0);
      } finally {
        this.sending.delete(sent);
      }
    }
  }

  /** Redis answered a script sent at `sentAt`: its clock, the schedule's rate, and an alone replica is back. */
  private answered(sentAt: number, [, , redisNow, rate]: ScriptAnswer): void {
    const now = this.redis.clock.now();
    const roundTripMs = now - sentAt;
    if (!this.offset || roundTripMs <= this.offset.roundTripMs || now - this.offset.at > OFFSET_KEPT_MS)
      this.offset = { ms: redisNow - (sentAt + roundTripMs / 2), roundTripMs, at: now };
    this.scheduleRate = Number(rate);
    if (!this.alone) return;
    this.alone = false;
    this.fill();
  }

  /** A script failed: Redis unreachable makes this replica alone; anything else is the caller's to handle. */
  private failed(error: unknown): undefined {
    if (!(error instanceof RedisUnavailable)) throw error;
    if (!this.alone) {
      this.alone = true;
      this.turns.serveAll('alone');
    }
    return undefined;
  }

  private refusal(waitMs: number) {
    return quotaRefusal(this.provider, this.perSecond, Math.max(1, Math.ceil(waitMs / 1000)));
  }
}
