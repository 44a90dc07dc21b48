/** customer-gateway's typed client: see README.md for one example per call. */
export { BATCH_LIMIT, createGatewayClient } from './client.js';
export type { CallOptions, GatewayClient, GatewayClientOptions, LookupOptions } from './client.js';
export type { Fetch } from './fetch.js';
export { isFound, problemOfItem, type FailedItem, type FoundItem } from './batch-items.js';
export { GatewayProblem, UnexpectedAnswer, isProblem } from './problem.js';
export { AnswerCache } from './revalidation.js';
export type { RetryPolicy } from './retry.js';
export type { components, operations, paths } from './schema.js';
export type * from './types.js';
