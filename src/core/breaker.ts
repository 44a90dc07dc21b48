/**
 * The circuit breaker of one provider, a small state machine (its table is in test/unit/breaker.test.ts):
 *
 *   closed     every attempt goes; opens after `<P>_BREAKER_CONSECUTIVE_FAILURES` consecutive failures, or when more
 *              than `<P>_BREAKER_FAILURE_RATIO` of the calls over `<P>_BREAKER_WINDOW_MS` failed (with at least five
 *              failures a second's worth of calls in the window, so a quiet provider is not judged on a handful)
 *   open       every attempt is refused (`provider-unavailable`, `Retry-After`) until `<P>_BREAKER_HALF_OPEN_AFTER_MS`
 *              have passed; the next attempt then goes as the probe
 *   half-open  the probe is out: every other attempt is refused at once; the probe's outcome closes the circuit
 *              (a healthy answer) or opens it again (a failure, or a probe the quota refused before sending it)
 *
 * Only failures that say the upstream is unwell count (`GatewayError.unwell`: network errors, timeouts, 5xx, 429 and
 * 2xx answers that are not a readable customer). A 404, a 400 or a refused credential is a healthy upstream giving
 * an answer: it resets the consecutive count and closes a half-open circuit. A refusal by the gateway's own gates
 * (nothing was sent) counts as nothing. The circuit's own refusal is `provider-unavailable` with the seconds until
 * the probe: a lookup whose retry the opening circuit refuses ends with it, so the caller knows when to come back.
 *
 * The circuit opens on evidence that the provider is unwell, not that one customer is: a key (a customer id) counts
 * only with its first failing lookup in a window, that lookup's retries included but never more than
 * `<P>_BREAKER_CONSECUTIVE_FAILURES` - 1 failures, so one record the upstream always fails on cannot open the circuit
 * for every other customer, however often it is looked up. A probe counts whatever its key.
 */
import { LRUCache } from 'lru-cache';
import type { Clock } from './clock.js';
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

/** What an admitted attempt came to, as the breaker sees it. */
export type AttemptOutcome = 'healthy' | 'unwell' | 'not-sent';

/** An admitted attempt: whether it is the half-open probe. */
export interface Admission {
  readonly probe: boolean;
}

/** What an attempt is about: a customer id, and the lookup the attempt belongs to (its retries share it). */
export interface AttemptSubject {
  key: string;
  lookup: object;
}

/** Keys remembered per window; beyond it the oldest are forgotten and would count again (the safe side). */
const MAX_COUNTED_KEYS = 10_000;

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private openedAt = 0;
  private consecutive = 0;
  private readonly ratio: FailureRatio | undefined;
  /** Keys whose failures were counted in the current window: by which lookup, and how many. */
  private readonly counted: LRUCache<string, { lookup: object; failures: number }>;

  constructor(
    private readonly provider: string,
    private readonly settings: BreakerSettings,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly onState?: (provider: string, state: BreakerState) => void,
  ) {
    this.counted = new LRUCache({
      max: MAX_COUNTED_KEYS,
      ttl: settings.windowMs,
      perf: { now: () => clock.now() },
      ttlResolution: 0,
    });
    this.ratio =
      settings.failureRatio > 0 ? new FailureRatio(settings.failureRatio, settings.windowMs, clock) : undefined;
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Asks the circuit for one attempt: an admission, or a throw of the refusal (`provider-unavailable`). */
  admit(): Admission {
    if (this.current === 'closed') return CLOSED;
    if (this.current === 'half-open') throw this.probeOut();
    if (this.clock.now() - this.openedAt < this.settings.halfOpenAfterMs) throw this.open();
    this.moveTo('half-open', `${this.settings.halfOpenAfterMs} ms since it opened; letting one probe through`);
    return PROBE;
  }

  /** The outcome of an admitted attempt. */
  record(admission: Admission, outcome: AttemptOutcome, failure?: string, about?: AttemptSubject): void {
    if (admission.probe) return this.probeOutcome(outcome, failure);
    // An attempt admitted before the circuit opened, ending after: the circuit already made up its mind.
    if (this.current !== 'closed' || outcome === 'not-sent') return;
    if (outcome === 'healthy') {
      this.consecutive = 0;
      this.ratio?.add(false);
      return;
    }
    if (about && !this.counts(about)) return;
    this.consecutive += 1;
    const byRatio = this.ratio?.add(true) ?? false;
    if (this.consecutive >= this.settings.consecutiveFailures)
      this.trip(`${this.settings.consecutiveFailures} consecutive failures (last: ${failure ?? 'unknown'})`);
    else if (byRatio) {
      const percent = Math.round(this.settings.failureRatio * 100);
      const seconds = this.settings.windowMs / 1000;
      this.trip(`more than ${percent}% of calls failed over ${seconds} s (last: ${failure ?? 'unknown'})`);
    }
  }

  /** Whole seconds until the circuit lets a probe through (at least 1). */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.openedAt + this.settings.halfOpenAfterMs - this.clock.now()) / 1000));
  }

  private probeOutcome(outcome: AttemptOutcome, failure: string | undefined): void {
    if (outcome === 'healthy') {
      this.consecutive = 0;
      this.ratio?.reset();
      this.moveTo('closed', 'the probe succeeded');
    } else if (outcome === 'unwell') this.trip(`the half-open probe failed (${failure ?? 'unknown'})`);
    else
      this.trip('the half-open probe got no quota slot within its deadline, so nothing was sent; trying again later');
  }

  private trip(reason: string): void {
    this.openedAt = this.clock.now();
    this.consecutive = 0;
    this.moveTo('open', reason);
  }

  private moveTo(state: BreakerState, reason: string): void {
    this.current = state;
    const { provider } = this;
    const fields = { provider, breaker: state, reason };
    if (state === 'open')
      this.logger.warn(
        { ...fields, retryAfterSeconds: this.retryAfterSeconds() },
        `circuit breaker for ${provider} opened: ${reason}`,
      );
    else this.logger.info(fields, `circuit breaker for ${provider} ${state}: ${reason}`);
    this.onState?.(provider, state);
  }

  /** Whether a failure of `about` counts, noting it if it does. */
  private counts({ key, lookup }: AttemptSubject): boolean {
    const seen = this.counted.get(key);
    if (!seen) {
      this.counted.set(key, { lookup, failures: 1 });
      return true;
    }
    if (seen.lookup !== lookup || seen.failures >= this.settings.consecutiveFailures - 1) return false;
    seen.failures += 1;
    return true;
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
}

