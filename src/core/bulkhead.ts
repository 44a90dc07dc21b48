/**
 * The bulkhead of one provider, on cockatiel: at most `<P>_MAX_CONCURRENCY` attempts in flight and `<P>_MAX_QUEUE`
 * waiting, so that a hanging provider holds at most its own sockets and pending promises, whatever the load.
 * A wait in the queue ends at the lookup's latest start; a running attempt has its own timeout.
 */
import { bulkhead, BulkheadRejectedError, TaskCancelledError, type BulkheadPolicy } from 'cockatiel';
import type { Deadline } from './deadline.js';
import { GatewayError } from './problems.js';

const NO_SLOT_IN_TIME = 'No upstream slot of this provider came free within the lookup deadline.';
const CIRCUIT_OPENED = 'The circuit opened while this lookup waited for an upstream slot of this provider.';

export class ProviderBulkhead {
  private readonly policy: BulkheadPolicy;

  constructor(
    private readonly provider: string,
    private readonly maxConcurrency: number,
    private readonly maxQueue: number,
  ) {
    this.policy = bulkhead(maxConcurrency, maxQueue);
  }

  /**
   * Runs `attempt` in a slot; refused before the wire when the queue is full, when no slot comes by the latest
   * start, or when `stillWanted` says no once a slot came (the circuit opened during the wait).
   */
  async execute<T>(deadline: Deadline, attempt: () => Promise<T>, stillWanted?: () => boolean): Promise<T> {
    let running = false;
    const run = () => {
      // Dequeued just as the deadline passed: not worth a call.
      if (deadline.untilLatestStart() <= 0) throw this.refusal(NO_SLOT_IN_TIME);
      running = true;
      return attempt();
    };
    // A slot is free: cockatiel starts the attempt at once, so there is no wait to bound and no timer to set (the
    // usual case; a timer, its signal and a race per attempt were a visible part of a miss).
    if (this.policy.executionSlots > 0) return this.policy.execute(run);
    // Queued behind attempts that hung until the circuit opened, an attempt sent now would hang as they did. The slot
    // comes free when an attempt ends; when that attempt failed, the breaker counts the failure only a few promise
    // turns later, after cockatiel has already handed the slot on: look once those turns have run.
    const runWhenCounted = async () => {
      if (stillWanted) {
        await new Promise((resolve) => setImmediate(resolve));
        if (!stillWanted()) throw this.refusal(CIRCUIT_OPENED);
      }
      return run();
    };
    const signal = AbortSignal.timeout(Math.max(1, Math.floor(deadline.untilLatestStart())));
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
      return await Promise.race([this.policy.execute(runWhenCounted, signal), expired]);
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
