/**
 * The retry policy, on p-retry: `<P>_RETRIES` more attempts after a transient failure (a network error, a
 * timeout, 429 or 5xx). The wait before each: 200 ms × 2^n capped at 2 s, times a random factor in [1, 2); an
 * upstream `Retry-After` (seconds or an HTTP date, on 429 or 5xx) replaces it. A wait that would end at or past the
 * deadline is not started: the call stops at once with the last failure, passing its `Retry-After` on.
 *
 * p-retry counts the attempts and decides on a retry; the wait itself is taken in its `onFailedAttempt`, because
 * p-retry's own delay can neither be replaced by `Retry-After` nor be known before it starts (a deadline check
 * needs the wait that will really happen, jitter included), and because it waits on the wall clock, not ours.
 */
import pRetry, { AbortError } from 'p-retry';
import type { Clock } from './clock.js';
import type { UpstreamCallState } from './upstream-call.js';
import { GatewayError } from './problems.js';
import type { Policy } from './policy.js';
import { timeoutError } from './upstream.js';

/** Base, factor and cap of the wait before a retry. */
export const BACKOFF = { minTimeout: 200, factor: 2, maxTimeout: 2000 };

export function retryPolicy(
  provider: string,
  retries: number,
  clock: Clock,
  random: () => number = Math.random,
): Policy<UpstreamCallState> {
  return {
    run: (state, next) =>
      pRetry(
        async () => {
          if (state.deadline.remaining() <= 0) throw settled(state) ?? timeoutError(provider);
          try {
            return await next();
          } catch (error) {
            // A retry that cannot get a slot in time (bulkhead, circuit, quota) ends with the upstream's last failure.
            const last = settled(state);
            if (error instanceof GatewayError && error.refusedBeforeWire && last) throw new AbortError(last);
            throw error;
          }
        },
        {
          retries,
          // The wait is taken in onFailedAttempt (see the header comment): none from p-retry itself.
          minTimeout: 0,
          shouldRetry: ({ error }) => error instanceof GatewayError && error.transient,
          onFailedAttempt: async ({ error, retriesLeft }) => {
            if (!(error instanceof GatewayError) || !error.transient || retriesLeft <= 0) return;
            const wait = retryWait(error, retries - retriesLeft, random);
            if (state.deadline.endsPast(wait)) throw error;
            // The deadline is not past the wait's end, but the call may end sooner: then with this failure.
            await clock.sleep(wait, state.deadline.signal).catch(() => {
              throw error;
            });
          },
        },
      ),
  };
}

/**
 * The upstream's last failure, once it says something: a 401 still waiting for its retry with a fresh token does
 * not yet (a call that cannot make that retry ends for that reason, never in `upstream-auth-failed`).
 */
function settled(state: UpstreamCallState): GatewayError | undefined {
  return state.lastFailure?.wantsFreshCredentials ? undefined : state.lastFailure;
}

/**
 * The wait before retry number `retriesUsed + 1`: the upstream's `Retry-After` when it sent one, else
 * 200 ms × 2^n capped at 2 s, times a random factor in [1, 2) so that callers failing together spread out.
 */
export function retryWait(failure: GatewayError, retriesUsed: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF.minTimeout * BACKOFF.factor ** retriesUsed, BACKOFF.maxTimeout);
  const backoff = Math.min(Math.round(base * (1 + random())), BACKOFF.maxTimeout);
  // Retry-After replaces the backoff, but never makes the wait shorter than it.
  return Math.max((failure.retryAfterSeconds ?? 0) * 1000, backoff);
}
