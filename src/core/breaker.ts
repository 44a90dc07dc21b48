/**
 * The circuit breaker of one provider, on cockatiel: it opens after `<P>_BREAKER_CONSECUTIVE_FAILURES`
 * consecutive failures, or when more than `<P>_BREAKER_FAILURE_RATIO` of the calls over `<P>_BREAKER_WINDOW_MS`
 * failed; after `<P>_BREAKER_HALF_OPEN_AFTER_MS` it lets one probe through (refusing the others while it is out) and
 * closes when the probe succeeds.
 *
 * Only failures that say the upstream is unwell count: network errors, timeouts, 5xx, 429 (the `transient`
 * failures, which are also the retried ones) and 2xx answers that are not a readable customer. A 404, a 400 or a
 * refused credential is a healthy upstream giving an answer: it counts as a success, so it closes a half-open
 * circuit and resets the consecutive count. (Refused credentials are for on-call, not for a breaker: opening
 * would only hide `upstream-auth-failed` behind `provider-unavailable`.)
 *
 * The circuit opens on evidence that the provider is unwell, not that one customer is: a key (a customer id)
 * counts only with its first failing lookup in a `<P>_BREAKER_WINDOW_MS` window, that lookup's retries included
 * but never more than `<P>_BREAKER_CONSECUTIVE_FAILURES` - 1 failures, so one record the upstream always fails
 * on cannot open the circuit for every other customer, however often it is looked up; a provider failing for
 * many ids opens it after as many failing attempts as it always did. A half-open probe counts whatever its key.
 */
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  SamplingBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
  type IBreaker,
} from 'cockatiel';
import { LRUCache } from 'lru-cache';
import type { Logger } from './logger.js';
import { GatewayError } from './problems.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  /** Opens after this many consecutive failures that say the upstream is unwell. */
  consecutiveFailures: number;
  /** Lets one probe through this long after opening. */
  halfOpenAfterMs: number;
  /** Also opens when more than this share of calls failed over `windowMs` (0 = off). */
  failureRatio: number;
  windowMs: number;
}

/** True for a failure that says the upstream is unwell (what the breaker counts). */
export const signalsUnwell = (error: unknown): boolean => error instanceof GatewayError && error.unwell;

/**
 * The half-open probe was refused by the gateway's own quota: nothing reached the upstream. cockatiel would take
 * any error its filter does not handle for a healthy answer and close the circuit; this one is handled instead, so
 * the circuit opens again for another half-open interval (not counted as a failure), and the caller gets the
 * refusal itself.
 */
class ProbeNotSent extends Error {
  constructor(readonly refusal: GatewayError) {
    super(refusal.message);
  }
}

/** A failure of a key already counted in this window: it goes around the breaker, neither failure nor success. */
class AlreadyCounted extends Error {
  constructor(readonly failure: GatewayError) {
    super(failure.message);
  }
}

/** Keys remembered per window; beyond it the oldest are forgotten and would count again (the safe side). */
const MAX_COUNTED_KEYS = 10_000;

/** Opens when either the consecutive count or the failure ratio says so, and remembers which one did. */
class ConsecutiveOrRatioBreaker implements IBreaker {
  reason = '';
  private readonly consecutive: ConsecutiveBreaker;
  private readonly sampling: SamplingBreaker | undefined;

  /** `lastFailure` reads what cockatiel recorded right before it calls `failure()`. */
  constructor(
    private readonly settings: BreakerSettings,
    private readonly lastFailure: () => unknown,
  ) {
    this.consecutive = new ConsecutiveBreaker(settings.consecutiveFailures);
    this.sampling =
      settings.failureRatio > 0
        ? new SamplingBreaker({ threshold: settings.failureRatio, duration: settings.windowMs })
        : undefined;
  }

  get state(): unknown {
    return { consecutive: this.consecutive.state, sampling: this.sampling?.state };
  }

  set state(value: unknown) {
    const v = value as { consecutive: number; sampling: unknown };
    this.consecutive.state = v.consecutive;
    if (this.sampling) this.sampling.state = v.sampling;
  }

  success(state: CircuitState): void {
    this.consecutive.success();
    this.sampling?.success(state);
  }

  failure(state: CircuitState): boolean {
    // A probe that was never sent says nothing about the upstream: the circuit opens again, nothing is counted.
    if (this.lastFailure() instanceof ProbeNotSent) return true;
    const byCount = this.consecutive.failure();
    const byRatio = this.sampling?.failure(state) ?? false;
    if (byCount) this.reason = `${this.settings.consecutiveFailures} consecutive failures`;
    else if (byRatio) {
      const percent = Math.round(this.settings.failureRatio * 100);
      this.reason = `more than ${percent}% of calls failed over ${this.settings.windowMs / 1000} s`;
    }
    return byCount || byRatio;
  }
}

export class ProviderBreaker {
  private readonly policy: CircuitBreakerPolicy;
  private readonly breaker: ConsecutiveOrRatioBreaker;
  private openedAt = 0;
  /** cockatiel announces the half-open probe synchronously right before it runs it: the next call is the probe. */
  private probeNext = false;
  /** Keys whose failures were counted in the current window: by which lookup, and how many. */
  private readonly counted: LRUCache<string, { lookup: object; failures: number }>;

