/**
 * The upstream client shared by every provider (design §4, §5): one lookup is a series of attempts under
 * p-retry, each with its own timeout cut to the lookup's deadline, its own auth headers and request ids.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { randomUUID } from 'node:crypto';
import { isAxiosError, type AxiosInstance } from 'axios';
import pRetry, { AbortError } from 'p-retry';
import type { Context } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { AuthScheme } from './auth.js';
import { GatewayError, type ProblemCode } from './problems.js';
import type { AttemptContext, Classification, ProviderAdapter, UpstreamRequest, Verdict } from './provider.js';
import { ProviderGuard, type GuardHooks, type GuardState, type ResilienceSettings } from './guard.js';
import { isGateRefusal } from './quota.js';
import { isRecord } from './normalize.js';
import { startAttemptSpan } from './tracing.js';

export interface UpstreamSettings {
  baseUrl: string;
  timeoutMs: number;
  deadlineMs: number;
  retries: number;
  maxBodyBytes: number;
  /** Quota, bulkhead and circuit breaker (src/core/guard.ts); absent: none of them. */
  resilience?: ResilienceSettings;
}

export interface UpstreamResult {
  /** The parsed 2xx body, already checked to carry the requested id. */
  body: unknown;
  /** The body as received. */
  text: string;
  attempts: number;
}

export interface UpstreamHooks extends GuardHooks {
  /** Called once per attempt that reached the wire, with its outcome and its number in the lookup (for metrics). */
  onAttempt?: (provider: string, outcome: string, seconds: number, attempt: number) => void;
  /** Called once per accepted 2xx body, fresh from the upstream (schema-drift metrics). */
  onBody?: (provider: string, body: Record<string, unknown>) => void;
}

/** What one inbound request shares with its upstream call: the trace to continue, and a count of its attempts. */
export interface LookupTelemetry {
  trace?: Context;
  attempts: number;
}

/**
 * One upstream read besides a lookup (a list page, a customer's accounts): the request of each attempt and the
 * check of a 2xx body. A 404 there says the path is wrong, not that a customer is missing: `upstream-error`.
 */
export interface UpstreamRead {
  request(attempt: AttemptContext): UpstreamRequest;
  /** Whether a parsed 2xx body is the documented shape. */
  accepts(body: unknown): boolean;
}

/** Upstream 401 answers, which earn one retry with a fresh token (not token-endpoint refusals). */
const refreshable = new WeakSet<GatewayError>();

const BACKOFF = { minTimeout: 200, factor: 2, maxTimeout: 2000 };

/** No quota, and a bulkhead and breaker too wide to matter: for clients built without resilience settings. */
const UNGUARDED: ResilienceSettings = {
  rateLimitPerSecond: 0,
  maxConcurrency: Number.MAX_SAFE_INTEGER,
  maxQueue: 0,
  breaker: { consecutiveFailures: Number.MAX_SAFE_INTEGER, halfOpenAfterMs: 1000, failureRatio: 0, windowMs: 1000 },
};

export class UpstreamClient {
  private readonly guard: ProviderGuard;

  constructor(
    private readonly adapter: ProviderAdapter,
    private readonly settings: UpstreamSettings,
    private readonly auth: AuthScheme,
    private readonly http: AxiosInstance,
    private readonly logger: Logger,
    private readonly hooks: UpstreamHooks = {},
  ) {
    this.guard = new ProviderGuard(adapter.id, settings.resilience ?? UNGUARDED, logger, hooks);
  }

  /** Breaker, bulkhead and quota state, for readiness and metrics. */
  state(): GuardState {
    return this.guard.state();
  }

  /** Reads one customer. Throws a `GatewayError` whose code the last failure decides. */
  fetchCustomer(id: string, requestId: string, telemetry?: LookupTelemetry): Promise<UpstreamResult> {
    return this.fetch(id, undefined, requestId, telemetry);
  }

