/**
 * The upstream quota (`<P>_RATE_LIMIT_PER_SECOND`): the gateway never sends a provider more than its quota,
 * retries included; a lookup waits only as long as its deadline allows; cache hits and joined lookups never wait.
 * The gateway and the simulator (which enforces the same limit on its own) read one controlled clock, moved by the
 * test once the requests let go have reached the simulator: arrival times are what the quota granted, however
 * loaded the machine.
 */
import { drive, requestsInFlight, STEP_MS, upstreamIdle } from '../support/drive-clock.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ManualClock } from '../support/manual-clock.js';
import { until } from '../support/until.js';
import { maxInOneSecond, problemOf, recordArrivals } from './support.js';

const SEEDS = [
  'zanzibar-health',
  'acme-wellness',
  'dormant-holdings',
  'edge-case-co',
  'no-accounts-yet',
  'aeroskobing-velvaere',
];

/** A gateway on its own clock, with the Tango simulator on it too enforcing `perSecond` itself. */
async function onClock(perSecond: number, env: Record<string, string>): Promise<[TestGateway, ManualClock]> {
  const clock = new ManualClock();
  const gw = await startTestGateway({
    clock,
    env: { TANGO_RATE_LIMIT_PER_SECOND: String(perSecond), ...env },
    simulator: () => ({ rateLimitPerSecond: perSecond, clock }),
  });
  return [gw, clock];
}

describe('with a quota of 2 per second and the simulator enforcing the same limit', () => {
  let gw: TestGateway;
  let clock: ManualClock;
  beforeAll(async () => {
    [gw, clock] = await onClock(2, {});
  });
  afterAll(async () => gw.close());
  const idle = () => upstreamIdle(gw, 'tango');

  test('six concurrent lookups are paced: never more than 2 in any second, never an upstream 429', async () => {
    const arrivals = recordArrivals(gw.sim('tango'));
    const answers = await drive(clock, Promise.all(SEEDS.map((id) => gw.lookup('tango', id))), { ready: idle });
    expect(answers.map((r) => r.status)).toEqual(SEEDS.map(() => 200));
    expect(arrivals).toHaveLength(6);
    expect(maxInOneSecond(arrivals)).toBeLessThanOrEqual(2);
    expect(gw.sim('tango').stats.rateLimited).toBe(0);
  });

  test('retries wait for the quota too', async () => {
    const sim = gw.sim('tango');
    sim.reset();
    const arrivals = recordArrivals(sim);
    sim.inject({ fault: { kind: 'status', status: 503 }, times: 2 });
    const lookup = gw.lookup('tango', 'zanzibar-health', { headers: { 'Cache-Control': 'no-cache' } });
    const res = await drive(clock, lookup, { ready: idle });
    expect(res.status).toBe(200);
    expect(arrivals).toHaveLength(3);
    expect(maxInOneSecond(arrivals)).toBeLessThanOrEqual(2);
    // A spacing of the quota (1100 ms / 2) apart, less the step in which a request let go reaches the simulator.
    for (let i = 1; i < arrivals.length; i++)
      expect((arrivals[i] ?? 0) - (arrivals[i - 1] ?? 0)).toBeGreaterThanOrEqual(550 - STEP_MS);
    expect(sim.stats.rateLimited).toBe(0);
  });
});

describe('with a quota of 1 per second and a 2.2 s deadline', () => {
  let gw: TestGateway;
  let clock: ManualClock;
  beforeAll(async () => {
    // Slots come 1.1 s apart; a slot is taken only if it starts before the deadline less a quarter of the attempt
    // timeout (1.65 s here): the second slot (1.1 s) fits and the third (2.2 s) does not.
    [gw, clock] = await onClock(1, { TANGO_DEADLINE_MS: '2200' });
  });
  afterAll(async () => gw.close());

  test('lookups without a slot in their deadline are refused at once: provider-unavailable, Retry-After', async () => {
    const started = clock.now();
    let answered = 0;
    const timed = SEEDS.slice(0, 4).map(async (id) => {
      const res = await gw.lookup('tango', id);
      answered += 1;
      return { res, ms: clock.now() - started };
    });
    // The clock moves once each lookup is answered or in the upstream path, and nothing is on the wire.
    const inPath = () => gw.services.providers.get('tango')?.state?.().inFlight ?? 0;
    const ready = () => answered + inPath() === 4 && upstreamIdle(gw, 'tango');
    const answers = await drive(clock, Promise.all(timed), { ready });
    const ok = answers.filter((t) => t.res.status === 200);
    const refused = answers.filter((t) => t.res.status === 503);
    // One at once, one at the next slot.
    expect(ok.map((t) => t.ms).sort((a, b) => a - b)).toEqual([0, 1100]);
    expect(refused).toHaveLength(2);
    for (const { res, ms } of refused) {
      // Refused at once: before the clock moved at all (the slot it would have had is 2.2 s away).
      expect(ms).toBe(0);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(2);
      const problem = await problemOf(res);
      expect(problem.type).toBe('/problems/provider-unavailable');
      expect(problem.provider).toBe('tango');
    }
    expect(gw.sim('tango').stats.apiRequests).toBe(2);
    expect(gw.sim('tango').stats.rateLimited).toBe(0);
  });
});

describe('with a quota of 1 per second and a long deadline', () => {
  let gw: TestGateway;
  let clock: ManualClock;
  beforeAll(async () => {
    [gw, clock] = await onClock(1, {});
  });
  afterAll(async () => gw.close());

  test('cache hits and joined lookups never wait for a slot, and joined lookups share one upstream call', async () => {
    expect((await gw.lookup('tango', 'zanzibar-health')).status).toBe(200);
    // The slot of the next second is taken by one call for acme-wellness, which ten lookups share.
    const joined = Promise.all(Array.from({ length: 10 }, () => gw.lookup('tango', 'acme-wellness')));
    const quota = () => gw.services.providers.get('tango')?.state?.().quota;
    await until(async () => quota()?.waiting === 1 && (await requestsInFlight(gw)) === 10, 10_000, 1);
    // Answered while the clock stands before the next slot.
    const hit = await gw.lookup('tango', 'zanzibar-health');
    expect(hit.status).toBe(200);
    expect(hit.headers.get('cache-status')).toMatch(/; hit; ttl=/);
    expect(gw.sim('tango').stats.apiRequests).toBe(1);
    await clock.advance(1100);
    const answers = await joined;
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    const statuses = answers.map((r) => r.headers.get('cache-status'));
    expect(statuses.filter((s) => s?.endsWith('fwd=miss; stored'))).toHaveLength(1);
    expect(statuses.filter((s) => s?.endsWith('fwd=miss; collapsed'))).toHaveLength(9);
    expect(gw.sim('tango').stats.apiRequests).toBe(2);
    expect(gw.sim('tango').stats.rateLimited).toBe(0);
  });
});
