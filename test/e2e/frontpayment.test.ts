/**
 * Frontpayment through the real gateway and the real simulator over loopback: the envelope, its status_code,
 * 510, the narrow meaning of 404, and the national id masked in the answer, in `?include=raw` and in the logs.
 */
import { CUSTOMER_NOT_FOUND, FRONTPAYMENT_510, frontpaymentSimulator } from '../../providers/frontpayment/simulator.js';
import type { Simulator } from '../../src/core/simulator.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

// No test here waits for a timeout: a generous one keeps a loaded machine from cutting a normal answer.
const ENV = { PROVIDERS: 'frontpayment', FRONTPAYMENT_TIMEOUT_MS: '1500', FRONTPAYMENT_DEADLINE_MS: '4000' };
const NO_CACHE = { headers: { 'Cache-Control': 'no-cache' } };

interface Answer {
  data: Record<string, unknown>;
  raw?: { data: Record<string, unknown> };
}
let gw: TestGateway;
let sim: Simulator;
beforeAll(async () => {
  gw = await startTestGateway({ env: ENV });
  sim = gw.sim('frontpayment');
});
afterAll(async () => gw.close());
beforeEach(() => sim.reset());

test('Kari Nordmann is read with the static bearer token from /connect/customers/details/{id}', async () => {
  const res = await gw.lookup('frontpayment', 'CSRT1511414842');
  expect(res.status).toBe(200);
  const { data } = (await res.json()) as Answer;
  expect(data).toMatchObject({
    id: 'frontpayment:CSRT1511414842',
    type: 'individual',
    displayName: 'Kari Nordmann',
    phone: '+4700000000',
    status: 'active',
  });
  const [call] = sim.log;
  expect(call?.path).toBe('/connect/customers/details/CSRT1511414842');
  expect(call?.headers.authorization).toBe(`Bearer ${sim.env.FRONTPAYMENT_TOKEN}`);
  expect(call?.headers.accept).toBe('application/json');
});

test('a corporate customer is an organization with its organisation number and only a billing address', async () => {
  const { data } = (await (await gw.lookup('frontpayment', 'CSRT1800000001')).json()) as Answer;
  expect(data).toMatchObject({
    type: 'organization',
    organization: {
      name: 'Fjord Fisk AS',
      registrationNumber: '987654321',
      marketSegment: null,
      marketSubSegments: [],
    },
  });
  expect((data.addresses as { type: string }[]).map((a) => a.type)).toEqual(['billing']);
});

describe('the national id', () => {
  test('is masked to its last 4 characters in the answer, in ?include=raw and never written to the logs', async () => {
    const res = await gw.lookup('frontpayment', 'CSRT1700000001', { query: 'include=raw' });
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = JSON.parse(text) as Answer;
    expect(body.data.nationalId).toBe('*******2345');
    expect(body.raw?.data.personalNumber).toBe('*******2345');
    expect(text).not.toContain('01017012345');
    // The upstream sends it in clear: the gateway masked it.
    const upstream = await fetch(`${sim.baseUrl}/connect/customers/details/CSRT1700000001`, {
      headers: { Authorization: `Bearer ${sim.env.FRONTPAYMENT_TOKEN}` },
    });
    expect(await upstream.text()).toContain('"personalNumber":"01017012345"');
    expect(gw.logText()).toContain('CSRT1700000001');
    expect(gw.logText()).not.toContain('01017012345');
  });

  test('a cache hit is masked too', async () => {
    await gw.lookup('frontpayment', 'CSRT1700000001');
    const hit = await gw.lookup('frontpayment', 'CSRT1700000001', { query: 'include=raw' });
    expect(hit.headers.get('cache-status')).toMatch(/hit/);
    const text = await hit.text();
    expect(text).not.toContain('01017012345');
    expect((JSON.parse(text) as Answer).data.nationalId).toBe('*******2345');
  });
});

describe('classification', () => {
  test('510 is retried and the lookup succeeds on the next attempt', async () => {
    sim.inject({ fault: { kind: 'status', status: 510, body: FRONTPAYMENT_510 }, times: 1 });
    const res = await gw.lookup('frontpayment', 'CSRT1511414842', NO_CACHE);
    expect(res.status).toBe(200);
    expect(sim.log.map((e) => e.status)).toEqual([510, 200]);
  });

  test('510 on every attempt is upstream-error with upstreamStatus 510, after the retries', async () => {
    sim.inject({ fault: { kind: 'status', status: 510, body: FRONTPAYMENT_510 } });
    const res = await gw.lookup('frontpayment', 'CSRT9000000510', NO_CACHE);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ type: '/problems/upstream-error', upstreamStatus: 510, retryable: true });
    expect(sim.stats.apiRequests).toBe(3);
  });

  test('the envelope status_code wins over HTTP 200: an envelope 510 is retried', async () => {
    sim.inject({ fault: { kind: 'status', status: 200, body: FRONTPAYMENT_510 }, times: 1 });
    expect((await gw.lookup('frontpayment', 'CSRT1511414842', NO_CACHE)).status).toBe(200);
    expect(sim.stats.apiRequests).toBe(2);
  });

  test('the envelope status_code wins over HTTP 200: envelope 404 customerNotFound is customer-not-found', async () => {
    sim.inject({ fault: { kind: 'status', status: 200, body: CUSTOMER_NOT_FOUND }, times: 1 });
    const res = await gw.lookup('frontpayment', 'CSRT9000000200', NO_CACHE);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ type: '/problems/customer-not-found', upstreamStatus: 404 });
  });

  test('404 customerNotFound is customer-not-found and cached', async () => {
    for (let i = 0; i < 2; i += 1) expect((await gw.lookup('frontpayment', 'CSRT0000000000')).status).toBe(404);
    expect(sim.stats.apiRequests).toBe(1);
  });

  test('a 404 without customerNotFound (a wrong path) is upstream-error, not retried and not cached', async () => {
    sim.inject({
      fault: {
        kind: 'status',
        status: 404,
        body: { status_code: 404, status_message: 'Not Found', message: 'routeNotFound', is_error: true, errors: null },
      },
      times: 2,
    });
    for (let i = 0; i < 2; i += 1) {
      const res = await gw.lookup('frontpayment', 'CSRT1900000001');
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({ type: '/problems/upstream-error', upstreamStatus: 404 });
    }
    expect(sim.stats.apiRequests).toBe(2);
    expect((await gw.lookup('frontpayment', 'CSRT1900000001')).status).toBe(200);
  });
});

test('a wrong bearer token is upstream-auth-failed with the 401 envelope, without a retry', async () => {
  const standalone = await frontpaymentSimulator({ rateLimitPerSecond: 0 });
  const wrong = await startTestGateway({
    env: {
      ...ENV,
      GATEWAY_ALLOW_ANONYMOUS: 'true',
      FRONTPAYMENT_BASE_URL: standalone.baseUrl,
      FRONTPAYMENT_TOKEN: 'not-the-token',
    },
  });
  try {
    const res = await wrong.lookup('frontpayment', 'CSRT1511414842');
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ type: '/problems/upstream-auth-failed', upstreamStatus: 401 });
    expect(standalone.log.map((e) => e.status)).toEqual([401]);
    expect(wrong.logText()).not.toContain('not-the-token');
  } finally {
    await wrong.close();
    await standalone.close();
  }
});