  constructor(
    private readonly provider: string,
    private readonly settings: BreakerSettings,
    logger: Logger,
    onState?: (provider: string, state: BreakerState) => void,
  ) {
    this.counted = new LRUCache({ max: MAX_COUNTED_KEYS, ttl: settings.windowMs });
    this.breaker = new ConsecutiveOrRatioBreaker(settings, () => lastFailureError(this.policy));
    this.policy = circuitBreaker(
      handleWhen((error) => signalsUnwell(error) || error instanceof ProbeNotSent),
      { halfOpenAfter: settings.halfOpenAfterMs, breaker: this.breaker },
    );
    this.policy.onHalfOpen(() => (this.probeNext = true));
    let previous: BreakerState = 'closed';
    // cockatiel emits each transition once; the log line says why it happened.
    this.policy.onStateChange((next) => {
      const state = toBreakerState(next);
      const failure = lastFailureCode(this.policy);
      let reason: string;
      if (state === 'open') {
        this.openedAt = Date.now();
        const lastError = lastFailureError(this.policy);
        if (lastError instanceof ProbeNotSent)
          reason = 'the half-open probe got no quota slot within its deadline, so nothing was sent; trying again later';
        else
          reason =
            previous === 'half-open'
              ? `the half-open probe failed (${failure})`
              : `${this.breaker.reason} (last: ${failure})`;
        logger.warn(
          { provider, breaker: state, reason, retryAfterSeconds: this.retryAfterSeconds() },
          `circuit breaker for ${provider} opened: ${reason}`,
        );
      } else if (state === 'half-open') {
        reason = `${settings.halfOpenAfterMs} ms since it opened; letting one probe through`;
        logger.info({ provider, breaker: state, reason }, `circuit breaker for ${provider} half-open: ${reason}`);
      } else {
        reason = 'the probe succeeded';
        logger.info({ provider, breaker: state, reason }, `circuit breaker for ${provider} closed: ${reason}`);
      }
      previous = state;
      onState?.(provider, state);
    });
  }

  /**
   * Runs one upstream attempt through the breaker. While open, and while half-open with the probe out:
   * `provider-unavailable` with `Retry-After`. `attempt` learns whether it is the half-open probe. `about` names
   * what the attempt is for (a customer id, and the lookup the attempt belongs to): see the header.
   */
  async execute<T>(attempt: (probe: boolean) => Promise<T>, about?: { key: string; lookup: object }): Promise<T> {
    // Refused here, not by cockatiel, while open and while the probe is out. cockatiel would hold the calls that
    // arrive during the probe until its outcome and then release them together: a hanging probe would gather a whole
    // attempt timeout of callers, their sockets and promises, and answer them in one burst that the other providers'
    // lookups wait behind.
    const refused = this.refusalNow();
    if (refused) throw refused;
    let outcome: { value: T } | { error: unknown };
    try {
      outcome = await this.policy.execute(async () => {
        const isProbe = this.probeNext;
        this.probeNext = false;
        try {
          return { value: await attempt(isProbe) };
        } catch (error) {
          // A healthy answer that happens to be an error (404, 400, 401) goes around the breaker as a success;
          // a refusal by the bulkhead or quota (no call made) goes through it uncounted, and keeps a half-open
          // circuit from closing.
          if (isProbe && error instanceof GatewayError && error.refusedBeforeWire) throw new ProbeNotSent(error);
          if (error instanceof GatewayError && error.refusedBeforeWire) throw error;
          if (error instanceof GatewayError && error.unwell) {
            if (about && !isProbe && !this.counts(about)) throw new AlreadyCounted(error);
            throw error;
          }
          return { error };
        }
      });
    } catch (error) {
      if (error instanceof ProbeNotSent) throw error.refusal;
      if (error instanceof AlreadyCounted) throw error.failure;
      if (error instanceof BrokenCircuitError) throw this.open();
      throw error;
    }
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  /**
   * The refusal a call would meet here now, if any: while open until the probe is due, and while the probe is out.
   * Asked before a lookup sets out, so that a lookup refused anyway costs no deadline, retry loop or attempt (a
   * hanging provider's callers keep coming at the rate of their dashboards).
   */
  refusalNow(): GatewayError | undefined {
    const state = this.policy.state;
    if (state === CircuitState.HalfOpen) return this.probeOut();
    if (state === CircuitState.Open && Date.now() - this.openedAt < this.settings.halfOpenAfterMs) return this.open();
    return undefined;
  }

  private open(): GatewayError {
    return new GatewayError('provider-unavailable', {
      provider: this.provider,
      detail: 'The gateway stopped calling this provider for a moment after repeated failures (circuit open).',
      retryAfterSeconds: this.retryAfterSeconds(),
    });
  }

  private probeOut(): GatewayError {
    return new GatewayError('provider-unavailable', {
      provider: this.provider,
      detail:
        'The gateway is trying this provider again with one request; until it answers, others are refused ' +
        '(circuit half-open).',
      retryAfterSeconds: 1,
    });
  }

  /** Whether a failure of `about` counts, noting it if it does. */
  private counts({ key, lookup }: { key: string; lookup: object }): boolean {
    const seen = this.counted.get(key);
    if (!seen) {
      this.counted.set(key, { lookup, failures: 1 });
      return true;
    }
    if (seen.lookup !== lookup || seen.failures >= this.settings.consecutiveFailures - 1) return false;
    seen.failures += 1;
    return true;
  }

  get state(): BreakerState {
    return toBreakerState(this.policy.state);
  }

  /** Whole seconds until the circuit lets a probe through (at least 1). */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.openedAt + this.settings.halfOpenAfterMs - Date.now()) / 1000));
  }
}

function toBreakerState(state: CircuitState): BreakerState {
  if (state === CircuitState.Closed) return 'closed';
  if (state === CircuitState.HalfOpen) return 'half-open';
  return 'open';
}

function lastFailureError(policy: CircuitBreakerPolicy): unknown {
  const failure = policy.lastFailure;
  return failure && 'error' in failure ? failure.error : undefined;
}

function lastFailureCode(policy: CircuitBreakerPolicy): string {
  const error = lastFailureError(policy);
  return error instanceof GatewayError ? error.code : 'unknown';
}
