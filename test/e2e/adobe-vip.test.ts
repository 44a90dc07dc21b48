/**
 * Adobe VIP Marketplace through the real gateway and the real simulator over loopback: IMS tokens (cached,
 * shared, refreshed, retried once after a 401), Adobe's request and correlation ids, and the seeded accounts.
 * The gateway and the simulator read one controlled clock: retry waits move it instead of being waited for, and an
 * attempt times out only when the test moves it there.
 */
import { ADOBE_SIM_CLIENT, adobeVipSimulator, IMS_PATH } from '../../providers/adobe-vip/simulator.js';
import type { SimLogEntry, Simulator } from '../../src/core/simulator.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ManualClock } from '../support/manual-clock.js';
import { until } from '../support/until.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NO_CACHE = { headers: { 'Cache-Control': 'no-cache' } };
/** Failures of these would otherwise be answered from a stale cached entry (stale-if-error). */
const NEVER_CACHED = ['P5550000001', 'P5550000002', 'P5550000003'] as const;
// Attempts run out on the clock, which moves only when the test moves it (the one hang test) or a retry waits: on
// a loaded machine, a slow healthy answer is never cut.
const ENV = { PROVIDERS: 'adobe-vip', ADOBE_VIP_TIMEOUT_MS: '1500', ADOBE_VIP_DEADLINE_MS: '8000' };

const apiCalls = (sim: Simulator): SimLogEntry[] => sim.log.filter((e) => e.path.startsWith('/v3/'));
const tokenCalls = (sim: Simulator): SimLogEntry[] => sim.log.filter((e) => e.path === IMS_PATH);
const header = (entry: SimLogEntry | undefined, name: string) => entry?.headers[name] as string | undefined;

let gw: TestGateway;
let sim: Simulator;
const clock = new ManualClock(undefined, { autoAdvance: true });
beforeAll(async () => {
  gw = await startTestGateway({ env: ENV, clock });
  sim = gw.sim('adobe-vip');
});
afterAll(async () => gw.close());
beforeEach(() => {
  sim.reset();
  // Start every test without a cached token, so that token requests can be counted.
  gw.services.providers.get('adobe-vip')?.auth.invalidate();
});

describe('the upstream request', () => {
  test('carries an IMS token, the API key, X-Request-Id, X-Correlation-Id, JSON Accept and Content-Type', async () => {
    const res = await gw.lookup('adobe-vip', '9876543210', { headers: { 'X-Request-Id': 'caller-request-1' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { displayName: string } }).data.displayName).toBe('Fairmont');

    const [token] = tokenCalls(sim);
    const form = new URLSearchParams(token?.body);
    expect(header(token, 'content-type')).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'client_credentials',
      client_id: sim.env.ADOBE_VIP_API_KEY,
      client_secret: sim.env.ADOBE_VIP_CLIENT_SECRET,
      scope: 'openid,AdobeID,read_organizations',
    });

    const [call] = apiCalls(sim);
    expect(call?.path).toBe('/v3/customers/9876543210');
    expect(header(call, 'authorization')).toMatch(/^Bearer adobe-sim-/);
    expect(header(call, 'x-api-key')).toBe(sim.env.ADOBE_VIP_API_KEY);
    expect(header(call, 'accept')).toBe('application/json');
    expect(header(call, 'content-type')).toBe('application/json');
    expect(header(call, 'x-request-id')).toMatch(UUID);
    expect(header(call, 'x-correlation-id')).toMatch(UUID);
    expect(header(call, 'x-request-id')).not.toBe('caller-request-1');
    expect(header(call, 'user-agent')).toMatch(/^customer-gateway\/\d/);
  });

  test('configured credentials: base URL is the host, ADOBE_VIP_SCOPES comma-joined, no secret logged', async () => {
    const standalone = await adobeVipSimulator({ rateLimitPerSecond: 0 });
    const configured = await startTestGateway({
      env: {
        ...ENV,
        GATEWAY_ALLOW_ANONYMOUS: 'true',
        ADOBE_VIP_BASE_URL: standalone.origin,
        ADOBE_VIP_TOKEN_URL: `${standalone.origin}${IMS_PATH}`,
        ADOBE_VIP_API_KEY: ADOBE_SIM_CLIENT.id,
        ADOBE_VIP_CLIENT_SECRET: ADOBE_SIM_CLIENT.secret,
        ADOBE_VIP_SCOPES: ' openid, AdobeID ,, read_organizations',
      },
    });
    try {
      expect((await configured.lookup('adobe-vip', '9876543210')).status).toBe(200);
      expect(new URLSearchParams(tokenCalls(standalone)[0]?.body).get('scope')).toBe(
        'openid,AdobeID,read_organizations',
      );
      const token = header(apiCalls(standalone)[0], 'authorization')?.slice('Bearer '.length) ?? 'missing';
      expect(configured.logText()).not.toContain(token);
      expect(configured.logText()).not.toContain(ADOBE_SIM_CLIENT.secret);
    } finally {
      await configured.close();
      await standalone.close();
    }
  });

  test('the id is path-encoded: a unicode Adobe id reaches the upstream and is answered', async () => {
    const res = await gw.lookup('adobe-vip', encodeURIComponent('Ærøskøbing-7421'));
    expect(res.status).toBe(200);
    expect(apiCalls(sim)[0]?.path).toBe(`/v3/customers/${encodeURIComponent('Ærøskøbing-7421')}`);
  });
});