  /** Another read (`UpstreamRead`) under the same quota, breaker, bulkhead, retries and deadline as a lookup. */
  read(read: UpstreamRead, requestId: string, telemetry?: LookupTelemetry): Promise<UpstreamResult> {
    return this.fetch('', read, requestId, telemetry);
  }

  private async fetch(id: string, read: UpstreamRead | undefined, requestId: string, telemetry?: LookupTelemetry): Promise<UpstreamResult> {
    const deadline = Date.now() + this.settings.deadlineMs;
    const lookup = { idempotencyKey: randomUUID(), notBefore: 0, attempts: 0, lastError: undefined as GatewayError | undefined };

    const run = async (): Promise<UpstreamResult> => {
      const wait = lookup.notBefore - Date.now();
      if (wait > 0) await sleep(wait);
      // A token-refresh retry happens inside the attempt: it counts against the deadline, not the retries.
      let refreshedToken = false;
      for (;;) {
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw lookup.lastError ?? this.timeoutError();
        try {
          return await this.guard.run(this.latestStart(deadline), () => this.attempt(id, read, requestId, lookup, deadline, telemetry));
        } catch (error) {
          const failure = error instanceof GatewayError ? error : this.unexpected(error);
          // A retry that cannot get a slot in time ends the lookup with the upstream's last failure (design §4).
          if (isGateRefusal(failure) && lookup.lastError) throw new AbortError(lookup.lastError);
          lookup.lastError = failure;
          if (refreshable.has(failure) && !refreshedToken) {
            refreshedToken = true;
            if (this.auth.invalidate()) continue;
          }
          throw failure;
        }
      }
    };

    return pRetry(run, {
      retries: this.settings.retries,
      // The wait between attempts is ours (`notBefore`), not p-retry's: the deadline check below must judge the
      // wait that will really happen, jitter included. p-retry's own delay, cut to its maxRetryTime, used to end
      // a hair before the deadline and start an attempt with a timeout of a millisecond or two.
      minTimeout: 0,
      shouldRetry: ({ error }) => error instanceof GatewayError && error.transient,
      onFailedAttempt: ({ error, retriesLeft }) => {
        if (!(error instanceof GatewayError) || !error.transient || retriesLeft <= 0) return;
        const now = Date.now();
        // Retry-After replaces the backoff: the next attempt waits for it (and at least the backoff).
        const retryAfterMs = (error.retryAfterSeconds ?? 0) * 1000;
        const retriesUsed = this.settings.retries - retriesLeft;
        const wait = Math.max(retryAfterMs, jitteredBackoff(retriesUsed));
        // A wait that would end past the deadline stops the lookup at once with the last failure.
        if (now + wait >= deadline) throw error;
        lookup.notBefore = now + wait;
      },
    });
  }

