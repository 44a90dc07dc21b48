/**
 * One request's time budget and its cancellation signal, made once where the request enters (the lookup route,
 * the list route, the batch route; a background refresh makes its own, named as such) and handed down to every
 * step that waits or calls: the cache loader, the fleet lease, each retry wait, the bulkhead and quota queues,
 * each attempt, each page of balances and each batch item. When it ends, its signal aborts, and whatever still
 * runs for the request stops.
 */
import type { Clock } from './clock.js';

/** Why the work runs: for a caller waiting on it, or in the background (a refresh, a crawl) with no one waiting. */
export type DeadlinePurpose = 'request' | 'background';

export class Deadline {
  private aborts: AbortSignal | undefined;

  private constructor(
    readonly clock: Clock,
    /** When it began (epoch ms): a queue's latest start is measured against the whole budget. */
    readonly startedAt: number,
    /** Epoch milliseconds at which the work must have its answer. */
    readonly at: number,
    readonly purpose: DeadlinePurpose,
    /** Ends the work before its time (background work whose owner stops: the crawl at shutdown). */
    private readonly cancel?: AbortSignal,
  ) {}

  /** A deadline `ms` from now; `cancel` ends it sooner. */
  static after(clock: Clock, ms: number, purpose: DeadlinePurpose = 'request', cancel?: AbortSignal): Deadline {
    const now = clock.now();
    return new Deadline(clock, now, now + ms, purpose, cancel);
  }

  /** Part of this work with a budget of its own (a batch item): ends `ms` from now, or with this one if sooner. */
  within(ms: number): Deadline {
    const now = this.clock.now();
    if (now + ms >= this.at) return this;
    return new Deadline(this.clock, now, now + ms, this.purpose, this.cancel);
  }

  remaining(): number {
    return this.at - this.clock.now();
  }

  /** True when a wait of `ms` starting now ends at or past the deadline: the work stops instead of waiting. */
  endsPast(ms: number): boolean {
    return this.clock.now() + ms >= this.at;
  }

  /**
   * The latest moment a queued attempt may still start: a bulkhead or quota slot is worth waiting for only if it
   * leaves the attempt a quarter of its timeout (or of the whole budget, if shorter) before the deadline.
   */
  latestStart(attemptTimeoutMs: number): number {
    return this.at - Math.min(attemptTimeoutMs, this.at - this.startedAt) / 4;
  }

  /** Aborts when the deadline passes. Made on first use: a cache hit never needs one. */
  get signal(): AbortSignal {
    if (this.aborts) return this.aborts;
    const own = this.clock.timeoutSignal(Math.max(1, this.remaining()));
    this.aborts = this.cancel ? AbortSignal.any([own, this.cancel]) : own;
    return this.aborts;
  }
}
