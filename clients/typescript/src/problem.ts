/**
 * The gateway's failures as typed errors. Every failure it answers is an RFC 9457 problem document; a caller
 * switches on `code`, never on a message. An answer that is not a problem (a proxy's HTML page in front of the
 * gateway, a body cut off) is an `UnexpectedAnswer`, with its status.
 */
import type { Problem, ProblemCode } from './types.js';

const PROBLEM_TYPE_PREFIX = '/problems/';

export class GatewayProblem extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly title: string;
  /** The gateway says the same request may succeed later (429, 502, 503, 504). */
  readonly retryable: boolean;
  /** Seconds to wait before asking again, from `Retry-After`; only on answers that carry it. */
  readonly retryAfter: number | undefined;
  /** The query parameter an `invalid-request` is about. */
  readonly parameter: string | undefined;
  /** The request id the gateway logged the failure under: quote it when reporting one. */
  readonly requestId: string;
  readonly provider: string | undefined;
  readonly upstreamStatus: number | undefined;
  /** The problem document as the gateway sent it. */
  readonly problem: Problem;

  constructor(problem: Problem, retryAfter?: number) {
    super(problem.detail);
    this.name = 'GatewayProblem';
    this.code = problem.type.slice(PROBLEM_TYPE_PREFIX.length) as ProblemCode;
    this.status = problem.status;
    this.title = problem.title;
    this.retryable = problem.retryable;
    this.retryAfter = retryAfter;
    this.parameter = problem.parameter;
    this.requestId = problem.requestId;
    this.provider = problem.provider;
    this.upstreamStatus = problem.upstreamStatus;
    this.problem = problem;
  }
}

/** A failure answered with something other than a problem document. */
export class UnexpectedAnswer extends Error {
  constructor(
    readonly status: number,
    readonly requestId: string | undefined,
    readonly body: unknown,
  ) {
    super(`The gateway answered ${status} without a problem document.`);
    this.name = 'UnexpectedAnswer';
  }
}

/** What is needed to tell a problem document from any other JSON, before trusting its fields. */
export function isProblem(body: unknown): body is Problem {
  if (typeof body !== 'object' || body === null) return false;
  const { type, status, retryable, requestId, detail } = body as Record<string, unknown>;
  return (
    typeof type === 'string' &&
    type.startsWith(PROBLEM_TYPE_PREFIX) &&
    typeof status === 'number' &&
    typeof retryable === 'boolean' &&
    typeof requestId === 'string' &&
    typeof detail === 'string'
  );
}

/** `Retry-After` in delay-seconds, the only form the gateway sends; anything else is no advice. */
export function retryAfterOf(response: Response): number | undefined {
  const value = response.headers.get('Retry-After')?.trim();
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** The error a failed answer becomes, from its already-read body. */
export function failureOf(response: Response, body: unknown): GatewayProblem | UnexpectedAnswer {
  if (isProblem(body)) return new GatewayProblem(body, retryAfterOf(response));
  return new UnexpectedAnswer(response.status, response.headers.get('X-Request-Id') ?? undefined, body);
}
