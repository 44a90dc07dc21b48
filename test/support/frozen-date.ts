/**
 * Freezes `Date` (only `Date`): it stands still until the test moves it, while real timers, sockets and
 * `performance.now()` keep running. Code that measures time with `Date.now()` (the circuit breaker's half-open
 * wait, token lifetimes, cache ages) then sees exactly the time the test says has passed, however slow the machine.
 */
import { jest } from '@jest/globals';

const REAL = ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate'] as const;
const TIMERS = ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] as const;

export interface FrozenDate {
  /** Moves the frozen `Date` forward by `ms`. */
  advance(ms: number): void;
  /** Gives `Date` back its real clock. */
  restore(): void;
}

export function freezeDate(): FrozenDate {
  jest.useFakeTimers({ doNotFake: [...REAL, ...TIMERS] });
  return {
    advance: (ms) => jest.setSystemTime(Date.now() + ms),
    restore: () => jest.useRealTimers(),
  };
}
