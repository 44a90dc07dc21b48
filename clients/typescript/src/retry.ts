/**
 * Retries as the gateway advises them: only an answer whose problem says `retryable` and that carries
 * `Retry-After` is asked again, after that many seconds, a bounded number of times. Anything else, and an advice to
 * wait longer than the caller accepts, goes back to the caller as it came: the gateway has already retried its
 * upstream within its own deadline, so a blind retry here would only multiply the load on a provider in trouble.
 */
import { sleep as realSleep, type Fetch } from './fetch.js';
import { isProblem, retryAfterOf } from './problem.js';

export interface RetryPolicy {
  /** Attempts in all, the first included; 1 turns retries off. */
  attempts: number;
  /** The longest `Retry-After` worth waiting for; a longer one is answered to the caller at once. */
  maxWaitSeconds: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, maxWaitSeconds: 30 };

export function retrying(fetch: Fetch, policy: RetryPolicy): Fetch {
  const sleep = policy.sleep ?? realSleep;
  return async (request) => {
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= policy.attempts;
      // A body can be sent once: every attempt but the last sends a copy.
      const response = await fetch(last ? request : request.clone());
      if (last) return response;
      const wait = await advisedWait(response, policy.maxWaitSeconds);
      if (wait === undefined) return response;
      await response.body?.cancel();
      await sleep(wait * 1000, request.signal);
    }
  };
}

/** Seconds to wait before asking again, when the answer advises it; undefined when it must not be retried. */
async function advisedWait(response: Response, maxWaitSeconds: number): Promise<number | undefined> {
  if (response.status < 400) return undefined;
  const seconds = retryAfterOf(response);
  if (seconds === undefined || seconds > maxWaitSeconds) return undefined;
  const body: unknown = await response
    .clone()
    .json()
    .catch(() => undefined);
  return isProblem(body) && body.retryable ? seconds : undefined;
}
