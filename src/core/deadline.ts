/**
 * The time budget of one upstream lookup, computed once when the lookup starts and handed to every policy on its
 * path (retry waits, the bulkhead queue, the quota queue, each attempt's timeout), so that they all agree.
 */

/** Where the time comes from: `Date.now` in production, a controlled clock in tests. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export class Deadline {
  /** Epoch milliseconds at which the lookup must have its answer (`<P>_DEADLINE_MS` after it started). */
  readonly at: number;
  /**
   * The latest moment a queued attempt may still start: a bulkhead or quota slot is worth waiting for only if it
   * leaves the attempt a quarter of its timeout before the deadline.
   */
  readonly latestStart: number;

  constructor(
    private readonly clock: Clock,
    deadlineMs: number,
    private readonly timeoutMs: number,
  ) {
    this.at = clock.now() + deadlineMs;
    this.latestStart = this.at - Math.min(timeoutMs, deadlineMs) / 4;
  }

  /** Milliseconds a queued attempt may still wait for its slot. */
  untilLatestStart(): number {
    return this.latestStart - this.clock.now();
  }

  remaining(): number {
    return this.at - this.clock.now();
  }

  /** True when a wait of `ms` starting now ends at or past the deadline: the lookup stops instead of waiting. */
  endsPast(ms: number): boolean {
    return this.clock.now() + ms >= this.at;
  }

  /** One attempt's timeout (`<P>_TIMEOUT_MS`), less what it already spent, cut to what is left of the deadline. */
  attemptTimeout(spentMs = 0): number {
    return Math.max(1, Math.floor(Math.min(this.timeoutMs - spentMs, this.remaining())));
  }
}
