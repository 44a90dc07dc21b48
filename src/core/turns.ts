/**
 * Lookups waiting for an upstream slot, one queue per caller, served in turn (round robin over the callers), so
 * that one caller's flood delays another caller's lookup by about one slot per active caller, not by the length of
 * the flood. The in-memory quota and the fleet's both queue here; they differ only in where their slots come from.
 *
 * A waiter leaves its queue, refused, when its latest start passes (callers that arrived later may take turns ahead
 * of it) and at once when its request's signal aborts.
 */
import type { Clock } from './clock.js';
import type { GatewayError } from './problems.js';

interface Waiter<T> {
  latestStart: number;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  /** Stops watching its latest start and its request's signal (it was served, or it left). */
  release: () => void;
}

export class CallerTurns<T> {
  /** One queue per caller with lookups waiting; the Map's order is the order of turns. */
  private readonly queues = new Map<string, Waiter<T>[]>();
  private count = 0;

  /**
   * @param refusal the refusal of a waiter that leaves (its latest start passed or its signal aborted), given how
   *   many still wait after it left
   */
  constructor(
    private readonly clock: Clock,
    private readonly refusal: (stillWaiting: number) => GatewayError,
  ) {}

  get size(): number {
    return this.count;
  }

  /** The latest start of any waiter (`-Infinity` when nobody waits): the longest any slot asked for may be away. */
  get latestStart(): number {
    let latest = -Infinity;
    for (const queue of this.queues.values()) for (const waiter of queue) latest = Math.max(latest, waiter.latestStart);
    return latest;
  }

  /**
   * How many waiters a newcomer of `callerKey` would be served after: its caller's own queue, and from every other
   * caller at most one more than that (one per round).
   */
  aheadOf(callerKey: string): number {
    const own = this.queues.get(callerKey)?.length ?? 0;
    let ahead = own;
    for (const [key, queue] of this.queues) if (key !== callerKey) ahead += Math.min(queue.length, own + 1);
    return ahead;
  }

  /** Queues a waiter of `callerKey`: resolves with what it is served, or rejects with the refusal when it leaves. */
  wait(callerKey: string, latestStart: number, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const leave = () => this.leave(callerKey, waiter);
      const timer = this.clock.setTimer(Math.max(1, latestStart - this.clock.now()), leave);
      signal?.addEventListener('abort', leave, { once: true });
      const release = () => {
        timer.cancel();
        signal?.removeEventListener('abort', leave);
      };
      const waiter: Waiter<T> = { latestStart, resolve, reject, release };
      const queue = this.queues.get(callerKey);
      if (queue) queue.push(waiter);
      else this.queues.set(callerKey, [waiter]);
      this.count += 1;
      if (signal?.aborted) leave();
    });
  }

  /** The caller whose turn it is gets `value` for its first waiter and goes to the end of the turns. */
  serveNext(value: T): boolean {
    const turn = this.queues.entries().next();
    if (turn.done) return false;
    const [key, queue] = turn.value;
    this.queues.delete(key);
    const waiter = queue.shift();
    if (queue.length > 0) this.queues.set(key, queue);
    if (!waiter) return false;
    this.count -= 1;
    waiter.release();
    waiter.resolve(value);
    return true;
  }

  /** Every waiter gets `value` at once (the slots now come from elsewhere). */
  serveAll(value: T): void {
    this.takeWhere(() => true).forEach((waiter) => waiter.resolve(value));
  }

  /** Every waiter that must start before `at` is refused with `error`: no slot can come in time for it. */
  refuseBefore(at: number, error: unknown): void {
    this.takeWhere((waiter) => waiter.latestStart < at).forEach((waiter) => waiter.reject(error));
  }

  private takeWhere(test: (waiter: Waiter<T>) => boolean): Waiter<T>[] {
    const taken: Waiter<T>[] = [];
    for (const [key, queue] of [...this.queues]) {
      const kept = queue.filter((waiter) => !test(waiter));
      for (const waiter of queue) if (!kept.includes(waiter)) taken.push(waiter);
      if (kept.length > 0) this.queues.set(key, kept);
      else this.queues.delete(key);
    }
    this.count -= taken.length;
    for (const waiter of taken) waiter.release();
    return taken;
  }

  private leave(callerKey: string, waiter: Waiter<T>): void {
    const queue = this.queues.get(callerKey);
    const index = queue?.indexOf(waiter) ?? -1;
    if (!queue || index < 0) return;
    queue.splice(index, 1);
    if (queue.length === 0) this.queues.delete(callerKey);
    this.count -= 1;
    waiter.release();
    waiter.reject(this.refusal(this.count));
  }
}
