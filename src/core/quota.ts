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
import { CallerTurns } from './turns.js';

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

/**
 * The quota of one process: a token bucket of one, paced evenly, whose slots go to waiting callers in turn (round
 * robin over one queue per caller, `CallerTurns`), so that one caller's flood delays another caller's lookup by
 * about one slot per active caller, not by the length of the flood.
 */
export class LocalQuota implements UpstreamQuota {
  /** When the next slot is free (epoch ms on the clock): one spacing after the last slot given. */
  private nextFreeAt: number;
  readonly spacingMs: number;
  private readonly turns: CallerTurns<void>;
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
    this.turns = new CallerTurns(clock, (stillWaiting) => this.refusal(stillWaiting * this.spacingMs));
  }

  async acquire(latestStart: number, callerKey: string, signal?: AbortSignal): Promise<number> {
    if (this.turns.size === 0 && this.tryTake()) return 0;
    const now = this.clock.now();
    // A newcomer's slot: after the next token and one spacing per waiter served before it.
    const slotAt = now + Math.max(0, this.nextFreeAt - now) + this.turns.aheadOf(callerKey) * this.spacingMs;
    if (slotAt > latestStart) throw this.refusal(slotAt - now);
    const served = this.turns.wait(callerKey, latestStart, signal);
    this.drain();
    await served;
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
      if (now >= at && this.turns.size === 0) {
        this.nextFreeAt = now + this.spacingMs;
        this.lastIdleAt = now;
        return now - started;
      }
      // Lookups queue: try again after one of them has had its slot.
      const wake = Math.max(at, now + (this.turns.size > 0 ? this.spacingMs : 0), now + 1);
      if (wake > latestStart) throw this.refusal(wake - now);
      await this.clock.sleep(wake - now, signal).catch(() => Promise.reject(this.refusal(wake - now)));
    }
  }

  get waiting(): number {
    return this.turns.size;
  }

  private refusal(waitMs: number): GatewayError {
    return quotaRefusal(this.provider, this.perSecond, Math.max(1, Math.ceil(waitMs / 1000)));
  }

  private drain(): void {
    if (this.timer) return;
    while (this.turns.size > 0 && this.tryTake()) this.turns.serveNext();
    if (this.turns.size === 0) return;
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