  private async attempt(
    id: string,
    read: UpstreamRead | undefined,
    requestId: string,
    lookup: { idempotencyKey: string; attempts: number },
    deadline: number,
    telemetry?: LookupTelemetry,
  ): Promise<UpstreamResult> {
    const provider = this.adapter.id;
    let signal = AbortSignal.timeout(this.attemptBudget(deadline, 0));
    const started = performance.now();
    lookup.attempts += 1;
    if (telemetry) telemetry.attempts += 1;
    const attemptNo = lookup.attempts;
    const context = { attemptId: randomUUID(), idempotencyKey: lookup.idempotencyKey };
    let gotResponse = false;
    let span: ReturnType<typeof startAttemptSpan> | undefined;
    try {
      const authHeaders = await this.auth.headers(signal);
      const request = read ? read.request(context) : this.adapter.request(id, context);
      const waited = await this.guard.admit(this.latestStart(deadline));
      // The attempt's timeout covers its token and the whole response (body included), not its wait for a quota slot.
      if (waited > 0) signal = AbortSignal.timeout(this.attemptBudget(deadline, performance.now() - started - waited));
      const url = this.settings.baseUrl + request.path;
      span = startAttemptSpan(telemetry?.trace, provider, attemptNo, url);
      const response = await this.http.request<string>({
        method: 'GET',
        url,
        headers: { Accept: 'application/json', ...span.headers, ...request.headers, ...authHeaders },
        signal,
        responseType: 'text',
        transformResponse: (body: unknown) => body,
        validateStatus: () => true,
        maxRedirects: 0,
        maxContentLength: this.settings.maxBodyBytes,
      });
      gotResponse = true;
      const text = typeof response.data === 'string' ? response.data : '';
      const body = parseJson(text);
      const contentType = String(response.headers['content-type'] ?? '');
      let classification = this.adapter.classify?.(response.status, body) ?? defaultClassification(response.status);
      if (read && classification.verdict === 'not-found') classification = { ...classification, verdict: 'unexpected' };
      const seconds = (performance.now() - started) / 1000;
      this.logger.debug(
        { provider, requestId, attempt: attemptNo, status: response.status, verdict: classification.verdict, durationMs: Math.round(seconds * 1000), upstreamRequestId: response.headers['x-request-id'] },
        'upstream attempt',
      );
      this.hooks.onAttempt?.(provider, classification.verdict, seconds, attemptNo);
      span.end({ status: response.status, error: classification.verdict === 'ok' ? undefined : classification.verdict });
      if (classification.verdict === 'ok') return this.accept(id, read, body, text, contentType, response.status, attemptNo);
      throw this.failure(classification, response.status, response.headers['retry-after']);
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      const failure = this.transportFailure(error, signal, gotResponse);
      if (failure.code === 'internal-error') {
        // Our own code (an adapter's request, classify or customerIdOf, the auth scheme) threw: a bug, not the upstream.
        this.logger.error({ provider, requestId, attempt: attemptNo, err: error }, 'the gateway failed during an upstream attempt');
        span?.end({ error: failure.code });
        throw failure;
      }
      const seconds = (performance.now() - started) / 1000;
      this.logger.debug({ provider, requestId, attempt: attemptNo, error: failure.code, reason: failure.message, durationMs: Math.round(seconds * 1000) }, 'upstream attempt failed');
      this.hooks.onAttempt?.(provider, failure.code, seconds, attemptNo);
      span?.end({ error: failure.code });
      throw failure;
    } finally {
      // Adobe's idempotency rule (design §5): only a retry after an attempt that got no response reuses the key.
      if (gotResponse) lookup.idempotencyKey = randomUUID();
    }
  }

  /** A bulkhead or quota slot is worth waiting for only if it leaves the attempt a quarter of its timeout before the deadline. */
  private latestStart(deadline: number): number {
    return deadline - Math.min(this.settings.timeoutMs, this.settings.deadlineMs) / 4;
  }

  /** Milliseconds left to an attempt that already spent `spentMs`, cut to the deadline. */
  private attemptBudget(deadline: number, spentMs: number): number {
    return Math.max(1, Math.floor(Math.min(this.settings.timeoutMs - spentMs, deadline - Date.now())));
  }

  private accept(id: string, read: UpstreamRead | undefined, body: unknown, text: string, contentType: string, status: number, attempts: number): UpstreamResult {
    const provider = this.adapter.id;
    if (read) {
      if (!/\bjson\b/i.test(contentType) || !read.accepts(body)) {
        throw new GatewayError('upstream-invalid-response', { provider, upstreamStatus: status, detail: 'The upstream answered success with a body that is not the documented shape.' });
      }
      return { body, text, attempts };
    }
    if (!/\bjson\b/i.test(contentType) || body === undefined || !isRecord(body)) {
      throw new GatewayError('upstream-invalid-response', { provider, upstreamStatus: status, detail: 'The upstream answered success with a body that is not a JSON object.' });
    }
    const upstreamId = this.adapter.customerIdOf(body);
    if (typeof upstreamId !== 'string' || upstreamId.toLowerCase() !== id.toLowerCase()) {
      throw new GatewayError('upstream-invalid-response', { provider, upstreamStatus: status, detail: 'The upstream answered with a body that is not the requested customer.' });
    }
    this.hooks.onBody?.(provider, body);
    return { body, text, attempts };
  }

