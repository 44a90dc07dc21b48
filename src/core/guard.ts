/**
 * What stands between a lookup and one provider's upstream, per attempt (design §7, §9):
 *
 *   bulkhead (`<P>_MAX_CONCURRENCY` in flight, `<P>_MAX_QUEUE` waiting) → circuit breaker → [auth headers] →
 *   quota slot (`<P>_RATE_LIMIT_PER_SECOND`) → the request on the wire
 *
 * The bulkhead is outermost so that a hanging provider holds at most its own N sockets and N+queue pending
 * promises, whatever the load; the quota is innermost, right before the wire, so that nothing (a token fetch, a
 * queue) can delay a granted slot and bunch requests together at the upstream.
 */
import { bulkhead, BulkheadRejectedError, TaskCancelledError, type BulkheadPolicy } from 'cockatiel';
import type { Logger } from './logger.js';
import { ProviderBreaker, type BreakerSettings, type BreakerState } from './breaker.js';
import { gateRefusal, UpstreamQuota } from './quota.js';

export interface ResilienceSettings {
  /** Upstream requests per second; 0 = unlimited. */
  rateLimitPerSecond: number;
  maxConcurrency: number;
  maxQueue: number;
  breaker: BreakerSettings;
  /** A quota kept elsewhere (the fleet's, in Redis) instead of this process's own. */
  quota?: QuotaGate;
}

/** What the guard needs of a quota: a slot before the deadline (ms waited), or a `provider-unavailable` refusal. */
export interface QuotaGate {
  readonly perSecond: number;
  readonly waiting: number;
  acquire(deadline: number): Promise<number>;
}

export interface GuardHooks {
  onBreakerState?: (provider: string, state: BreakerState) => void;
  /** Seconds one attempt waited for a quota slot (0 when it went at once). */
  onQuotaWait?: (provider: string, seconds: number) => void;
}

/** What `/readyz` and metrics may read about a provider's guard. */
export interface GuardState {
  breaker: BreakerState;
  /** Seconds until an open circuit lets a probe through. */
  retryAfterSeconds?: number;
  inFlight: number;
  queued: number;
  quota: { perSecond: number; waiting: number } | null;
}

export class ProviderGuard {
  private readonly bulkhead: BulkheadPolicy;
  private readonly breaker: ProviderBreaker;
  private readonly quota: QuotaGate | undefined;

  constructor(
    private readonly provider: string,
    private readonly settings: ResilienceSettings,
    logger: Logger,
    private readonly hooks: GuardHooks = {},
  ) {
    this.bulkhead = bulkhead(settings.maxConcurrency, settings.maxQueue);
    this.breaker = new ProviderBreaker(provider, settings.breaker, logger, hooks.onBreakerState);
    this.quota = settings.quota ?? (settings.rateLimitPerSecond > 0 ? new UpstreamQuota(provider, settings.rateLimitPerSecond) : undefined);
  }

  /** Runs one attempt inside the bulkhead and the breaker. A wait for a bulkhead slot ends at `latestStart`. */
  async run<T>(latestStart: number, attempt: () => Promise<T>): Promise<T> {
    const signal = AbortSignal.timeout(Math.max(1, Math.floor(latestStart - Date.now())));
    let running = false;
    let onAbort: (() => void) | undefined;
    // Only the wait in the queue ends here; a running attempt has its own timeout.
    const expired = new Promise<never>((_, reject) => {
      onAbort = () => {
        if (!running) reject(this.refusal('No upstream slot of this provider came free within the lookup deadline.'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    const execute = () => {
      // Dequeued just as the deadline passed: not worth a call.
      if (Date.now() >= latestStart) throw this.refusal('No upstream slot of this provider came free within the lookup deadline.');
      running = true;
      return this.breaker.execute(attempt);
    };
    try {
      // A queued attempt whose deadline passes leaves at once; cockatiel drops it when its turn comes.
      return await Promise.race([this.bulkhead.execute(execute, signal), expired]);
    } catch (error) {
      if (error instanceof BulkheadRejectedError) throw this.refusal('Too many requests to this provider are in flight or queued.');
      if (error instanceof TaskCancelledError) throw this.refusal('No upstream slot of this provider came free within the lookup deadline.');
      throw error;
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  /** Waits for a quota slot right before the request goes on the wire; resolves with the milliseconds waited. */
  async admit(latestStart: number): Promise<number> {
    if (!this.quota) return 0;
    const waited = await this.quota.acquire(latestStart);
    this.hooks.onQuotaWait?.(this.provider, waited / 1000);
    return waited;
  }

  state(): GuardState {
    const breaker = this.breaker.state;
    return {
      breaker,
      ...(breaker === 'open' ? { retryAfterSeconds: this.breaker.retryAfterSeconds() } : {}),
      inFlight: this.settings.maxConcurrency - this.bulkhead.executionSlots,
      queued: this.settings.maxQueue - this.bulkhead.queueSlots,
      quota: this.quota ? { perSecond: this.quota.perSecond, waiting: this.quota.waiting } : null,
    };
  }

  private refusal(detail: string) {
    return gateRefusal(this.provider, detail, 1);
  }
}