const CLOSED: Admission = Object.freeze({ probe: false });
const PROBE: Admission = Object.freeze({ probe: true });

/**
 * The share of failed calls over a sliding window, kept in buckets (at least five, at most a second each). It
 * judges only with enough calls in the window: five failures a second's worth at the ratio.
 */
class FailureRatio {
  private readonly buckets: { startedAt: number; failures: number; calls: number }[];
  private readonly bucketMs: number;
  private readonly minimumCalls: number;
  private index = 0;
  private failures = 0;
  private calls = 0;

  constructor(
    private readonly threshold: number,
    windowMs: number,
    private readonly clock: Clock,
  ) {
    const count = Math.max(5, Math.ceil(windowMs / 1000));
    this.bucketMs = Math.round(windowMs / count);
    this.buckets = Array.from({ length: count }, () => ({ startedAt: 0, failures: 0, calls: 0 }));
    this.minimumCalls = ((this.bucketMs * count) / 1000) * (5 / threshold);
  }

  /** Counts one call; true when the window now says the provider is unwell. */
  add(failed: boolean): boolean {
    const bucket = this.current(this.clock.now());
    bucket.calls += 1;
    this.calls += 1;
    if (failed) {
      bucket.failures += 1;
      this.failures += 1;
    }
    return failed && this.calls >= this.minimumCalls && this.failures > this.threshold * this.calls;
  }

  reset(): void {
    for (const bucket of this.buckets) Object.assign(bucket, { startedAt: 0, failures: 0, calls: 0 });
    this.failures = 0;
    this.calls = 0;
  }

  /** The bucket of `now`: as many of the oldest buckets as whole bucket lengths have passed are emptied for it. */
  private current(now: number) {
    const bucket = this.buckets[this.index];
    if (bucket && now - bucket.startedAt < this.bucketMs) return bucket;
    const passed = bucket ? Math.floor((now - bucket.startedAt) / this.bucketMs) : 1;
    let fresh = { startedAt: now, failures: 0, calls: 0 };
    for (let step = 0; step < Math.min(passed, this.buckets.length); step += 1) {
      this.index = (this.index + 1) % this.buckets.length;
      const oldest = this.buckets[this.index];
      this.failures -= oldest?.failures ?? 0;
      this.calls -= oldest?.calls ?? 0;
      fresh = { startedAt: now, failures: 0, calls: 0 };
      this.buckets[this.index] = fresh;
    }
    return fresh;
  }
}
