/**
 * Every row of the error table (README, errors) that applies to Tango, through the real gateway in front of the
 * real Tango simulator. Each problem is checked for the RFC 9457 fields, its content type and `no-store`.
 */
import { TANGO_SIM_KEY, TANGO_SIM_PLATFORM } from '../../providers/tango/simulator.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problems.js';

const ID = 'zanzibar-health';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    env: {
      TANGO_RETRIES: '1',
      // Long enough for every healthy answer on a loaded machine (200 ms was not: a 404 timed out); a hang costs
      // two attempts of 1.5 s.
      TANGO_TIMEOUT_MS: '1500',
      TANGO_DEADLINE_MS: '5000',
      // Nothing successful is kept, so that every test reaches the simulator and no stale entry hides a fault.
      CACHE_TTL_SECONDS: '0',
      CACHE_STALE_IF_ERROR_SECONDS: '0',
      UPSTREAM_MAX_BODY_BYTES: '4096',
    },
  });
});
afterAll(async () => gw.close());
beforeEach(() => gw.sim('tango').reset());

const upstreamCalls = () => gw.sim('tango').stats.apiRequests;

describe('requests the gateway refuses itself', () => {
  test('an id that breaks Tango’s id rule is invalid-request and never reaches Tango', async () => {
    const problem = await expectProblem(await gw.lookup('tango', 'abc'), 'invalid-request');
    expect(problem.provider).toBe('tango');
    expect(problem.upstreamStatus).toBeUndefined();
    expect(problem.detail).toContain('abc');
    expect(upstreamCalls()).toBe(0);
  });

  test('an unknown value of "include" is invalid-request and never reaches Tango', async () => {
    const problem = await expectProblem(
      await gw.lookup('tango', ID, { query: 'include=everything' }),
      'invalid-request',
    );
    expect(problem.provider).toBe('tango');
    expect(upstreamCalls()).toBe(0);
  });

  test('an unknown provider is unknown-provider without a provider field', async () => {
    const problem = await expectProblem(await gw.lookup('nope', ID), 'unknown-provider');
    expect(problem.provider).toBeUndefined();
    const notAllowed = await expectProblem(
      await fetch(`${gw.url}/customers/nope/${ID}`, { method: 'POST' }),
      'method-not-allowed',
    );
    expect(notAllowed.provider).toBeUndefined();
    expect(upstreamCalls()).toBe(0);
  });

  test('a path no route serves is not-found', async () => {
    await expectProblem(await fetch(`${gw.url}/no/such/route`), 'not-found');
    await expectProblem(await fetch(`${gw.url}/customers/tango/zanzibar-health/extra`), 'not-found');
  });

  test('a method the lookup route does not serve is method-not-allowed with Allow listing GET and HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(`${gw.url}/customers/tango/${ID}`, { method });
      expect(res.headers.get('allow')?.split(/,\s*/).sort()).toEqual(['GET', 'HEAD']);
      expect((await expectProblem(res, 'method-not-allowed')).provider).toBe('tango');
    }
    expect(upstreamCalls()).toBe(0);
  });
});

describe('what Tango says about the customer', () => {
  test('Tango 404 is customer-not-found, cached: two lookups make one upstream call', async () => {
    const first = await gw.lookup('tango', 'no-such-customer');
    expect(first.headers.get('cache-control')).toBe(`private, max-age=${gw.config.cache.notFoundTtlSeconds}`);
    expect(first.headers.get('cache-status')).toBe('customer-gateway; fwd=miss; stored');
    const problem = await expectProblem(first, 'customer-not-found', { cached: true });
    expect(problem).toMatchObject({ provider: 'tango', upstreamStatus: 404, retryable: false });

    const second = await gw.lookup('tango', 'no-such-customer');
    expect(second.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
    const maxAge = Number(/max-age=(\d+)/.exec(second.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeLessThanOrEqual(gw.config.cache.notFoundTtlSeconds);
    expect(second.headers.get('cache-status')).toMatch(/^customer-gateway; hit; ttl=\d+$/);
    await expectProblem(second, 'customer-not-found', { cached: true });
    expect(upstreamCalls()).toBe(1);
  });

  test('Tango 400 about the request is invalid-request with its upstream status, not retried', async () => {
    gw.sim('tango').inject({
      fault: { kind: 'status', status: 400, body: { httpCode: 400, message: 'bad', i18nKey: 'x' } },
    });
    const problem = await expectProblem(await gw.lookup('tango', ID), 'invalid-request');
    expect(problem).toMatchObject({ provider: 'tango', upstreamStatus: 400, retryable: false });
    expect(problem.detail).not.toContain('bad');
    expect(upstreamCalls()).toBe(1);
  });
});

describe('Tango refusing the gateway’s credentials', () => {
  test('Tango 403 is upstream-auth-failed, not retried', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 403, body: { httpCode: 403, message: 'Forbidden' } } });
    const problem = await expectProblem(await gw.lookup('tango', ID), 'upstream-auth-failed');
    expect(problem).toMatchObject({ provider: 'tango', upstreamStatus: 403, retryable: true });
    expect(upstreamCalls()).toBe(1);
  });

  test('a wrong TANGO_PLATFORM_KEY gets Tango’s 401: upstream-auth-failed, without key or Tango’s body', async () => {
    const wrong = await startTestGateway({ providerEnv: { TANGO_PLATFORM_KEY: 'not-the-key' } });
    try {
      const problem = await expectProblem(await wrong.lookup('tango', ID), 'upstream-auth-failed');
      expect(problem).toMatchObject({ provider: 'tango', upstreamStatus: 401 });
      expect(JSON.stringify(problem)).not.toMatch(/not-the-key|Full authentication/);
      // Basic auth has no token to refresh, so a 401 is final.
      expect(wrong.sim('tango').stats.apiRequests).toBe(1);
      // The gateway really sent the configured key, not the one the simulator expects.
      expect(wrong.sim('tango').log[0]?.headers.authorization).toBe(
        `Basic ${Buffer.from(`${TANGO_SIM_PLATFORM}:not-the-key`).toString('base64')}`,
      );
      expect(TANGO_SIM_KEY).not.toBe('not-the-key');
    } finally {
      await wrong.close();
    }
  });
});

