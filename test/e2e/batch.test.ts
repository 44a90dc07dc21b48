/**
 * `POST /customers/batch` end to end against the simulators: items answered in order as the single lookups
 * answer them, duplicates looked up once, body faults, the caller's rate limit, the upstream quota under a
 * batch deadline, and the one request-log line.
 */
import { maxInOneSecond, recordArrivals } from '../resilience/support.js';
import { keyFile, newApiKey, sha256Hex } from '../security/fixtures.js';
import { drive, requestsInFlight, upstreamIdle } from '../support/drive-clock.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { until } from '../support/until.js';
import { ManualClock } from '../support/manual-clock.js';
import { expectProblem, type Problem } from '../support/problems.js';

interface Item {
  status: number;
  data?: { id: string; providerId: string };
  meta?: { requestId: string; cache: string; fetchedAt: string; ageSeconds: number };
  problem?: Problem;
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => gw.close());
beforeEach(() => {
  for (const sim of gw.simulators.values()) sim.reset();
});

const batch = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/customers/batch`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const results = async (res: Response): Promise<Item[]> => {
  expect(res.status).toBe(200);
  return ((await res.json()) as { results: Item[] }).results;
};

describe('items', () => {
  test('a mixed batch is answered in order as the single lookups; the duplicate costs one upstream call', async () => {
    const lookups = [
      { provider: 'tango', id: 'zanzibar-health' },
      { provider: 'tango', id: 'no-such-customer' },
      { provider: 'tango', id: 'abc' },
      { provider: 'adobe-vip', id: '9876543210' },
      { provider: 'tango', id: 'zanzibar-health' },
      { provider: 'nope', id: 'whatever' },
      { provider: 'frontpayment', id: 'CSRT1511414842' },
    ];
    const items = await results(await batch(gw.url, { lookups }));
    expect(items.map((i) => i.status)).toEqual([200, 404, 400, 200, 200, 404, 200]);
    expect(items[1]?.problem?.type).toBe('/problems/customer-not-found');
    expect(items[5]?.problem?.type).toBe('/problems/unknown-provider');

    // One upstream call for the two zanzibar-health items; the invalid id never reached Tango.
    const tangoPaths = gw.sim('tango').log.map((r) => r.path);
    expect(tangoPaths.filter((p) => p === '/customers/zanzibar-health')).toHaveLength(1);
    expect(tangoPaths.filter((p) => p.includes('abc'))).toHaveLength(0);

    // Each item is what the single lookup answers now (from the cache the batch filled).
    for (const [i, { provider, id }] of lookups.entries()) {
      const single = await gw.lookup(provider, id);
      const item = items[i];
      expect(item?.status).toBe(single.status);
      if (single.status === 200) {
        const body = (await single.json()) as { data: unknown };
        expect(item?.data).toEqual(body.data);
        expect(item?.meta).toMatchObject({
          requestId: expect.any(String) as unknown,
          cache: expect.stringMatching(/^(hit|miss)$/) as unknown,
        });
      } else {
        const problem = (await single.json()) as Problem;
        const { requestId: _a, ...expected } = problem;
        const { requestId: _b, ...actual } = item?.problem ?? ({} as Problem);
        expect(actual).toEqual(expected);
      }
    }
    expect(items[0]?.meta?.cache).toBe('miss');
  });

  test('an upstream failure is the item’s problem, the other items are answered', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 500 }, match: '/customers/acme-wellness' });
    const items = await results(
      await batch(gw.url, {
        lookups: [
          { provider: 'tango', id: 'acme-wellness' },
          { provider: 'tango', id: 'dormant-holdings' },
        ],
      }),
    );
    expect(items[0]).toMatchObject({
      status: 502,
      problem: { type: '/problems/upstream-error', provider: 'tango', upstreamStatus: 500, retryable: true },
    });
    expect(items[1]).toMatchObject({ status: 200, data: { providerId: 'dormant-holdings' } });
  });

  test('an item outside the caller’s grant is forbidden, and its upstream is not called', async () => {
    const key = newApiKey();
    const other = await startTestGateway({
      env: {
        GATEWAY_API_KEYS: keyFile([
          { name: 'tango-only', keySha256: [sha256Hex(key)], providers: ['tango'], scopes: [] },
        ]),
      },
    });
    try {
      const items = await results(
        await batch(
          other.url,
          {
            lookups: [
              { provider: 'adobe-vip', id: '9876543210' },
              { provider: 'tango', id: 'acme-wellness' },
            ],
          },
          { 'X-Api-Key': key },
        ),
      );
      expect(items.map((i) => i.status)).toEqual([403, 200]);
      expect(items[0]?.problem).toMatchObject({ type: '/problems/forbidden', provider: 'adobe-vip' });
      expect(other.sim('adobe-vip').stats.apiRequests).toBe(0);
      expect((await batch(other.url, { lookups: [] })).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  test('national ids stay masked for a caller without pii:read', async () => {
    const items = await results(await batch(gw.url, { lookups: [{ provider: 'frontpayment', id: 'CSRT1700000001' }] }));
    expect((items[0]?.data as { nationalId?: string | null } | undefined)?.nationalId).toBe('*******2345');
  });

  test('an empty batch is answered with no results', async () => {
    expect(await results(await batch(gw.url, { lookups: [] }))).toEqual([]);
  });
});

describe('the body', () => {
  test.each([
    [
      '101 items',
      { lookups: Array.from({ length: 101 }, (_, i) => ({ provider: 'tango', id: `synthetic-${i}` })) },
      /at most 100/,
    ],
    ['no lookups', { items: [] }, /"lookups" must be an array/],
    [
      'an item without an id',
      { lookups: [{ provider: 'tango', id: 'acme-wellness' }, { provider: 'tango' }] },
      /lookups\[1\]\.id/,
    ],
    ['an item that is not an object', { lookups: ['tango:acme-wellness'] }, /lookups\[0\] must be an object/],
    ['a provider that is not a string', { lookups: [{ provider: 1, id: 'x' }] }, /lookups\[0\]\.provider/],
    ['a JSON array', [], /JSON object/],
    ['broken JSON', '{"lookups": [', /not valid JSON/],
  ])('%s is a 400 naming the first fault, and no upstream is called', async (_name, body, detail) => {
    const problem = await expectProblem(await batch(gw.url, body), 'invalid-request');
    expect(problem.detail).toMatch(detail);
    expect(gw.sim('tango').stats.apiRequests).toBe(0);
  });

  test('a body that is not JSON by its Content-Type is a 400', async () => {
    const res = await fetch(`${gw.url}/customers/batch`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: '{"lookups":[]}',
    });
    expect((await expectProblem(res, 'invalid-request')).detail).toMatch(/Content-Type: application\/json/);
  });

  test('a body over 64 KiB is a 413 problem', async () => {
    const body = JSON.stringify({ lookups: [{ provider: 'tango', id: 'x'.repeat(70 * 1024) }] });
    await expectProblem(await batch(gw.url, body), 'request-too-large');
  });

  test('GET /customers/batch is 405 with Allow: POST', async () => {
    const res = await fetch(`${gw.url}/customers/batch`);
    await expectProblem(res, 'method-not-allowed');
    expect(res.headers.get('allow')).toBe('POST');
  });
});

describe('limits', () => {
  test('each item counts toward the caller’s rate limit', async () => {
    const limited = await startTestGateway({ env: { GATEWAY_RATE_LIMIT_PER_MINUTE: '10' } });
    try {
      const five = Array.from({ length: 5 }, () => ({ provider: 'tango', id: 'acme-wellness' }));
      const first = await batch(limited.url, { lookups: five });
      expect(first.status).toBe(200);
      expect(first.headers.get('ratelimit')).toMatch(/; r=5; /);
      await expectProblem(await batch(limited.url, { lookups: [...five, ...five.slice(0, 1)] }), 'rate-limited');
    } finally {
      await limited.close();
    }
  });

  test('the request log has one line for the batch, with its counts per status', async () => {
    const before = gw.logs().length;
    await results(
      await batch(gw.url, {
        lookups: [
          { provider: 'tango', id: 'acme-wellness' },
          { provider: 'tango', id: 'abc' },
          { provider: 'tango', id: 'acme-wellness' },
        ],
      }),
    );
    const lines = gw
      .logs()
      .slice(before)
      .filter((l) => l.msg === 'request completed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      method: 'POST',
      status: 200,
      batch: { items: 3, statuses: { '200': 2, '400': 1 } },
    });
  });

  // The "must show": 30 new Tango ids at 1 request per second.
  test('30 new ids at 1 request/s: the quota holds; the rest is refused or cut in time, then stops', async () => {
    const deadlineMs = 3000;
    // The gateway and the simulators read one controlled clock, moved once the batch is in the gateway and nothing
    // is on the wire: the quota's slots, the deadline and the arrivals are on it, however loaded the machine.
    const clock = new ManualClock();
    const slow = await startTestGateway({
      clock,
      env: { TANGO_RATE_LIMIT_PER_SECOND: '1', BATCH_DEADLINE_MS: String(deadlineMs) },
      // Tango's own limit is on: a request over 1 per second would be answered 429 and counted.
      simulator: (id) => ({ rateLimitPerSecond: id === 'tango' ? 1 : 0, clock }),
    });
    try {
      const arrivals = recordArrivals(slow.sim('tango'));
      const ids = Array.from({ length: 30 }, (_, i) => `synthetic-${900100 + i}`);
      const started = clock.now();
      const answer = batch(slow.url, { lookups: ids.map((id) => ({ provider: 'tango', id })) });
      const ready = async () => upstreamIdle(slow, 'tango') && (await requestsInFlight(slow)) === 1;
      const items = await results(await drive(clock, answer, { ready }));
      // Answered at the deadline at the latest; far sooner than 30 lookups at 1 per second.
      expect(clock.now() - started).toBeLessThanOrEqual(deadlineMs);
      expect(items).toHaveLength(30);
      const found = items.filter((i) => i.status === 200);
      const unfinished = items.filter((i) => i.status === 504);
      // Under the batch's deadline, the quota refuses at once an item whose slot would come too late.
      const refused = items.filter((i) => i.status === 503);
      expect(found.length).toBeGreaterThanOrEqual(1);
      expect(found.length + unfinished.length + refused.length).toBe(30);
      expect(refused.every((i) => i.problem?.type === '/problems/provider-unavailable')).toBe(true);
      expect(
        unfinished.every(
          (i) => i.problem?.type === '/problems/upstream-timeout' && /batch deadline/.test(i.problem.detail),
        ),
      ).toBe(true);
      // In order: each found item is the customer asked at its position.
      items.forEach((item, i) => {
        if (item.status === 200) expect(item.data?.providerId).toBe(ids[i]);
        else expect(item.problem?.instance).toBe(`/customers/tango/${ids[i]}`);
      });
      // Nothing keeps running for the batch once it has answered: no lookup still queued for a quota slot (they
      // used to wait on with budgets of their own). Bound: a few event-loop turns, far below any slot's 1.1 s.
      const gates = () => slow.services.providers.get('tango')?.state?.();
      await until(() => gates()?.quota?.waiting === 0 && gates()?.inFlight === 0, 500);
      expect(slow.sim('tango').stats.rateLimited).toBe(0);
      expect(maxInOneSecond(arrivals)).toBeLessThanOrEqual(1);
    } finally {
      await slow.close();
    }
  });
});
