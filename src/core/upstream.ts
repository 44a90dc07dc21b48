/**
 * Reading what an upstream attempt brought back, shared by every provider: the default reading of an HTTP status,
 * `Retry-After`, and the one `GatewayError` each outcome becomes, with its classification set here (retryable,
 * says the upstream is unwell, asks for fresh credentials). The order in which attempts run is in upstream-path.ts.
 */
import { isAxiosError } from 'axios';
import { GatewayError, type ProblemCode } from './problems.js';
import type { Classification, ProviderAdapter, Verdict } from './provider.js';
import { isRecord } from './normalize.js';

/** What each verdict becomes: the problem code and whether another attempt may help. */
const VERDICTS: Record<Verdict, [ProblemCode, boolean]> = {
  ok: ['internal-error', false],
  'not-found': ['customer-not-found', false],
  'bad-request': ['invalid-request', false],
  unauthorized: ['upstream-auth-failed', false],
  forbidden: ['upstream-auth-failed', false],
  'rate-limited': ['upstream-rate-limited', true],
  'server-error': ['upstream-error', true],
  unexpected: ['upstream-error', false],
};

export function defaultClassification(status: number): Classification {
  if (status >= 200 && status < 300) return { verdict: 'ok' };
  if (status === 404) return { verdict: 'not-found' };
  if (status === 400) return { verdict: 'bad-request' };
  if (status === 401) return { verdict: 'unauthorized' };
  if (status === 403) return { verdict: 'forbidden' };
  if (status === 429) return { verdict: 'rate-limited' };
  if (status >= 500) return { verdict: 'server-error' };
  if (status >= 300 && status < 400)
    return { verdict: 'unexpected', reason: `The upstream redirected (${status}); redirects are not followed.` };
  return { verdict: 'unexpected' };
}

/** `Retry-After` as seconds or an HTTP date → whole seconds from now, or undefined. */
export function parseRetryAfter(value: unknown, now: number): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A classified non-2xx answer. Only a retryable one passes the upstream's `Retry-After` on. */
export function failureOf(
  provider: string,
  classification: Classification,
  httpStatus: number,
  retryAfter: unknown,
  now: number,
): GatewayError {
  const upstreamStatus = classification.upstreamStatus ?? httpStatus;
  const [code, transient] = VERDICTS[classification.verdict];
  return new GatewayError(code, {
    provider,
    upstreamStatus,
    detail: classification.reason ?? `The upstream answered ${upstreamStatus}.`,
    transient,
    retryAfterSeconds: transient ? parseRetryAfter(retryAfter, now) : undefined,
    // A 401 is worth one more try with a fresh token, when the auth scheme has tokens.
    wantsFreshCredentials: classification.verdict === 'unauthorized',
  });
}

/**
 * A 2xx answer is accepted only as a JSON object carrying the requested id (case-insensitively): the gateway never
 * answers one customer's data under another customer's id.
 */
export function acceptedBody(
  adapter: ProviderAdapter,
  id: string,
  body: unknown,
  contentType: string,
  status: number,
): Record<string, unknown> {
  const provider = adapter.id;
  if (!/\bjson\b/i.test(contentType) || body === undefined || !isRecord(body)) {
    throw new GatewayError('upstream-invalid-response', {
      provider,
      upstreamStatus: status,
      detail: 'The upstream answered success with a body that is not a JSON object.',
    });
  }
  const upstreamId = adapter.customerIdOf(body);
  if (typeof upstreamId !== 'string' || upstreamId.toLowerCase() !== id.toLowerCase()) {
    throw new GatewayError('upstream-invalid-response', {
      provider,
      upstreamStatus: status,
      detail: 'The upstream answered with a body that is not the requested customer.',
    });
  }
  return body;
}

export const timeoutError = (provider: string): GatewayError =>
  new GatewayError('upstream-timeout', {
    provider,
    detail: 'The upstream did not answer within the deadline.',
    transient: true,
  });

/** Something other than the network or the upstream threw during an attempt: the gateway's own fault. */
export const unexpectedError = (provider: string, cause: unknown): GatewayError =>
  new GatewayError('internal-error', { provider, detail: 'The gateway failed while calling the upstream.', cause });

/** What a throw during an attempt means: our timeout, a body too large or cut off, or an unreachable upstream. */
export function transportFailure(
  provider: string,
  error: unknown,
  timedOut: boolean,
  gotResponse: boolean,
  maxBodyBytes: number,
): GatewayError {
  if (timedOut) return timeoutError(provider);
  // Only axios reports the network and the upstream; anything else thrown during an attempt is the gateway's own fault.
  if (!isAxiosError(error)) return unexpectedError(provider, error);
  // axios refuses a body over `maxContentLength` with ERR_BAD_RESPONSE and no response object attached.
  if (error.code === 'ERR_BAD_RESPONSE' && error.response === undefined) {
    return new GatewayError('upstream-invalid-response', {
      provider,
      detail: `The upstream body exceeded ${maxBodyBytes} bytes.`,
      cause: error,
    });
  }
  // The status line and headers arrived (node sets `ClientRequest.res`), then the body broke off.
  const headersArrived =
    error.response !== undefined ||
    (isRecord(error.request) && error.request.res !== undefined && error.request.res !== null);
  if (gotResponse || headersArrived) {
    return new GatewayError('upstream-invalid-response', {
      provider,
      detail: 'The upstream body was cut off.',
      cause: error,
    });
  }
  const { code } = error;
  return new GatewayError('upstream-error', {
    provider,
    detail: `The upstream could not be reached${code ? ` (${code})` : ''}.`,
    transient: true,
    cause: error,
  });
}
