/**
 * The upstream quota of one provider (`<P>_RATE_LIMIT_PER_SECOND`) in front of every request the gateway puts on
 * the wire, retries included.
 *
 * Slots are one spacing of `1000 / quota` ms (plus a small margin) apart, so requests are paced evenly: no
 * one-second window, however it is aligned, holds more than the quota. (A token bucket as deep as the quota would
 * allow a burst of N followed by the steady N per second, nearly 2N in one sliding second; a bucket of one token is
 * exactly "one spacing after the last slot", which is all this keeps, on the injected clock.)
 *
 * Waiters queue here, one queue per caller, served in turn. A lookup that could only get a slot after its
 * deadline is refused at once with `provider-unavailable` and the seconds until the slot it would have had.
 */
import type { Clock, ClockTimer } from './clock.js';
import { GatewayError } from './problems.js';
import type { UpstreamQuota } from './seams.js';

/**
 * Slots are spaced `(1000 ms + 100 ms) / quota` apart: the time between granting a slot and the request reaching
 * the upstream (a new connection, a busy event loop) varies, and quota + 1 requests must not fit into one of the
 * upstream's seconds even if the first of them was delayed by up to 100 ms.
 */
const SKEW_ALLOWANCE_MS = 100;

/** The refusal when no slot comes in time: the upstream was not called, and the caller may come back then. */
export function quotaRefusal(provider: string, perSecond: number, retryAfterSeconds: number): GatewayError {
  return new GatewayError('provider-unavailable', {
    provider,
    detail:
      `The gateway's quota of ${perSecond} request(s) per second to this provider ` +
      'cannot serve the lookup within its deadline.',
    retryAfterSeconds,
    refusedBeforeWire: true,
  });
}

interface Waiter {
  resolve: () => void;
  reject: (error: GatewayError) => void;
  /** Stops watching its latest start and its request's signal (it was served, or it left). */
  release: () => void;
}

/**
 * The quota of one process: a token bucket of one, paced evenly, whose slots go to waiting callers in turn (round
 * robin over one queue per caller), so that one caller's flood delays another caller's lookup by about one slot
 * per active caller, not by the length of the flood.
 */
export class LocalQuota implements UpstreamQuota {
  /** When the next slot is free (epoch ms on the clock): one spacing after the last slot given. */
  private nextFreeAt: number;
  readonly spacingMs: number;
  /** One queue per caller with lookups waiting; the Map's order is the order of turns. */
  private readonly queues = new Map<string, Waiter[]>();
  private count = 0;
  private timer: ClockTimer | undefined;
  /** When background work last had a slot (it may have one per `spacing / share`). */
  private lastIdleAt = -Infinity;

  constructor(
    private readonly provider: string,
    readonly perSecond: number,
    private readonly clock: Clock,
  ) {
    this.spacingMs = (1000 + SKEW_ALLOWANCE_MS) / perSecond;
    // The first request after start goes at once.
    this.nextFreeAt = clock.now();
  }

  async acquire(latestStart: number, callerKey: string, signal?: AbortSignal): Promise<number> {
    if (this.count === 0 && this.tryTake()) return 0;
    const now = this.clock.now();
    const slotAt = this.slotAtFor(callerKey, now);
    if (slotAt > latestStart) throw this.refusal(slotAt - now);
    await new Promise<void>((resolve, reject) => {
      const leave = () => this.expire(callerKey, waiter);
      // Callers that arrived later may take turns ahead of this one: past its latest start, it leaves the queue; and
      // at once when its request's deadline ends while it waits.
      const timer = this.clock.setTimer(Math.max(1, latestStart - now), leave);
      signal?.addEventListener('abort', leave, { once: true });
      const release = () => {
        timer.cancel();
        signal?.removeEventListener('abort', leave);
      };
      const waiter: Waiter = { resolve, reject, release };
      const queue = this.queues.get(callerKey);
      if (queue) queue.push(waiter);
      else this.queues.set(callerKey, [waiter]);
      this.count += 1;
      this.drain();
    });
    return this.clock.now() - now;
  }

  /**
   * Background work waits beside the turns, never in them: it takes the slot when the slot is free and nobody
   * queues, checked again each time it wakes, so a lookup that arrives meanwhile goes first.
   */
  async acquireIdle(latestStart: number, share: number, signal?: AbortSignal): Promise<number> {
    const started = this.clock.now();
    for (;;) {
      const now = this.clock.now();
      const at = Math.max(this.nextFreeAt, this.lastIdleAt + this.spacingMs / share);
      if (now >= at && this.count === 0) {
        this.nextFreeAt = now + this.spacingMs;
        this.lastIdleAt = now;
        return now - started;
      }
      // Lookups queue: try again after one of them has had its slot.
      const wake = Math.max(at, now + (this.count > 0 ? this.spacingMs : 0), now + 1);
      if (wake > latestStart) throw this.refusal(wake - now);
      await this.clock.sleep(wake - now, signal).catch(() => Promise.reject(this.refusal(wake - now)));
    }
  }

  get waiting(): number {
    return this.count;
  }

  /**
   * When a newcomer of `callerKey` would get its slot: after the next token and one spacing per waiter served
   * before it: its caller's own queue, and from every other caller at most one more than that per round.
   */
  private slotAtFor(callerKey: string, now: number): number {
    const untilToken = Math.max(0, this.nextFreeAt - now);
    const own = this.queues.get(callerKey)?.length ?? 0;
    let ahead = own;
    for (const [key, queue] of this.queues) if (key !== callerKey) ahead += Math.min(queue.length, own + 1);
    return now + untilToken + ahead * this.spacingMs;
  }

  /** The caller whose turn it is gives up its first waiter and goes to the end of the turns. */
  private next(): Waiter | undefined {
    const turn = this.queues.entries().next();
    if (turn.done) return undefined;
    const [key, queue] = turn.value;
    this.queues.delete(key);
    const waiter = queue.shift();
    if (queue.length > 0) this.queues.set(key, queue);
    if (waiter) {
      this.count -= 1;
      waiter.release();
    }
    return waiter;
  }

  private expire(callerKey: string, waiter: Waiter): void {
    const queue = this.queues.get(callerKey);
    const index = queue?.indexOf(waiter) ?? -1;
    if (!queue || index < 0) return;
    queue.splice(index, 1);
    if (queue.length === 0) this.queues.delete(callerKey);
    this.count -= 1;
    waiter.release();
    waiter.reject(this.refusal(this.count * this.spacingMs));
  }

  private refusal(waitMs: number): GatewayError {
    return quotaRefusal(this.provider, this.perSecond, Math.max(1, Math.ceil(waitMs / 1000)));
  }

  private drain(): void {
    if (this.timer) return;
    while (this.count > 0 && this.tryTake()) this.next()?.resolve();
    if (this.count === 0) return;
    const untilToken = Math.max(1, Math.ceil(this.nextFreeAt - this.clock.now()));
    this.timer = this.clock.setTimer(untilToken, () => {
      this.timer = undefined;
      this.drain();
    });
  }

  /** Takes the slot if it is free now: the next one is a spacing later. */
  private tryTake(): boolean {
    const now = this.clock.now();
    if (now < this.nextFreeAt) return false;
    this.nextFreeAt = now + this.spacingMs;
    return true;
  }
}
