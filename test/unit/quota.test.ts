/**
 * The local quota's turns: slots go to waiting callers in turn (round robin over one queue per caller), so a
 * caller that queued many lookups delays another caller's single lookup by one slot, not by its whole queue.
 * Only the order of the grants is asserted, never their timing.
 */
import { LocalQuota } from '../../src/core/quota.js';
import { GatewayError } from '../../src/core/problems.js';

test('another caller’s newcomer is served after one of the flooding caller’s lookups, not all of them', async () => {
  // 10 per second: a slot every 110 ms; the first one is free.
  const quota = new LocalQuota('unit', 10);
  const far = Date.now() + 60_000;
  const order: string[] = [];
  const take = (caller: string, label: string) => quota.acquire(far, caller).then(() => order.push(label));
  const granted = [take('flooder', 'f1'), take('flooder', 'f2'), take('flooder', 'f3'), take('flooder', 'f4')];
  granted.push(take('dashboard', 'd1'));
  await Promise.all(granted);
  // f1 took the free slot at once; f2 was first in line; then it was the dashboard's turn.
  expect(order).toEqual(['f1', 'f2', 'd1', 'f3', 'f4']);
});

test('a lookup whose turn would come after its latest start is refused at once, before the wire', async () => {
  const quota = new LocalQuota('unit', 10);
  await quota.acquire(Date.now() + 60_000, 'a');
  const soon = Date.now() + 50;
  const error = await quota.acquire(soon, 'a').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GatewayError);
  expect(error).toMatchObject({ code: 'provider-unavailable', refusedBeforeWire: true, retryAfterSeconds: 1 });
  expect(quota.waiting).toBe(0);
});