describe('the IMS token', () => {
  test('is fetched once and reused across lookups', async () => {
    for (const id of ['P1002000001', 'P1004000001', 'P1010000001'])
      expect((await gw.lookup('adobe-vip', id)).status).toBe(200);
    expect(tokenCalls(sim)).toHaveLength(1);
    expect(new Set(apiCalls(sim).map((c) => header(c, 'authorization'))).size).toBe(1);
  });

  test('50 concurrent cold lookups make exactly one token request', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `P77${String(i).padStart(8, '0')}`);
    const answers = await Promise.all(ids.map((id) => gw.lookup('adobe-vip', id)));
    expect(answers.map((r) => r.status)).toEqual(ids.map(() => 404));
    expect(tokenCalls(sim)).toHaveLength(1);
    expect(apiCalls(sim)).toHaveLength(50);
  });

  test('after an upstream 401 the token is dropped, one new token fetched and the lookup tried once more', async () => {
    expect((await gw.lookup('adobe-vip', '9876543210', NO_CACHE)).status).toBe(200);
    sim.tokens?.revokeAll();
    sim.reset();
    const res = await gw.lookup('adobe-vip', '9876543210', NO_CACHE);
    expect(res.status).toBe(200);
    expect(sim.log.map((e) => [e.path, e.status])).toEqual([
      ['/v3/customers/9876543210', 401],
      [IMS_PATH, 200],
      ['/v3/customers/9876543210', 200],
    ]);
    const [refused, retried] = apiCalls(sim);
    expect(header(retried, 'authorization')).not.toBe(header(refused, 'authorization'));
    // A 401 is a response: the retry is a new intent for Adobe's idempotency.
    expect(header(retried, 'x-correlation-id')).not.toBe(header(refused, 'x-correlation-id'));
  });

  test('when the new token is refused too, the lookup stops: upstream-auth-failed, no loop', async () => {
    sim.inject({
      fault: { kind: 'status', status: 401, body: { code: '4116', message: 'Authorization token is invalid' } },
      match: '/customers/',
    });
    const res = await gw.lookup('adobe-vip', NEVER_CACHED[0], NO_CACHE);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ type: '/problems/upstream-auth-failed', upstreamStatus: 401 });
    expect(apiCalls(sim)).toHaveLength(2);
    // The first token, then one refresh.
    expect(tokenCalls(sim)).toHaveLength(2);
  });

  test('an IMS 4xx is upstream-auth-failed and not retried', async () => {
    sim.inject({
      fault: {
        kind: 'status',
        status: 400,
        body: { error: 'invalid_client', error_description: 'invalid client_id parameter' },
      },
      match: IMS_PATH,
    });
    const res = await gw.lookup('adobe-vip', NEVER_CACHED[1], NO_CACHE);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ type: '/problems/upstream-auth-failed', upstreamStatus: 400 });
    expect(tokenCalls(sim)).toHaveLength(1);
    expect(apiCalls(sim)).toHaveLength(0);
  });

  test('an IMS 5xx is a retryable upstream-error: the next attempt fetches the token again and succeeds', async () => {
    sim.inject({ fault: { kind: 'status', status: 503, body: { error: 'server_error' } }, match: IMS_PATH, times: 1 });
    const res = await gw.lookup('adobe-vip', '9876543210', NO_CACHE);
    expect(res.status).toBe(200);
    expect(tokenCalls(sim).map((e) => e.status)).toEqual([503, 200]);
  });

  test('an IMS that keeps failing with 5xx ends in upstream-error after the retries', async () => {
    sim.inject({ fault: { kind: 'status', status: 500, body: { error: 'server_error' } }, match: IMS_PATH });
    const res = await gw.lookup('adobe-vip', NEVER_CACHED[2], NO_CACHE);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ type: '/problems/upstream-error', retryable: true });
    expect(tokenCalls(sim)).toHaveLength(3);
  });

  test('is refreshed before it expires (expires_in honoured)', async () => {
    // The gateway's token lifetimes and the simulator's expiry read one clock that stands still unless the test
    // moves it, so the 1 s lifetime is measured exactly, however slow the machine is.
    const tokenClock = new ManualClock();
    const short = await startTestGateway({
      env: ENV,
      clock: tokenClock,
      simulator: () => ({ rateLimitPerSecond: 0, tokenLifetimeSeconds: 1, clock: tokenClock }),
    });
    try {
      const shortSim = short.sim('adobe-vip');
      expect((await short.lookup('adobe-vip', '9876543210', NO_CACHE)).status).toBe(200);
      expect((await short.lookup('adobe-vip', '9876543210', NO_CACHE)).status).toBe(200);
      expect(tokenCalls(shortSim)).toHaveLength(1);
      // 1 s lifetime: kept while more than 10% (0.1 s) is left, refreshed once less is, before the simulator
      // would refuse it.
      await tokenClock.advance(850);
      expect((await short.lookup('adobe-vip', '9876543210', NO_CACHE)).status).toBe(200);
      expect(tokenCalls(shortSim)).toHaveLength(1);
      await tokenClock.advance(100);
      expect((await short.lookup('adobe-vip', '9876543210', NO_CACHE)).status).toBe(200);
      expect(tokenCalls(shortSim)).toHaveLength(2);
      expect(apiCalls(shortSim).map((e) => e.status)).toEqual([200, 200, 200, 200]);
    } finally {
      await short.close();
    }
  });
});

