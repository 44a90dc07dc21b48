/**
 * The wall clock, but one the test can move forward at once: `skip(ms)` adds `ms` to every later `now()`. For an
 * upstream simulator whose own time window (Tango's one request per second) a test would otherwise sit out, next to
 * gateways that must keep wall time (a fleet quota that reads Redis's clock). Timers and sleeps are the system's:
 * a skip does not fire them sooner (the simulators only read `now`).
 */
import { systemClock, type Clock, type ClockTimer } from '../../src/core/clock.js';

export class SkippingClock implements Clock {
  private skipped = 0;

  now(): number {
    return systemClock.now() + this.skipped;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }

  setTimer(ms: number, fire: () => void): ClockTimer {
    return systemClock.setTimer(ms, fire);
  }

  timeoutSignal(ms: number): AbortSignal {
    return systemClock.timeoutSignal(ms);
  }

  /** Moves this clock's time `ms` ahead of the wall clock's, for good. */
  skip(ms: number): void {
    this.skipped += ms;
  }
}
