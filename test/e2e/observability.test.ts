/**
 * Logs, metrics and probes of a real gateway in front of the real Tango simulator.
 */
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

type Line = Record<string, unknown>;

let gw: TestGateway;
beforeAll(async () => {
  // No test here waits for a timeout: a generous one keeps a 150 ms slow answer on a loaded machine from being cut.
  gw = await startTestGateway({ env: { TANGO_TIMEOUT_MS: '1500', TANGO_DEADLINE_MS: '3000' } });
});
afterAll(async () => gw.close());
beforeEach(() => gw.simulators.forEach((sim) => sim.reset()));

const requestLine = (requestId: string): Line | undefined =>
  gw.logs().find((l) => l.msg === 'request completed' && l.requestId === requestId);
const metricsText = async () => (await fetch(`${gw.url}/metrics`)).text();
/** The value of one sample line (`name{labels} value`), or undefined when the series does not exist. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('request log', () => {
  test('one line per lookup: route, provider, status, duration, cache outcome, request id, attempts', async () => {
    await gw.lookup('tango', 'acme-wellness', { headers: { 'X-Request-Id': 'log-miss-1' } });
    await gw.lookup('tango', 'acme-wellness', { headers: { 'X-Request-Id': 'log-hit-1' } });
    const miss = requestLine('log-miss-1');
    expect(miss).toMatchObject({
      method: 'GET',
      route: '/customers/:provider/:id',
      provider: 'tango',
      status: 200,
      cache: 'miss',
      upstreamAttempts: 1,
      level: 30,
    });
    expect(typeof miss?.durationMs).toBe('number');
    // One request id field, the gateway's own; no raw URL.
    expect(miss).not.toHaveProperty('reqId');
    expect(miss).not.toHaveProperty('req');
    expect(miss?.customerId).toBe('acme-wellness');
    expect(requestLine('log-hit-1')).toMatchObject({ cache: 'hit', upstreamAttempts: 0, status: 200 });
  });

  test('a lookup that needed retries logs every attempt at debug, and the count on the request line', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 503 }, times: 2 });
    const res = await gw.lookup('tango', 'zanzibar-health', { headers: { 'X-Request-Id': 'log-retry-1' } });
    expect(res.status).toBe(200);
    expect(requestLine('log-retry-1')).toMatchObject({ upstreamAttempts: 3, cache: 'miss' });
    const attempts = gw.logs().filter((l) => l.requestId === 'log-retry-1' && l.msg === 'upstream attempt');
    expect(attempts.map((a) => [a.attempt, a.status, a.level])).toEqual([
      [1, 503, 20],
      [2, 503, 20],
      [3, 200, 20],
    ]);
    for (const a of attempts) expect(a).toMatchObject({ provider: 'tango', durationMs: expect.any(Number) as unknown });
    // Tango's own X-REQUEST-ID, for a support ticket with Tango.
    expect(attempts[2]?.upstreamRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('a failed lookup logs its problem, attempts and a warning level', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 500 } });
    const res = await gw.lookup('tango', 'dormant-holdings', { headers: { 'X-Request-Id': 'log-fail-1' } });
    expect(res.status).toBe(502);
    expect(requestLine('log-fail-1')).toMatchObject({
      status: 502,
      problem: 'upstream-error',
      upstreamAttempts: 3,
      level: 40,
      route: '/customers/:provider/:id',
    });
  });

  test('an unknown path logs the route as "unmatched", never the raw URL', async () => {
    await fetch(`${gw.url}/no/such/thing-12345`, { headers: { 'X-Request-Id': 'log-404-1' } });
    expect(requestLine('log-404-1')).toMatchObject({ route: 'unmatched', status: 404, problem: 'not-found' });
    expect(JSON.stringify(requestLine('log-404-1'))).not.toContain('thing-12345');
  });

  test('credentials never reach the log, even at debug level', async () => {
    await gw.lookup('tango', 'no-accounts-yet', { headers: { Authorization: 'Bearer caller-secret-token' } });
    const text = gw.logText();
    const { TANGO_PLATFORM_NAME: user, TANGO_PLATFORM_KEY: key } = gw.sim('tango').env;
    expect(text).not.toContain(key);
    expect(text).not.toContain(Buffer.from(`${user}:${key}`).toString('base64'));
    expect(text).not.toContain('caller-secret-token');
  });
});

describe('GET /metrics', () => {
  test('is Prometheus text with the default process metrics', async () => {
    const res = await fetch(`${gw.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });

  test('counts requests by route pattern, upstream attempts by outcome, retries, and cache outcomes', async () => {
    const before = await metricsText();
    gw.sim('tango').inject({ fault: { kind: 'status', status: 503 }, times: 1 });
    await gw.lookup('tango', 'aeroskobing-velvaere');
    await gw.lookup('tango', 'aeroskobing-velvaere');
    const after = await metricsText();
    const delta = (series: string) => (sample(after, series) ?? 0) - (sample(before, series) ?? 0);
    expect(
      delta('http_server_request_duration_seconds_count{route="/customers/:provider/:id",method="GET",status="200"}'),
    ).toBe(2);
    expect(delta('upstream_request_duration_seconds_count{provider="tango",outcome="server-error"}')).toBe(1);
    expect(delta('upstream_request_duration_seconds_count{provider="tango",outcome="ok"}')).toBe(1);
    expect(delta('upstream_retries_total{provider="tango"}')).toBe(1);
    expect(delta('cache_lookups_total{outcome="miss"}')).toBe(1);
    expect(delta('cache_lookups_total{outcome="hit"}')).toBe(1);
    expect(sample(after, 'cache_entries')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'cache_bytes')).toBeGreaterThan(0);
  });

  test('concurrent lookups of one customer count one miss and the others as collapsed', async () => {
    const before = await metricsText();
    gw.sim('tango').inject({ fault: { kind: 'latency', ms: 150 }, times: 1 });
    const answers = await Promise.all(
      [1, 2, 3].map(() => gw.lookup('tango', 'zanzibar-health', { headers: { 'Cache-Control': 'no-cache' } })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const after = await metricsText();
    const delta = (series: string) => (sample(after, series) ?? 0) - (sample(before, series) ?? 0);
    expect(delta('cache_lookups_total{outcome="miss"}')).toBe(1);
    expect(delta('cache_lookups_total{outcome="collapsed"}')).toBe(2);
    expect(gw.sim('tango').stats.apiRequests).toBe(1);
  });

  test('schema drift: unknown fields and missing expected fields are counted per provider and field path', async () => {
    // edge-case-co carries a field Tango may add later ("region").
    await gw.lookup('tango', 'edge-case-co', { headers: { 'Cache-Control': 'no-cache' } });
    // An answer that lost fields the adapter expects.
    gw.sim('tango').inject({
      fault: {
        kind: 'status',
        status: 200,
        body: {
          customerIdentifier: 'zanzibar-health',
          status: 'ACTIVE',
          accounts: [{ accountIdentifier: 'a1', status: 'ACTIVE', label: 'x' }],
        },
      },
      times: 1,
    });
    await gw.lookup('tango', 'zanzibar-health', { headers: { 'Cache-Control': 'no-cache' } });
    const text = await metricsText();
    expect(
      sample(text, 'upstream_schema_unknown_fields_total{provider="tango",field="region"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'upstream_schema_unknown_fields_total{provider="tango",field="accounts[].label"}')).toBe(1);
    expect(sample(text, 'upstream_schema_missing_fields_total{provider="tango",field="displayName"}')).toBe(1);
    expect(sample(text, 'upstream_schema_missing_fields_total{provider="tango",field="createdAt"}')).toBe(1);
    expect(sample(text, 'upstream_schema_missing_fields_total{provider="tango",field="accounts[].currencyCode"}')).toBe(
      1,
    );
    // Known fields are never reported.
    expect(text).not.toMatch(
      /upstream_schema_unknown_fields_total\{provider="tango",field="(displayName|accounts\[\]\.status)"\}/,
    );
  });

  test('cache hits do not walk the body again', async () => {
    await gw.lookup('tango', 'edge-case-co');
    const before = sample(await metricsText(), 'upstream_schema_unknown_fields_total{provider="tango",field="region"}');
    const res = await gw.lookup('tango', 'edge-case-co');
    expect(res.headers.get('cache-status')).toMatch(/; hit;/);
    expect(sample(await metricsText(), 'upstream_schema_unknown_fields_total{provider="tango",field="region"}')).toBe(
      before,
    );
  });

  test('the breaker state of every provider is on /metrics from the start: closed', async () => {
    await gw.lookup('tango', 'dormant-holdings', { headers: { 'Cache-Control': 'no-cache' } });
    const text = await metricsText();
    for (const provider of gw.services.providers.keys()) {
      expect(sample(text, `circuit_breaker_state{provider="${provider}",state="closed"}`)).toBe(1);
      expect(sample(text, `circuit_breaker_state{provider="${provider}",state="open"}`)).toBe(0);
    }
  });
});

describe('an open breaker', () => {
  let guarded: TestGateway;
  beforeAll(async () => {
    guarded = await startTestGateway({
      env: {
        PROVIDERS: 'tango',
        TANGO_RETRIES: '0',
        TANGO_BREAKER_CONSECUTIVE_FAILURES: '2',
        TANGO_BREAKER_HALF_OPEN_AFTER_MS: '60000',
      },
    });
  });
  afterAll(async () => guarded.close());

  test('shows on /metrics and on /readyz, which stays 200 (one provider down is not this replica down)', async () => {
    guarded.sim('tango').inject({ fault: { kind: 'status', status: 503 } });
    await guarded.lookup('tango', 'zanzibar-health');
    await guarded.lookup('tango', 'acme-wellness');
    const text = await (await fetch(`${guarded.url}/metrics`)).text();
    expect(sample(text, 'circuit_breaker_state{provider="tango",state="open"}')).toBe(1);
    expect(sample(text, 'circuit_breaker_state{provider="tango",state="closed"}')).toBe(0);
    const ready = await fetch(`${guarded.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { providers: { tango: Record<string, unknown> } }).providers.tango).toMatchObject({
      auth: { kind: 'basic' },
      breaker: 'open',
    });
  });
});

describe('stale answers and a registry per gateway', () => {
  let other: TestGateway;
  beforeAll(async () => {
    other = await startTestGateway({ env: { TANGO_CACHE_TTL_SECONDS: '0', TANGO_RETRIES: '0' } });
  });
  afterAll(async () => other.close());

  test('a stale answer is counted as stale, in this gateway only', async () => {
    await other.lookup('tango', 'zanzibar-health');
    other.sim('tango').inject({ fault: { kind: 'status', status: 503 } });
    const res = await other.lookup('tango', 'zanzibar-health');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-status')).toContain('stale-if-error');
    const text = await (await fetch(`${other.url}/metrics`)).text();
    expect(sample(text, 'cache_lookups_total{outcome="stale"}')).toBe(1);
    expect(sample(text, 'cache_lookups_total{outcome="miss"}')).toBe(1);
    expect(sample(await metricsText(), 'cache_lookups_total{outcome="stale"}')).toBeUndefined();
  });
});

describe('probes', () => {
  test('/readyz reports the configuration and each provider’s local state without calling any upstream', async () => {
    const res = await fetch(`${gw.url}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      config: string;
      providers: Record<string, { auth: Record<string, unknown> }>;
    };
    expect(body).toMatchObject({ status: 'ready', config: 'loaded' });
    expect(Object.keys(body.providers).sort()).toEqual([...gw.services.providers.keys()].sort());
    expect(body.providers.tango).toMatchObject({ auth: { kind: 'basic' }, breaker: 'closed', inFlight: 0, queued: 0 });
    for (const sim of gw.simulators.values()) expect(sim.stats.requests).toBe(0);
  });

  test('/readyz answers 503 while shutting down, and answers close their connection', async () => {
    const app = buildApp(gw.services, { lifecycle: { shuttingDown: true } });
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'shutting-down' });
    expect(res.headers.connection).toBe('close');
    expect((await request(app).get('/healthz')).status).toBe(200);
  });
});

describe('GET /problems/{code}', () => {
  test('describes every problem type in a sentence, and 404s an unknown one', async () => {
    const spec = (await (await fetch(`${gw.url}/openapi.json`)).json()) as {
      components: { schemas: { Problem: { properties: { type: { enum: string[] } } } } };
    };
    for (const type of spec.components.schemas.Problem.properties.type.enum) {
      const res = await fetch(gw.url + type);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { type: string; title: string; description: string; status: number };
      expect(body.type).toBe(type);
      expect(body.description.length).toBeGreaterThan(20);
    }
    const unknown = await fetch(`${gw.url}/problems/no-such-problem`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { type: string }).type).toBe('/problems/not-found');
  });
});
