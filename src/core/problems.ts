/**
 * The closed table of problem codes. Every error the gateway answers is one of these,
 * rendered as RFC 9457 `application/problem+json` by the one error middleware in `src/app.ts`.
 */
import type { CacheOutcome } from './cache-outcome.js';

export const PROBLEMS = {
  'invalid-request': {
    status: 400,
    title: 'Invalid request',
    description:
      'The customer id does not match the provider’s id rule, a query parameter has a bad value, ' +
      'or the provider rejected the request as malformed.',
    advice: 'Check the id and the query parameters; the request will not succeed unchanged.',
  },
  unauthorized: {
    status: 401,
    title: 'Unauthorized',
    description: 'The request carried no credentials, or credentials the gateway does not accept.',
    advice: 'Send a valid API key or token.',
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    description: 'The caller is known but may not use this provider or this operation.',
    advice: 'Ask for the grant you need.',
  },
  'unknown-provider': {
    status: 404,
    title: 'Unknown provider',
    description: 'No provider of that name is enabled on this gateway.',
    advice: 'GET /providers lists the enabled providers.',
  },
  'not-found': {
    status: 404,
    title: 'Not found',
    description: 'No route answers this path.',
    advice: 'Check the path; GET /openapi.json describes every route.',
  },
  'method-not-allowed': {
    status: 405,
    title: 'Method not allowed',
    description: 'The route exists but does not serve this method; the Allow header lists those it does.',
    advice: 'Use one of the methods in the Allow header.',
  },
  'operation-not-supported': {
    status: 404,
    title: 'Operation not offered for this provider',
    description:
      'The provider exists but does not offer this operation ' +
      '(Frontpayment has no customer list; Adobe’s list needs ADOBE_VIP_RESELLER_ID).',
    advice: 'GET /providers lists what each provider offers (capabilities).',
  },
  'request-too-large': {
    status: 413,
    title: 'Request too large',
    description: 'The request body is larger than the route accepts.',
    advice: 'Send a smaller body (a batch holds at most 100 lookups); split the work into several requests.',
  },
  'customer-not-found': {
    status: 404,
    title: 'Customer not found',
    description: 'The provider says no customer has this id.',
    advice: 'Check the id and the provider; the answer is cached briefly.',
  },
  'rate-limited': {
    status: 429,
    title: 'Too many requests',
    description: 'The caller exceeded the gateway’s own request limit.',
    advice: 'Wait for the number of seconds in Retry-After, then try again.',
  },
  'upstream-auth-failed': {
    status: 502,
    title: 'Upstream refused the gateway’s credentials',
    description: 'The provider rejected the gateway’s own credentials, or its token endpoint refused to issue a token.',
    advice: 'Nothing the caller can change: call on-call, the provider credentials need attention.',
  },
  'upstream-error': {
    status: 502,
    title: 'Upstream error',
    description: 'The provider failed (5xx, network failure or an unexpected status) and retries did not help.',
    advice: 'Try again shortly; if it persists, the provider is having trouble.',
  },
  'upstream-invalid-response': {
    status: 502,
    title: 'Upstream sent an invalid response',
    description:
      'The provider answered success with a body that is not JSON, not the documented shape, ' +
      'or not the requested customer.',
    advice: 'Try again shortly; if it persists, the provider’s API may have changed.',
  },
  'upstream-rate-limited': {
    status: 503,
    title: 'Upstream rate limit',
    description: 'The provider kept answering 429 until retries or the deadline ran out.',
    advice: 'Wait for the number of seconds in Retry-After, then try again.',
  },
  'provider-unavailable': {
    status: 503,
    title: 'Provider unavailable',
    description:
      'The gateway is not calling this provider right now ' +
      '(its circuit is open or its quota cannot serve the request within the deadline).',
    advice: 'Wait for the number of seconds in Retry-After, then try again.',
  },
  'upstream-timeout': {
    status: 504,
    title: 'Upstream timeout',
    description: 'The provider did not answer within the gateway’s deadline.',
    advice: 'Try again shortly.',
  },
  'internal-error': {
    status: 500,
    title: 'Internal error',
    description: 'A bug in the gateway. It is logged with the request id.',
    advice: 'Report the request id to the gateway’s owners.',
  },
} as const satisfies Record<string, { status: number; title: string; description: string; advice: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

export const isProblemCode = (code: string): code is ProblemCode => Object.hasOwn(PROBLEMS, code);

/** 429, 502, 503 and 504 are worth retrying later. */
export const isRetryableStatus = (status: number): boolean => [429, 502, 503, 504].includes(status);

export interface GatewayErrorOptions {
  detail?: string;
  provider?: string;
  upstreamStatus?: number;
  /** Seconds the caller should wait, passed on as `Retry-After`. */
  retryAfterSeconds?: number;
  /** The upstream may succeed if asked again (a network error, timeout, 429 or 5xx): another attempt may follow. */
  transient?: boolean;
  /**
   * The failure says the upstream is unwell (what the circuit breaker counts). Defaults to `transient`, or a 2xx
   * that is not a readable customer (`upstream-invalid-response`).
   */
  unwell?: boolean;
  /** The upstream refused the gateway's token (a 401): worth one more try with a fresh one. */
  wantsFreshCredentials?: boolean;
  /** Refused by one of the gateway's own gates (circuit, bulkhead, quota, failure memory): nothing went on the wire. */
  refusedBeforeWire?: boolean;
  /** The query parameter an `invalid-request` is about, answered as `parameter` so a client can point at it. */
  parameter?: string;
  /** Extra response headers (for example `Allow` on 405). */
  headers?: Record<string, string>;
  /** A problem answered from the cache (a cached `customer-not-found`): how the lookup used the cache. */
  cache?: CacheOutcome;
  cause?: unknown;
}

/**
 * The one error type of the gateway: a problem code plus what the problem document needs, and its classification
 * as fields set where it is made, so that every policy on the path reads the error itself.
 */
export class GatewayError extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly provider: string | undefined;
  readonly upstreamStatus: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly transient: boolean;
  readonly unwell: boolean;
  readonly wantsFreshCredentials: boolean;
  readonly refusedBeforeWire: boolean;
  readonly headers: Record<string, string>;
  readonly cache: CacheOutcome | undefined;
  readonly parameter: string | undefined;

  constructor(code: ProblemCode, options: GatewayErrorOptions = {}) {
    super(options.detail ?? PROBLEMS[code].description, { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = PROBLEMS[code].status;
    this.provider = options.provider;
    this.upstreamStatus = options.upstreamStatus;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.transient = options.transient ?? false;
    this.unwell = options.unwell ?? (this.transient || code === 'upstream-invalid-response');
    this.wantsFreshCredentials = options.wantsFreshCredentials ?? false;
    this.refusedBeforeWire = options.refusedBeforeWire ?? false;
    this.headers = options.headers ?? {};
    this.cache = options.cache;
    this.parameter = options.parameter;
  }

  /** The same problem answered from the cache (a cached `customer-not-found`), with its cache headers. */
  fromCache(cache: CacheOutcome, headers: Record<string, string>): GatewayError {
    return new GatewayError(this.code, {
      detail: this.message,
      provider: this.provider,
      upstreamStatus: this.upstreamStatus,
      retryAfterSeconds: this.retryAfterSeconds,
      headers,
      cache,
    });
  }
}

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  provider?: string;
  upstreamStatus?: number;
  parameter?: string;
  retryable: boolean;
}

export function problemFor(error: GatewayError, instance: string, requestId: string): ProblemDocument {
  const problem: ProblemDocument = {
    type: `/problems/${error.code}`,
    title: PROBLEMS[error.code].title,
    status: error.status,
    detail: error.message,
    instance,
    requestId,
    retryable: isRetryableStatus(error.status),
  };
  if (error.provider !== undefined) problem.provider = error.provider;
  if (error.upstreamStatus !== undefined) problem.upstreamStatus = error.upstreamStatus;
  if (error.parameter !== undefined) problem.parameter = error.parameter;
  return problem;
}
