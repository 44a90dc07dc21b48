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

describe('idle work (the index crawl)', () => {
  test('takes a free slot only when no lookup waits, and a lookup that arrives meanwhile goes first', async () => {
    const clock = new ManualClock();
    // 10 per second: a slot every 110 ms.
    const quota = new LocalQuota('unit', 10, clock);
    const far = clock.now() + 60_000;
    const order: string[] = [];
    await quota.acquire(far, 'live');
    // The slot is taken: the crawl waits for the next one; a lookup arrives before it frees.
    const crawl = quota.acquireIdle(far, 1).then(() => order.push('crawl'));
    await clock.advance(50);
    const live = quota.acquire(far, 'live').then(() => order.push('live'));
    await clock.advance(60);
    expect(order).toEqual(['live']);
    // The crawl has the slot after that, once nobody queues.
    await clock.advance(110);
    await Promise.all([crawl, live]);
    expect(order).toEqual(['live', 'crawl']);
  });

  test('uses at most its share of the rate, even with every slot free', async () => {
    const clock = new ManualClock();
    const quota = new LocalQuota('unit', 10, clock);
    const far = clock.now() + 60_000;
    const granted: number[] = [];
    const start = clock.now();
    const crawl = (async () => {
      for (let i = 0; i < 4; i += 1) {
        await quota.acquireIdle(far, 0.5);
        granted.push(clock.now() - start);
      }
    })();
    await settle();
    await clock.advance(1000);
    await crawl;
    // Half of a slot every 110 ms: one every 220 ms.
    expect(granted).toEqual([0, 220, 440, 660]);
  });

  test('is refused, before the wire, when lookups keep every slot past its latest start', async () => {
    const clock = new ManualClock();
    const quota = new LocalQuota('unit', 10, clock);
    await quota.acquire(clock.now() + 60_000, 'live');
    const lookups = Array.from({ length: 5 }, () => quota.acquire(clock.now() + 60_000, 'live'));
    const crawl = quota.acquireIdle(clock.now() + 300, 1).catch((e: unknown) => e);
    await clock.advance(1000);
    await Promise.all(lookups);
    expect(await crawl).toMatchObject({ code: 'provider-unavailable', refusedBeforeWire: true });
  });
});
