/**
 * The last step of an attempt: the request on the wire (axios, with the attempt's timeout), and the adapter's
 * reading of the answer. Everything before it (retry, bulkhead, breaker, credentials, quota) is in upstream-path.ts.
 */
import { randomUUID } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import { GatewayError } from './problems.js';
import type { ProviderAdapter } from './provider.js';
import { startAttemptSpan } from './tracing.js';
import type { AttemptState, UpstreamCall, UpstreamCallState, UpstreamResult } from './upstream-call.js';
import { defaultClassification, failureOf, parseJson, transportFailure } from './upstream.js';

export interface WireSettings {
  baseUrl: string;
  timeoutMs: number;
  maxBodyBytes: number;
}

export interface WireHooks {
  /** Called once per attempt that reached the wire, with its outcome and its number in the call (for metrics). */
  onAttempt?: (provider: string, outcome: string, seconds: number, attempt: number) => void;
}

export class Wire {
  /** `http` with what every attempt asks of it. */
  private readonly client: AxiosInstance;

  constructor(
    private readonly adapter: ProviderAdapter,
    private readonly settings: WireSettings,
    http: AxiosInstance,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly hooks: WireHooks = {},
  ) {
    // The options every attempt shares, given once to a client of their own: axios merges each call's options into
    // its defaults anew, and a call that brings only its URL, headers and signal costs less.
    this.client = http.create({
      responseType: 'text',
      transformResponse: (body: unknown) => body,
      validateStatus: () => true,
      maxRedirects: 0,
      maxContentLength: settings.maxBodyBytes,
    });
  }

  /** Sends the attempt under way and reads its answer; a failure is thrown as a `GatewayError`. */
  async send<T>(call: UpstreamCall<T>, state: UpstreamCallState): Promise<UpstreamResult<T>> {
    const attempt = state.attempt;
    if (!attempt) throw new GatewayError('internal-error', { detail: 'An attempt reached the wire unannounced.' });
    const provider = this.adapter.id;
    const { requestId, telemetry } = state.caller;
    // The attempt's timeout covers its token and the whole response (body included), not its wait for a quota slot,
    // and never reaches past the deadline (whose own signal serves then).
    const spent = this.clock.now() - attempt.startedAt - attempt.quotaWaitMs;
    const timeoutMs = this.settings.timeoutMs - spent;
    const signal =
      timeoutMs < state.deadline.remaining() ? this.clock.timeoutSignal(Math.max(1, timeoutMs)) : state.deadline.signal;
    let gotResponse = false;
    let span: ReturnType<typeof startAttemptSpan> | undefined;
    try {
      const request = call.request(attempt.context);
      const url = this.settings.baseUrl + request.path;
      span = startAttemptSpan(telemetry?.trace, provider, attempt.number, url);
      const response = await this.client.request<string>({
        method: 'GET',
        url,
        headers: { Accept: 'application/json', ...span.headers, ...request.headers, ...attempt.authHeaders },
        signal,
      });
      gotResponse = true;
      const text = typeof response.data === 'string' ? response.data : '';
      const body = parseJson(text);
      let classification = this.adapter.classify?.(response.status, body) ?? defaultClassification(response.status);
      if (call.notFoundIsWrongPath && classification.verdict === 'not-found')
        classification = { ...classification, verdict: 'unexpected' };
      const seconds = this.seconds(attempt);
      this.logger.debug(
        {
          provider,
          requestId,
          attempt: attempt.number,
          status: response.status,
          verdict: classification.verdict,
          durationMs: Math.round(seconds * 1000),
          upstreamRequestId: response.headers['x-request-id'],
        },
        'upstream attempt',
      );
      this.hooks.onAttempt?.(provider, classification.verdict, seconds, attempt.number);
      span.end({
        status: response.status,
        error: classification.verdict === 'ok' ? undefined : classification.verdict,
      });
      if (classification.verdict !== 'ok')
        throw failureOf(provider, classification, response.status, response.headers['retry-after'], this.clock.now());
      const accepted = call.accept(body, String(response.headers['content-type'] ?? ''), response.status);
      return { body: accepted, text, attempts: attempt.number };
    } catch (error) {
      const failure =
        error instanceof GatewayError
          ? error
          : transportFailure(provider, error, signal.aborted, gotResponse, this.settings.maxBodyBytes);
      if (failure.code === 'internal-error') {
        // Our own code (an adapter's request, classify or customerIdOf) threw: a bug, not the upstream.
        this.logger.error(
          { provider, requestId, attempt: attempt.number, err: error },
          'the gateway failed during an upstream attempt',
        );
        span?.end({ error: failure.code });
        throw failure;
      }
      if (!(error instanceof GatewayError)) {
        const seconds = this.seconds(attempt);
        this.logger.debug(
          {
            provider,
            requestId,
            attempt: attempt.number,
            error: failure.code,
            reason: failure.message,
            durationMs: Math.round(seconds * 1000),
          },
          'upstream attempt failed',
        );
        this.hooks.onAttempt?.(provider, failure.code, seconds, attempt.number);
        span?.end({ error: failure.code });
      }
      state.lastFailure = failure;
      throw failure;
    } finally {
      // Only a retry after an attempt that got no response (timeout, reset) reuses the idempotency key.
      if (gotResponse) state.idempotencyKey = randomUUID();
    }
  }

  private seconds(attempt: AttemptState): number {
    return (this.clock.now() - attempt.startedAt) / 1000;
  }
}