describe('request and correlation ids', () => {
  test.each([
    ['a timeout', { kind: 'hang' as const }],
    ['a connection reset', { kind: 'reset' as const }],
  ])('after %s the retry reuses the X-Correlation-Id with a new X-Request-Id', async (_what, fault) => {
    sim.inject({ fault, times: 1, match: '/customers/' });
    const pending = gw.lookup('adobe-vip', '9876543210', NO_CACHE);
    if (fault.kind === 'hang') {
      // The hang ends at the attempt timeout: the clock moves there once the attempt is on the wire.
      await until(() => apiCalls(sim).length === 1, 10_000, 1);
      await clock.advance(1500);
    }
    const res = await pending;
    expect(res.status).toBe(200);
    // Answered by the retry, not from the stale copy.
    expect(((await res.json()) as { meta: { cache: string } }).meta.cache).toBe('miss');
    const [first, second] = apiCalls(sim);
    expect(apiCalls(sim)).toHaveLength(2);
    expect(header(second, 'x-correlation-id')).toBe(header(first, 'x-correlation-id'));
    expect(header(second, 'x-request-id')).not.toBe(header(first, 'x-request-id'));
  });

  test.each([
    ['a 500', 500, { code: '1124', message: 'Internal server error' }],
    ['a 429', 429, { code: '4118', message: 'Too many requests' }],
  ])('after %s the retry uses a new X-Correlation-Id and a new X-Request-Id', async (_what, status, body) => {
    sim.inject({
      fault: { kind: 'status', status, body, headers: { 'Retry-After': '0' } },
      times: 1,
      match: '/customers/',
    });
    const res = await gw.lookup('adobe-vip', '9876543210', NO_CACHE);
    expect(res.status).toBe(200);
    // Answered by the retry, not from the stale copy.
    expect(((await res.json()) as { meta: { cache: string } }).meta.cache).toBe('miss');
    const [first, second] = apiCalls(sim);
    expect(apiCalls(sim)).toHaveLength(2);
    expect(header(second, 'x-correlation-id')).not.toBe(header(first, 'x-correlation-id'));
    expect(header(second, 'x-request-id')).not.toBe(header(first, 'x-request-id'));
  });

  test('every lookup is a new intent, and Adobe never answers 4119 or 4120 in normal operation', async () => {
    sim.inject({ fault: { kind: 'reset' }, times: 1, match: '/customers/P1002000001' });
    sim.inject({
      fault: { kind: 'status', status: 500, body: { code: '1124', message: 'Internal server error' } },
      times: 1,
      match: '/customers/P1004000001',
    });
    for (const id of ['9876543210', '9876543210', 'P1002000001', 'P1004000001', 'P1012000001']) {
      expect((await gw.lookup('adobe-vip', id, NO_CACHE)).status).toBe(200);
    }
    sim.tokens?.revokeAll();
    expect((await gw.lookup('adobe-vip', 'P1014000001', NO_CACHE)).status).toBe(200);

    const calls = apiCalls(sim);
    expect(calls.length).toBeGreaterThanOrEqual(8);
    expect(calls.every((c) => UUID.test(header(c, 'x-correlation-id') ?? ''))).toBe(true);
    expect(calls.filter((c) => c.status === 400)).toEqual([]);
    expect(new Set(calls.map((c) => header(c, 'x-request-id'))).size).toBe(calls.length);
    // Only the retry after the reset shares its correlation id with the attempt before it.
    expect(new Set(calls.map((c) => header(c, 'x-correlation-id'))).size).toBe(calls.length - 1);
  });
});

