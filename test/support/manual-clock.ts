/**
 * A controlled `Clock`: time stands still until the test moves it. `advance(ms)` fires every timer due on the way,
 * in order, letting promises settle between them, so a test of a 30 s lifetime or a 2 s backoff takes no wall time
 * and cannot depend on the machine's speed.
 *
 * With `autoAdvance`, a `sleep` moves the clock itself by the time slept and returns at once: an end-to-end test
 * whose upstream is real (a simulator over loopback) skips its retry waits instead of sitting through them.
 */
import { timeoutReason, type Clock, type ClockTimer } from '../../src/core/clock.js';

interface Pending {
  at: number;
  seq: number;
  fire: () => void;
}

export class ManualClock implements Clock {
  private readonly timers = new Set<Pending>();
  private seq = 0;

  constructor(
    private at = Date.UTC(2026, 11, 1, 12, 0, 0),
    private readonly options: { autoAdvance?: boolean } = {},
  ) {}

  now(): number {
    return this.at;
  }

  setTimer(ms: number, fire: () => void): ClockTimer {
    const pending: Pending = { at: this.at + Math.max(0, ms), seq: this.seq++, fire };
    this.timers.add(pending);
    return { cancel: () => this.timers.delete(pending) };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.options.autoAdvance) {
      this.moveTo(this.at + Math.max(0, ms));
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const timer = this.setTimer(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      const onAbort = () => {
        timer.cancel();
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  timeoutSignal(ms: number): AbortSignal {
    const controller = new AbortController();
    this.setTimer(ms, () => controller.abort(timeoutReason()));
    return controller.signal;
  }

  /** Moves time forward by `ms`, firing each timer due on the way (with its own `now`) and settling promises. */
  async advance(ms: number): Promise<void> {
    const end = this.at + ms;
    for (let next = this.nextDue(end); next; next = this.nextDue(end)) {
      this.timers.delete(next);
      this.at = Math.max(this.at, next.at);
      next.fire();
      await settle();
    }
    // Never back: an auto-advancing sleep that a fired timer led to may have moved the clock past `end`.
    this.at = Math.max(this.at, end);
    await settle();
  }

  /** Timers not yet fired. */
  get pending(): number {
    return this.timers.size;
  }

  /** Fires what is due by `end` synchronously (auto-advance: no promise turns to wait for). */
  private moveTo(end: number): void {
    for (let next = this.nextDue(end); next; next = this.nextDue(end)) {
      this.timers.delete(next);
      this.at = Math.max(this.at, next.at);
      next.fire();
    }
    this.at = Math.max(this.at, end);
  }

  private nextDue(end: number): Pending | undefined {
    let first: Pending | undefined;
    for (const t of this.timers)
      if (t.at <= end && (!first || t.at < first.at || (t.at === first.at && t.seq < first.seq))) first = t;
    return first;
  }
}

/** Lets every promise chain that is ready run (a macrotask turn, so I/O callbacks already due run too). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
