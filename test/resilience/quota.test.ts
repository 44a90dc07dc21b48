/**
 * The upstream quota (`<P>_RATE_LIMIT_PER_SECOND`): the gateway never sends a provider more than its quota,
 * retries included; a lookup waits only as long as its deadline allows; cache hits and joined lookups never wait.
 */
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { maxInOneSecond, problemOf, recordArrivals } from './support.js';

const SEEDS = [
  'zanzibar-health',
  'acme-wellness',
  'dormant-holdings',
  'edge-case-co',
  'no-accounts-yet',
  'aeroskobing-velvaere',
];

describe('with a quota of 2 per second and the simulator enforcing the same limit', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // Attempts never time out here, even on a loaded machine: a timed-out attempt is retried and counted twice.
    const env = { TANGO_RATE_LIMIT_PER_SECOND: '2', TANGO_TIMEOUT_MS: '10000', TANGO_DEADLINE_MS: '15000' };
    gw = await startTestGateway({ env, simulator: () => ({ rateLimitPerSecond: 2 }) });
  });
  afterAll(async () => gw.close());

  test('six concurrent lookups are paced: never more than 2 in any second, never an upstream 429', async () => {
    const arrivals = recordArrivals(gw.sim('tango'));
    const answers = await Promise.all(SEEDS.map((id) => gw.lookup('tango', id)));
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
    const res = await gw.lookup('tango', 'zanzibar-health', { headers: { 'Cache-Control': 'no-cache' } });
    expect(res.status).toBe(200);
    expect(arrivals).toHaveLength(3);
    expect(maxInOneSecond(arrivals)).toBeLessThanOrEqual(2);
    for (let i = 1; i < arrivals.length; i++)
      expect((arrivals[i] ?? 0) - (arrivals[i - 1] ?? 0)).toBeGreaterThanOrEqual(490);
    expect(sim.stats.rateLimited).toBe(0);
  });
});

describe('with a quota of 1 per second and a 2.2 s deadline', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // Slots come 1.1 s apart; a slot is taken only if it starts before the deadline less a quarter of the attempt
    // timeout (1.65 s here): the second slot (1.1 s) fits and the third (2.2 s) does not, each by 550 ms, room for a
    // loaded machine (with a 1.6 s deadline the second slot fitted by 100 ms, and once did not).
    gw = await startTestGateway({
      env: { TANGO_RATE_LIMIT_PER_SECOND: '1', TANGO_DEADLINE_MS: '2200' },
      simulator: () => ({ rateLimitPerSecond: 1 }),
    });
  });
  afterAll(async () => gw.close());

  test('lookups without a slot in their deadline are refused at once: provider-unavailable, Retry-After', async () => {
    const started = Date.now();
    const timed = await Promise.all(
      SEEDS.slice(0, 4).map(async (id) => {
        const res = await gw.lookup('tango', id);
        return { res, ms: Date.now() - started };
      }),
    );
    const ok = timed.filter((t) => t.res.status === 200);
    const refused = timed.filter((t) => t.res.status === 503);
    expect(ok).toHaveLength(2);
    expect(refused).toHaveLength(2);
    for (const { res, ms } of refused) {
      // Refused at once: waiting for the slot it would have had takes at least 1.1 s (generous for a loaded machine).
      expect(ms).toBeLessThan(1000);
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
  beforeAll(async () => {
    gw = await startTestGateway({
      env: { TANGO_RATE_LIMIT_PER_SECOND: '1' },
      simulator: () => ({ rateLimitPerSecond: 1 }),
    });
  });
  afterAll(async () => gw.close());

  test('cache hits and joined lookups never wait for a slot, and joined lookups share one upstream call', async () => {
    expect((await gw.lookup('tango', 'zanzibar-health')).status).toBe(200);
    // The slot of the next second is taken by one call for acme-wellness, which ten lookups share.
    const joined = Promise.all(Array.from({ length: 10 }, () => gw.lookup('tango', 'acme-wellness')));
    const hitStarted = Date.now();
    const hit = await gw.lookup('tango', 'zanzibar-health');
    expect(hit.status).toBe(200);
    expect(Date.now() - hitStarted).toBeLessThan(300);
    expect(hit.headers.get('cache-status')).toMatch(/; hit; ttl=/);
    const answers = await joined;
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    const statuses = answers.map((r) => r.headers.get('cache-status'));
    expect(statuses.filter((s) => s?.endsWith('fwd=miss; stored'))).toHaveLength(1);
    expect(statuses.filter((s) => s?.endsWith('fwd=miss; collapsed'))).toHaveLength(9);
    expect(gw.sim('tango').stats.apiRequests).toBe(2);
    expect(gw.sim('tango').stats.rateLimited).toBe(0);
  });
});
