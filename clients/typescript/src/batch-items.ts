/**
 * A batch answers 200 with one result per lookup: a customer, or the problem that lookup met. A failed item's
 * `status` is any number from 400, so `status === 200` alone does not tell the two apart for the compiler: these do.
 */
import { GatewayProblem } from './problem.js';
import type { BatchResult } from './types.js';

export type FoundItem = Extract<BatchResult, { data: unknown }>;
export type FailedItem = Extract<BatchResult, { problem: unknown }>;

export const isFound = (result: BatchResult): result is FoundItem => 'data' in result;

/** A failed item's problem as the same typed error (without `retryAfter`: the batch itself answered 200). */
export const problemOfItem = (result: FailedItem): GatewayProblem => new GatewayProblem(result.problem);
