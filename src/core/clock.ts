/**
 * The one source of time. Everything that reads the time or waits for it (deadlines, the cache's freshness, the
 * breaker, the quota, leases, failure memory, token lifetimes, retry waits) takes a `Clock` at construction, so a
 * test can drive all of them with one controlled clock instead of sleeping.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';

/** A timer set on a clock; `cancel` is safe to call after it fired. */
export interface ClockTimer {
  cancel(): void;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fire` after `ms` of this clock's time, unless cancelled. Never keeps the process alive on its own. */
  setTimer(ms: number, fire: () => void): ClockTimer;
  /** A signal that aborts (with a `TimeoutError`) after `ms` of this clock's time. */
  timeoutSignal(ms: number): AbortSignal;
}

/** The wall clock and node's own timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleepFor(Math.max(0, ms), undefined, signal ? { signal } : undefined),
  setTimer: (ms, fire) => {
    const timer = setTimeout(fire, Math.max(0, ms));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
  timeoutSignal: (ms) => AbortSignal.timeout(Math.max(1, Math.floor(ms))),
};

/** The reason a clock's timeout signal aborts with: the same `TimeoutError` that `AbortSignal.timeout` gives. */
export const timeoutReason = (): DOMException => new DOMException('The operation timed out.', 'TimeoutError');
