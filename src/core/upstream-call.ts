/**
 * What one upstream call is and carries as it goes through the policies (upstream-path.ts): the request of each
 * attempt, how a 2xx body is accepted, who asks, the request's one deadline, and the state its attempts share.
 */
import type { Context } from '@opentelemetry/api';
import type { AttemptSubject } from './breaker.js';
import type { Deadline } from './deadline.js';
import type { GatewayError } from './problems.js';
import type { AttemptContext, UpstreamRequest } from './provider.js';

/** What one inbound request shares with its upstream calls: the trace to continue, and a count of its attempts. */
export interface LookupTelemetry {
  trace?: Context;
  attempts: number;
}

/** Who asks, for which request, and until when. */
export interface CallerContext {
  requestId: string;
  /** The authenticated client's name, or the client address in open mode (the quota serves callers in turn). */
  callerKey: string;
  /** The request's one deadline: every wait and attempt on its behalf ends by it. */
  deadline: Deadline;
  telemetry?: LookupTelemetry;
  /**
   * Background work that must never delay a lookup (the index crawl): its requests take a quota slot only when no
   * lookup waits for one, and at most `share` of the provider's rate.
   */
  idle?: { share: number };
}

/** One kind of upstream call: the request of each attempt, and how a 2xx body is accepted. */
export interface UpstreamCall<T> {
  request(attempt: AttemptContext): UpstreamRequest;
  /** The accepted body, or a throw (`upstream-invalid-response`) for one that is not the documented shape. */
  accept(body: unknown, contentType: string, status: number): T;
  /** Reads a 404 as a wrong path (`upstream-error`) rather than a missing customer. */
  notFoundIsWrongPath?: boolean;
  /** What the call is about (a customer id): the breaker counts its failures once per window. */
  key?: string;
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

export interface UpstreamResult<T = Record<string, unknown>> {
  /** The accepted 2xx body. */
  body: T;
  /** The body as received. */
  text: string;
  attempts: number;
}

/** The attempt under way: when it began, how long it waited for a quota slot, its credentials. */
export interface AttemptState {
  readonly number: number;
  readonly context: AttemptContext;
  readonly startedAt: number;
  quotaWaitMs: number;
  authHeaders: Record<string, string>;
}

/** One call's state across its attempts, handed to every policy. */
export interface UpstreamCallState {
  readonly caller: CallerContext;
  readonly deadline: Deadline;
  /** For the breaker: what the call is about, and this call as the lookup its retries belong to. */
  readonly subject: AttemptSubject | undefined;
  /** Kept across attempts, renewed after any attempt that got a response (Adobe's `X-Correlation-Id`). */
  idempotencyKey: string;
  attempts: number;
  /** The upstream's last answer that was a failure (never a refusal by the gateway's own gates). */
  lastFailure: GatewayError | undefined;
  attempt: AttemptState | undefined;
}
