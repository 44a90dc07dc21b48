/**
 * The local quota's turns: slots go to waiting callers in turn (round robin over one queue per caller), so a
 * caller that queued many lookups delays another caller's single lookup by one slot, not by its whole queue.
 * Time is a controlled clock: the test moves it slot by slot, so nothing here waits or depends on the machine.
 */
import { LocalQuota } from '../../src/core/quota.js';
import { GatewayError } from '../../src/core/problems.js';
import { ManualClock, settle } from '../support/manual-clock.js';

test('another caller’s newcomer is served after one of the flooding caller’s lookups, not all of them', async () => {
  const clock = new ManualClock();
  // 10 per second: a slot every 110 ms; the first one is free.
  const quota = new LocalQuota('unit', 10, clock);
  const far = clock.now() + 60_000;
  const order: string[] = [];
  const take = (caller: string, label: string) => quota.acquire(far, caller).then(() => order.push(label));
  const granted = [take('flooder', 'f1'), take('flooder', 'f2'), take('flooder', 'f3'), take('flooder', 'f4')];
  granted.push(take('dashboard', 'd1'));
  await settle();
  expect(order).toEqual(['f1']);
  // One slot per spacing, no sooner.
  await clock.advance(109);
  expect(order).toEqual(['f1']);
  await clock.advance(1);
  expect(order).toEqual(['f1', 'f2']);
  await clock.advance(3 * 110);
  await Promise.all(granted);
  // f1 took the free slot at once; f2 was first in line; then it was the dashboard's turn.
  expect(order).toEqual(['f1', 'f2', 'd1', 'f3', 'f4']);
});

test('a lookup whose turn would come after its latest start is refused at once, before the wire', async () => {
  const clock = new ManualClock();
  const quota = new LocalQuota('unit', 10, clock);
  await quota.acquire(clock.now() + 60_000, 'a');
  const error = await quota.acquire(clock.now() + 50, 'a').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(GatewayError);
  expect(error).toMatchObject({ code: 'provider-unavailable', refusedBeforeWire: true, retryAfterSeconds: 1 });
  expect(quota.waiting).toBe(0);
});

test('a waiter whose request’s deadline ends leaves the queue at once, refused before the wire', async () => {
  const clock = new ManualClock();
  const quota = new LocalQuota('unit', 1, clock);
  await quota.acquire(clock.now() + 60_000, 'a');
  const controller = new AbortController();
  const waiting = quota.acquire(clock.now() + 60_000, 'b', controller.signal).catch((e: unknown) => e);
  await settle();
  expect(quota.waiting).toBe(1);
  controller.abort();
  expect(await waiting).toMatchObject({ code: 'provider-unavailable', refusedBeforeWire: true });
  expect(quota.waiting).toBe(0);
});
