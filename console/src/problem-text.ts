/**
 * Pure: a failed request → what the page tells a support person. A problem answer (RFC 9457, docs/api.md) plus
 * its `Retry-After` header and the gateway's own description of the problem type (`GET /problems/{code}`)
 * become a heading, one human sentence, the specific detail, and what the person can do about it.
 */
import type { Problem, ProblemDescription } from './model.js';

export interface ProblemText {
  /** The problem type's code (`customer-not-found`), or null for failures without a problem document. */
  code: string | null;
  heading: string;
  /** What happened, in general words. */
  sentence: string;
  /** What happened to this request, when the gateway said more than the general sentence. */
  detail: string | null;
  /** What the person can do, most useful first. */
  advice: string[];
  /** Seconds to wait before trying again, from `Retry-After`. */
  retryAfterSeconds: number | null;
  requestId: string | null;
  /** Trying again, unchanged, may succeed. */
  retryable: boolean;
  /** The gateway wants (other) credentials: the page shows the key prompt. */
  needsKey: boolean;
}

export interface ProblemInput {
  status: number;
  problem: Problem;
  /** The `Retry-After` header as sent: seconds or an HTTP date. */
  retryAfter: string | null;
  /** From `X-Request-Id`, else the problem's `requestId`. */
  requestId: string | null;
  /** `GET /problems/{code}`, when the gateway answered it. */
  description?: ProblemDescription | null;
  /** The provider's name as the page shows it. */
  providerName?: string | null;
  /** Milliseconds since the epoch, for an HTTP-date `Retry-After`. */
  now?: number;
}

/** `/problems/customer-not-found` (or an absolute URL ending so) → `customer-not-found`. */
export function problemCode(type: unknown): string | null {
  if (typeof type !== 'string') return null;
  const match = /\/problems\/([a-z0-9-]{1,64})$/.exec(type);
  return match?.[1] ?? null;
}

/** `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP date → whole seconds from now, or null. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  // Only a date that names its zone: `Date` would read a bare date-time in the browser's local time.
  if (!/GMT$|UTC$|Z$/i.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** "Try again in 30 seconds." / "Try again in 3 minutes." / "You can try again now." */
export function tryAgainIn(seconds: number): string {
  if (seconds <= 0) return 'You can try again now.';
  if (seconds === 1) return 'Try again in 1 second.';
  if (seconds <= 90) return `Try again in ${seconds} seconds.`;
  return `Try again in ${Math.ceil(seconds / 60)} minutes.`;
}

const CHECK_ID = 'Check the id: it may be mistyped, or belong to another provider.';

export function describeProblem(input: ProblemInput): ProblemText {
  const { problem, status, description } = input;
  const code = problemCode(problem.type);
  const provider = input.providerName ?? (typeof problem.provider === 'string' ? problem.provider : null);
  const retryAfterSeconds = parseRetryAfter(input.retryAfter, input.now);
  const heading = nonEmpty(problem.title) ?? nonEmpty(description?.title) ?? `The gateway answered HTTP ${status}`;
  const sentence =
    nonEmpty(description?.description) ?? nonEmpty(problem.detail) ?? `The request failed with HTTP ${status}.`;
  const detailText = nonEmpty(problem.detail);
  const detail = detailText !== null && detailText !== sentence ? detailText : null;
  const retryable = typeof problem.retryable === 'boolean' ? problem.retryable : [429, 502, 503, 504].includes(status);

  const advice: string[] = [];
  switch (code) {
    case 'invalid-request':
      advice.push(`${CHECK_ID} The gateway will refuse it unchanged.`);
      break;
    case 'customer-not-found':
      advice.push(provider ? `${CHECK_ID} ${provider} says no customer has this id.` : CHECK_ID);
      break;
    case 'unknown-provider':
      advice.push('Pick a provider from the list: this one is not enabled on this gateway.');
      break;
    case 'unauthorized':
      advice.push('Enter a valid API key for this gateway.');
      break;
    case 'forbidden':
      advice.push('Your API key may not do this. Ask for access, or enter another key.');
      break;
    case 'upstream-auth-failed':
      advice.push(
        `Call on-call: ${provider ?? 'the provider'} refused the gateway’s own credentials. ` +
          'Nothing you can change here will fix it; give them the request id.',
      );
      break;
    case 'internal-error':
      advice.push('Report the request id to the gateway’s owners: this is a bug in the gateway.');
      break;
    default:
      break;
  }
  if (retryAfterSeconds !== null) {
    advice.push(tryAgainIn(retryAfterSeconds));
  } else if (retryable && code !== 'upstream-auth-failed') {
    advice.push('Try again in a little while.');
  }
  if (advice.length === 0) {
    const fromGateway = nonEmpty(description?.advice);
    if (fromGateway) advice.push(fromGateway);
  }
  if (retryable && (code === 'upstream-error' || code === 'upstream-timeout' || code === 'upstream-invalid-response')) {
    advice.push('If it keeps failing, tell on-call and give them the request id.');
  }

  return {
    code,
    heading,
    sentence,
    detail,
    advice,
    retryAfterSeconds,
    requestId: input.requestId ?? nonEmpty(problem.requestId),
    retryable,
    needsKey: status === 401 || status === 403,
  };
}

/** The request never got an answer: the network, a proxy, or the gateway itself is down. */
export function networkFailureText(browserMessage: string): ProblemText {
  const said = nonEmpty(browserMessage);
  return {
    code: null,
    heading: 'Could not reach the gateway',
    sentence: 'The request got no answer: the network, or the gateway itself, is not reachable.',
    detail: said ? `The browser said: ${said}` : null,
    advice: [
      'Check your network connection, then try again.',
      'If other sites work, the gateway may be down: tell on-call.',
    ],
    retryAfterSeconds: null,
    requestId: null,
    retryable: true,
    needsKey: false,
  };
}

export function timeoutText(seconds: number): ProblemText {
  return {
    code: null,
    heading: 'No answer in time',
    sentence: `The gateway did not answer within ${seconds} seconds, so the console stopped waiting.`,
    detail: null,
    advice: ['Try again in a little while.', 'If it keeps happening, tell on-call.'],
    retryAfterSeconds: null,
    requestId: null,
    retryable: true,
    needsKey: false,
  };
}

/** An answer that is not the gateway's JSON: often a proxy's own error page in front of the gateway. */
export function unreadableText(status: number, requestId: string | null): ProblemText {
  const ok = status >= 200 && status < 300;
  return {
    code: null,
    heading: 'Unexpected answer',
    sentence: ok
      ? `The gateway answered HTTP ${status}, but not with a body the console understands.`
      : `The request failed with HTTP ${status}, and the answer was not one of the gateway’s problem descriptions ` +
        '(a proxy in front of the gateway may have answered).',
    detail: null,
    advice: [
      'Try again in a little while.',
      requestId
        ? 'If it keeps happening, tell on-call and give them the request id.'
        : 'If it keeps happening, tell on-call.',
    ],
    retryAfterSeconds: null,
    requestId,
    retryable: true,
    needsKey: status === 401 || status === 403,
  };
}

function nonEmpty(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}
