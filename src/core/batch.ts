/**
 * Runs the lookups of one batch (`POST /customers/batch`): each distinct item once, a bounded number at a time per
 * provider, all under the batch's one deadline. Each item's lookup runs under that deadline too (cut to its
 * provider's budget), so when the batch's deadline ends, every lookup still running for it stops; an item still
 * unanswered then is answered by `onDeadline` (an `upstream-timeout` problem), and none still waiting is started.
 */
import type { Deadline } from './deadline.js';

export interface BatchPlan<I, R> {
  /** Items with the same key are one lookup, answered once and repeated at each position. */
  key(item: I): string;
  /** Items of one group (a provider) share its concurrency bound. */
  group(item: I): string;
  /** How many lookups of one group run at once. */
  concurrency(group: string): number;
  /** The lookup of one item under the batch's deadline; it never rejects (a failure is a result too). */
  run(item: I, deadline: Deadline): Promise<R>;
  /** The result of an item unfinished at the deadline. */
  onDeadline(item: I): R;
  deadline: Deadline;
}

/** The results in the items' order. */
export async function runBatch<I, R>(items: readonly I[], plan: BatchPlan<I, R>): Promise<R[]> {
  const { deadline } = plan;
  const distinct = new Map<string, I>();
  for (const item of items) if (!distinct.has(plan.key(item))) distinct.set(plan.key(item), item);
  const results = new Map<string, R>();

  const queues = new Map<string, [string, I][]>();
  for (const [key, item] of distinct) {
    const group = plan.group(item);
    queues.set(group, [...(queues.get(group) ?? []), [key, item]]);
  }

  const work = [...queues].flatMap(([group, queue]) => {
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined && deadline.remaining() > 0; next = queue.shift()) {
        const [key, item] = next;
        const result = await plan.run(item, deadline);
        if (deadline.remaining() > 0) results.set(key, result);
      }
    };
    return Array.from({ length: Math.max(1, Math.min(plan.concurrency(group), queue.length)) }, worker);
  });

  // The batch answers at its deadline: its lookups stop then too (their deadlines end with the batch's).
  const ended = new Promise<void>((resolve) => {
    const { signal } = deadline;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await Promise.race([Promise.all(work), ended]);

  return items.map((item) => results.get(plan.key(item)) ?? plan.onDeadline(item));
}