  private failure(classification: Classification, httpStatus: number, retryAfter: unknown): GatewayError {
    const provider = this.adapter.id;
    const upstreamStatus = classification.upstreamStatus ?? httpStatus;
    const [code, transient]: [ProblemCode, boolean] = VERDICTS[classification.verdict];
    const detail = classification.reason ?? `The upstream answered ${upstreamStatus}.`;
    const retryAfterSeconds = transient ? parseRetryAfter(retryAfter) : undefined;
    const failure = new GatewayError(code, { provider, upstreamStatus, detail, transient, retryAfterSeconds });
    // A 401 is worth one more try with a fresh token, when the auth scheme has tokens (design §5).
    if (classification.verdict === 'unauthorized') refreshable.add(failure);
    return failure;
  }

  private transportFailure(error: unknown, signal: AbortSignal, gotResponse: boolean): GatewayError {
    const provider = this.adapter.id;
    if (signal.aborted) return this.timeoutError();
    // Only axios reports the network and the upstream; anything else thrown during an attempt is the gateway's own fault.
    if (!isAxiosError(error)) return this.unexpected(error);
    if (/maxContentLength/i.test(error.message)) {
      return new GatewayError('upstream-invalid-response', { provider, detail: `The upstream body exceeded ${this.settings.maxBodyBytes} bytes.`, cause: error });
    }
    // The status line and headers arrived (node sets `ClientRequest.res`), then the body broke off.
    const headersArrived = error.response !== undefined || (isRecord(error.request) && error.request.res !== undefined && error.request.res !== null);
    if (gotResponse || headersArrived) {
      return new GatewayError('upstream-invalid-response', { provider, detail: 'The upstream body was cut off.', cause: error });
    }
    const { code } = error;
    return new GatewayError('upstream-error', {
      provider,
      detail: `The upstream could not be reached${code ? ` (${code})` : ''}.`,
      transient: true,
      cause: error,
    });
  }

  private timeoutError(): GatewayError {
    return new GatewayError('upstream-timeout', { provider: this.adapter.id, detail: 'The upstream did not answer within the deadline.', transient: true });
  }

  private unexpected(error: unknown): GatewayError {
    return new GatewayError('internal-error', { provider: this.adapter.id, detail: 'The gateway failed while calling the upstream.', cause: error });
  }
}

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

/** 200 ms × 2^n capped at 2 s, times a random factor in [1, 2) so that callers failing together spread out. */
function jitteredBackoff(retriesUsed: number): number {
  const base = Math.min(BACKOFF.minTimeout * BACKOFF.factor ** retriesUsed, BACKOFF.maxTimeout);
  return Math.min(Math.round(base * (1 + Math.random())), BACKOFF.maxTimeout);
}

export function defaultClassification(status: number): Classification {
  if (status >= 200 && status < 300) return { verdict: 'ok' };
  if (status === 404) return { verdict: 'not-found' };
  if (status === 400) return { verdict: 'bad-request' };
  if (status === 401) return { verdict: 'unauthorized' };
  if (status === 403) return { verdict: 'forbidden' };
  if (status === 429) return { verdict: 'rate-limited' };
  if (status >= 500) return { verdict: 'server-error' };
  if (status >= 300 && status < 400) return { verdict: 'unexpected', reason: `The upstream redirected (${status}); redirects are not followed.` };
  return { verdict: 'unexpected' };
}

/** `Retry-After` as seconds or an HTTP date → whole seconds from now, or undefined. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
