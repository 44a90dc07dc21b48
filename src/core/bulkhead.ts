/**
 * The bulkhead of one provider, on cockatiel: at most `<P>_MAX_CONCURRENCY` attempts in flight and `<P>_MAX_QUEUE`
 * waiting, so that a hanging provider holds at most its own sockets and pending promises, whatever the load.
 * A wait in the queue ends at the call's latest start; a running attempt has its own timeout. It runs outside the
 * breaker: an attempt that waited here while the circuit opened is refused by the circuit when its turn comes.
 */
import { bulkhead, BulkheadRejectedError, TaskCancelledError, type BulkheadPolicy } from 'cockatiel';
import type { Clock } from './clock.js';
import type { Policy } from './policy.js';
import { GatewayError } from './problems.js';
import type { UpstreamCallState } from './upstream-call.js';

const NO_SLOT_IN_TIME = 'No upstream slot of this provider came free within the lookup deadline.';

export class ProviderBulkhead implements Policy<UpstreamCallState> {
  private readonly policy: BulkheadPolicy;

  constructor(
    private readonly provider: string,
    private readonly maxConcurrency: number,
    private readonly maxQueue: number,
    private readonly attemptTimeoutMs: number,
    private readonly clock: Clock,
  ) {
    this.policy = bulkhead(maxConcurrency, maxQueue);
  }

  /** Runs `next` in a slot; refused before the wire when the queue is full or no slot comes by the latest start. */
  async run<T>(state: UpstreamCallState, next: () => Promise<T>): Promise<T> {
    const latestStart = state.deadline.latestStart(this.attemptTimeoutMs);
    // A slot is free: cockatiel starts the attempt at once, so there is no wait to bound and no timer to set.
    if (this.policy.executionSlots > 0) return this.policy.execute(next);
    let running = false;
    const signal = this.clock.timeoutSignal(Math.max(1, latestStart - this.clock.now()));
    let onAbort: (() => void) | undefined;
    // Only the wait in the queue ends here: cockatiel drops a cancelled waiter when its turn comes, this answers
    // it now.
    const expired = new Promise<never>((_, reject) => {
      onAbort = () => {
        if (!running) reject(this.refusal(NO_SLOT_IN_TIME));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([
        this.policy.execute(() => {
          // Dequeued just as the latest start passed: not worth a call.
          if (this.clock.now() >= latestStart) throw this.refusal(NO_SLOT_IN_TIME);
          running = true;
          return next();
        }, signal),
        expired,
      ]);
    } catch (error) {
      if (error instanceof BulkheadRejectedError)
        throw this.refusal('Too many requests to this provider are in flight or queued.');
      if (error instanceof TaskCancelledError) throw this.refusal(NO_SLOT_IN_TIME);
      throw error;
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  get inFlight(): number {
    return this.maxConcurrency - this.policy.executionSlots;
  }

  get queued(): number {
    return this.maxQueue - this.policy.queueSlots;
  }

  private refusal(detail: string): GatewayError {
    return new GatewayError('provider-unavailable', {
      provider: this.provider,
      detail,
      retryAfterSeconds: 1,
      refusedBeforeWire: true,
    });
  }
}
