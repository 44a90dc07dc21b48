/**
 * Runs the lookups of one batch (`POST /customers/batch`): each distinct item once, a bounded number at a time per
 * provider, all under one deadline. An item still running or still waiting for its turn at the deadline is
 * answered by `onDeadline` (an `upstream-timeout` problem); its lookup, if started, finishes in the background
 * and fills the cache for the next request.
 */

export interface BatchPlan<I, R> {
  /** Items with the same key are one lookup, answered once and repeated at each position. */
  key(item: I): string;
  /** Items of one group (a provider) share its concurrency bound. */
  group(item: I): string;
  /** How many lookups of one group run at once. */
  concurrency(group: string): number;
  /** The lookup of one item; it never rejects (a failure is a result too). */
  run(item: I): Promise<R>;
  /** The result of an item unfinished at the deadline. */
  onDeadline(item: I): R;
  deadlineMs: number;
}

/** The results in the items' order. */
export async function runBatch<I, R>(items: readonly I[], plan: BatchPlan<I, R>): Promise<R[]> {
  const distinct = new Map<string, I>();
  for (const item of items) if (!distinct.has(plan.key(item))) distinct.set(plan.key(item), item);
  const results = new Map<string, R>();

  const queues = new Map<string, [string, I][]>();
  for (const [key, item] of distinct) {
    const group = plan.group(item);
    queues.set(group, [...(queues.get(group) ?? []), [key, item]]);
  }

  let expired = false;
  const work = [...queues].flatMap(([group, queue]) => {
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined && !expired; next = queue.shift()) {
        const [key, item] = next;
        const result = await plan.run(item);
        if (!expired) results.set(key, result);
      }
    };
    return Array.from({ length: Math.max(1, Math.min(plan.concurrency(group), queue.length)) }, worker);
  });

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, plan.deadlineMs);
  });
  await Promise.race([Promise.all(work), deadline]);
  expired = true;
  clearTimeout(timer);

  return items.map((item) => results.get(plan.key(item)) ?? plan.onDeadline(item));
}