describe('Adobe’s answers', () => {
  test.each([
    ['P1002000001', 'pending', null],
    ['P1004000001', 'inactive', null],
    ['P1010000001', 'inactive', 'invalid-address'],
    ['P1012000001', 'inactive', 'account-blocked'],
    ['P1014000001', 'inactive', 'duplicate-company'],
  ])('the seeded account %s is %s (%s)', async (id, status, statusReason) => {
    const res = await gw.lookup('adobe-vip', id);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown }).data).toMatchObject({
      status,
      statusReason,
      providerStatus: id.slice(1, 5),
    });
  });

  test('the seeded LGA customer keeps its benefits and linked membership', async () => {
    const res = await gw.lookup('adobe-vip', 'P1005229864');
    const { data } = (await res.json()) as {
      data: { organization: unknown; providerDetails: Record<string, unknown> };
    };
    expect(data.organization).toMatchObject({ marketSegment: 'GOV', marketSubSegments: ['FEDERAL'] });
    expect(data.providerDetails.benefits).toEqual([{ type: 'LARGE_GOVERNMENT_AGENCY', status: 'ACTIVE' }]);
    expect(data.providerDetails.linkedMembership).toMatchObject({
      country: 'US',
      benefitTypes: ['LARGE_GOVERNMENT_AGENCY'],
    });
  });

  test('404 1116 is customer-not-found and cached; a 404 with another code is upstream-error, not cached', async () => {
    for (let i = 0; i < 2; i += 1) expect((await gw.lookup('adobe-vip', 'P9990000001')).status).toBe(404);
    expect(apiCalls(sim)).toHaveLength(1);

    sim.reset();
    sim.inject({
      fault: { kind: 'status', status: 404, body: { code: '1115', message: 'Invalid Reseller' } },
      match: '/customers/',
    });
    for (let i = 0; i < 2; i += 1) {
      const res = await gw.lookup('adobe-vip', 'P9990000002');
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({ type: '/problems/upstream-error', upstreamStatus: 404 });
    }
    expect(apiCalls(sim)).toHaveLength(2);
  });
});

