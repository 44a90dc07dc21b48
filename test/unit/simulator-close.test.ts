/**
 * A simulator's `close` ends the waits of faults still in progress (a body that trickles in, an added latency): a
 * closed simulator holds no timer, so the test process that ran it can exit. A 5 s slow body once kept a jest worker
 * alive past its file.
 */
import { Simulator, type Fault } from '../../src/core/simulator.js';
import { until } from '../support/until.js';

/** Requests held in the fault at once: enough that the fault's timers stand out from the process's own few. */
const HELD = 20;
const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

test.each<[string, Fault]>([
  ['a slow body', { kind: 'slow-body', ms: 60_000 }],
  ['an added latency', { kind: 'latency', ms: 60_000 }],
])('close ends %s in progress, and leaves no timer behind', async (_name, fault) => {
  const before = timers();
  const sim = await Simulator.start({
    name: 'close-test',
    basePath: '/api',
    env: {},
    handle: () => ({ status: 200, body: { id: 'c-1' } }),
  });
  sim.inject({ fault });
  const requests = Array.from({ length: HELD }, () =>
    fetch(`${sim.baseUrl}/customers/c-1`).then(
      (res) => res.text(),
      () => 'no answer',
    ),
  );
  await until(() => timers() >= before + HELD, 10_000, 5);
  await sim.close();
  await Promise.allSettled(requests);
  expect(timers() - before).toBeLessThan(HELD / 4);
});