describe('Tango failing', () => {
  test('Tango 500 on every attempt is upstream-error after TANGO_RETRIES more attempts', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 500 } });
    const problem = await expectProblem(await gw.lookup('tango', ID), 'upstream-error');
    expect(problem).toMatchObject({ provider: 'tango', upstreamStatus: 500, retryable: true });
    expect(upstreamCalls()).toBe(2);
  });

  test('a connection reset on every attempt is upstream-error without an upstream status', async () => {
    gw.sim('tango').inject({ fault: { kind: 'reset' } });
    const problem = await expectProblem(await gw.lookup('tango', ID), 'upstream-error');
    expect(problem.upstreamStatus).toBeUndefined();
    expect(upstreamCalls()).toBe(2);
  });

  test('a redirect is not followed: upstream-error with the 302, one call', async () => {
    gw.sim('tango').inject({
      fault: { kind: 'status', status: 302, headers: { Location: '/raas/v2/customers/acme-wellness' } },
    });
    const problem = await expectProblem(await gw.lookup('tango', ID), 'upstream-error');
    expect(problem.upstreamStatus).toBe(302);
    expect(upstreamCalls()).toBe(1);
    expect(gw.sim('tango').log.map((r) => r.path)).toEqual([`/customers/${ID}`]);
  });

  test('an unexpected status (418) is upstream-error, not retried', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 418 } });
    const problem = await expectProblem(await gw.lookup('tango', ID), 'upstream-error');
    expect(problem.upstreamStatus).toBe(418);
    expect(upstreamCalls()).toBe(1);
  });

  test('Tango 429 until the retries are spent is upstream-rate-limited with Retry-After', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 429 } });
    const res = await gw.lookup('tango', ID);
    // Tango sent no Retry-After: a 503 gets 1 second.
    expect(res.headers.get('retry-after')).toBe('1');
    const problem = await expectProblem(res, 'upstream-rate-limited');
    expect(problem).toMatchObject({ provider: 'tango', upstreamStatus: 429, retryable: true });
    expect(upstreamCalls()).toBe(2);
  });

  test('Tango hanging past TANGO_TIMEOUT_MS on every attempt is upstream-timeout', async () => {
    gw.sim('tango').inject({ fault: { kind: 'hang' } });
    const problem = await expectProblem(await gw.lookup('tango', ID), 'upstream-timeout');
    expect(problem).toMatchObject({ provider: 'tango', retryable: true });
    expect(problem.upstreamStatus).toBeUndefined();
    expect(upstreamCalls()).toBe(2);
  });
});

describe('Tango answering 2xx with something that is not the customer', () => {
  const cases: [string, () => void][] = [
    ['malformed JSON', () => gw.sim('tango').inject({ fault: { kind: 'malformed' } })],
    [
      'a body that is not JSON-typed',
      () => gw.sim('tango').inject({ fault: { kind: 'content-type', contentType: 'text/html' } }),
    ],
    [
      'another customer’s data',
      () =>
        gw.sim('tango').inject({
          fault: {
            kind: 'status',
            status: 200,
            body: {
              customerIdentifier: 'acme-wellness',
              displayName: 'Acme Wellness',
              status: 'ACTIVE',
              accounts: [],
            },
          },
        }),
    ],
    [
      'a body without the id field',
      () =>
        gw
          .sim('tango')
          .inject({ fault: { kind: 'status', status: 200, body: { displayName: 'Who', status: 'ACTIVE' } } }),
    ],
    [
      'a JSON array',
      () => gw.sim('tango').inject({ fault: { kind: 'status', status: 200, body: [{ customerIdentifier: ID }] } }),
    ],
    ['a truncated body', () => gw.sim('tango').inject({ fault: { kind: 'truncated' } })],
    [
      'a body over UPSTREAM_MAX_BODY_BYTES',
      () => gw.sim('tango').inject({ fault: { kind: 'oversized', bytes: 10_000 } }),
    ],
  ];
  test.each(cases)('%s is upstream-invalid-response, not retried', async (_name, inject) => {
    inject();
    const problem = await expectProblem(await gw.lookup('tango', ID), 'upstream-invalid-response');
    expect(problem).toMatchObject({ provider: 'tango', retryable: true });
    expect(upstreamCalls()).toBe(1);
  });

  test('another customer’s data never shows under the requested id', async () => {
    gw.sim('tango').inject({
      fault: {
        kind: 'status',
        status: 200,
        body: { customerIdentifier: 'acme-wellness', displayName: 'Acme Wellness' },
      },
    });
    const res = await gw.lookup('tango', ID);
    expect(await res.text()).not.toContain('Acme Wellness');
  });

  test('the id check ignores case, as Tango does', async () => {
    gw.sim('tango').inject({
      fault: {
        kind: 'status',
        status: 200,
        body: { customerIdentifier: 'ZANZIBAR-Health', displayName: 'Zanzibar Health Group', status: 'ACTIVE' },
      },
    });
    const res = await gw.lookup('tango', ID);
    expect(res.status).toBe(200);
  });
});