describe('the simulator, spoken to directly', () => {
  let token = '';
  const get = (path: string, headers: Record<string, string>) => fetch(`${sim.origin}${path}`, { headers });
  const good = () => ({
    Authorization: `Bearer ${token}`,
    'X-Api-Key': sim.env.ADOBE_VIP_API_KEY ?? '',
    Accept: 'application/json',
    'Content-Type': 'application/json',
    'X-Correlation-Id': crypto.randomUUID(),
    'X-Request-Id': crypto.randomUUID(),
  });
  const codeOf = async (res: Response) => [res.status, ((await res.json()) as { code: string }).code];

  beforeAll(async () => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sim.env.ADOBE_VIP_API_KEY ?? '',
      client_secret: sim.env.ADOBE_VIP_CLIENT_SECRET ?? '',
      scope: 'openid',
    });
    const res = await fetch(`${sim.origin}${IMS_PATH}`, {
      method: 'POST',
      body: form,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    const body = (await res.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 86399 });
    token = body.access_token;
  });

  test('IMS refuses a wrong client secret', async () => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sim.env.ADOBE_VIP_API_KEY ?? '',
      client_secret: 'wrong',
      scope: 'openid',
    });
    const res = await fetch(`${sim.origin}${IMS_PATH}`, { method: 'POST', body: form });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_client' });
  });

  test('answers Adobe’s codes: 4115, 4117, 4116, 4119, 1116', async () => {
    expect(await codeOf(await get('/v3/customers/9876543210', { ...good(), 'X-Api-Key': 'nope' }))).toEqual([
      403,
      '4115',
    ]);
    const { Authorization: _a, ...noToken } = good();
    expect(await codeOf(await get('/v3/customers/9876543210', noToken))).toEqual([403, '4117']);
    expect(await codeOf(await get('/v3/customers/9876543210', { ...good(), Authorization: 'Bearer forged' }))).toEqual([
      401,
      '4116',
    ]);
    const { 'X-Correlation-Id': _c, ...noCorrelation } = good();
    expect(await codeOf(await get('/v3/customers/9876543210', noCorrelation))).toEqual([400, '4119']);
    expect(await codeOf(await get('/v3/customers/P0000000', good()))).toEqual([404, '1116']);
  });

  test('a repeated X-Request-Id with a new correlation id is 4120; a repeated correlation id is replayed', async () => {
    const first = good();
    const original = await get('/v3/customers/9876543210', first);
    expect(original.status).toBe(200);
    const originalBody = await original.text();

    expect(
      await codeOf(await get('/v3/customers/9876543210', { ...good(), 'X-Request-Id': first['X-Request-Id'] })),
    ).toEqual([400, '4120']);

    // Same correlation id: the original answer, and the request id is not evaluated.
    const replay = await get('/v3/customers/9876543210', {
      ...good(),
      'X-Correlation-Id': first['X-Correlation-Id'],
      'X-Request-Id': first['X-Request-Id'],
    });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('x-simulator-replayed')).toBe('true');
    expect(await replay.text()).toBe(originalBody);
  });
});
