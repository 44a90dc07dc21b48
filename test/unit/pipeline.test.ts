/**
 * The upstream pipeline's time rules with a controlled clock: one deadline for the whole lookup, the wait before
 * each retry (backoff with jitter, or the upstream's Retry-After instead), and a wait that would end past the
 * deadline never started. The upstream is a real HTTP server on loopback that answers from a script; the waits
 * advance the controlled clock instead of the wall clock, so no test here depends on the machine's speed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { pino } from 'pino';
import { basicAuth, type AuthScheme } from '../../src/core/auth.js';
import { Deadline, type Clock } from '../../src/core/deadline.js';
import { ProviderPipeline, retryWait } from '../../src/core/pipeline.js';
import { GatewayError } from '../../src/core/problems.js';
import type { ProviderAdapter } from '../../src/core/provider.js';

class ControlledClock implements Clock {
  constructor(public at = 1_000_000) {}
  now(): number {
    return this.at;
  }
}

describe('Deadline', () => {
  test('is computed once: the latest start leaves a quarter of the attempt timeout; attempts are cut to it', () => {
    const clock = new ControlledClock();
    const deadline = new Deadline(clock, 8000, 3000);
    expect(deadline.at).toBe(clock.at + 8000);
    expect(deadline.latestStart).toBe(deadline.at - 750);
    expect(deadline.attemptTimeout()).toBe(3000);
    expect(deadline.attemptTimeout(1000)).toBe(2000);
    clock.at += 6500;
    expect(deadline.attemptTimeout()).toBe(1500);
    expect(deadline.endsPast(1499)).toBe(false);
    expect(deadline.endsPast(1500)).toBe(true);
  });
});

describe('retryWait', () => {
  const failure = (retryAfterSeconds?: number) =>
    new GatewayError('upstream-error', { transient: true, retryAfterSeconds });

  test('is 200 ms × 2^n, capped at 2 s, times a jitter factor in [1, 2)', () => {
    expect([0, 1, 2, 3, 4].map((n) => retryWait(failure(), n, () => 0))).toEqual([200, 400, 800, 1600, 2000]);
    expect([0, 1, 2].map((n) => retryWait(failure(), n, () => 0.5))).toEqual([300, 600, 1200]);
    expect(retryWait(failure(), 3, () => 0.99)).toBe(2000);
  });

  test('an upstream Retry-After replaces the backoff (never shortening it)', () => {
    expect(retryWait(failure(5), 0, () => 0)).toBe(5000);
    expect(retryWait(failure(0), 1, () => 0)).toBe(400);
  });
});

describe('ProviderPipeline retries under one deadline', () => {
  /** What the upstream answers, in order; the last one repeats. */
  let script: { status: number; headers?: Record<string, string> }[] = [];
  let requests = 0;
  let server: http.Server;
  let baseUrl: string;

  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      const answer = script[Math.min(requests, script.length - 1)] ?? { status: 200 };
      requests += 1;
      res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
      res.end(JSON.stringify({ id: 'c-1' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    requests = 0;
  });

  const adapter = {
    id: 'unit',
    request: (id: string) => ({ path: `/c/${id}` }),
    customerIdOf: (body: { id?: unknown }) => body.id,
  } as unknown as ProviderAdapter;

  function pipeline(deadlineMs: number, auth: (clock: ControlledClock) => AuthScheme = () => basicAuth('u', 'p')) {
    const clock = new ControlledClock();
    const waits: number[] = [];
    const upstream = new ProviderPipeline(
      adapter,
      {
        baseUrl,
        timeoutMs: 3000,
        deadlineMs,
        retries: 2,
        maxBodyBytes: 10_000,
        rateLimitPerSecond: 0,
        maxConcurrency: 4,
        maxQueue: 4,
        breaker: { consecutiveFailures: 1000, halfOpenAfterMs: 1000, failureRatio: 0, windowMs: 1000 },
      },
      auth(clock),
      axios.create({ proxy: false }),
      pino({ level: 'silent' }),
      {},
      {
        clock,
        random: () => 0.5,
        sleep: (ms) => {
          waits.push(ms);
          clock.at += ms;
          return Promise.resolve();
        },
      },
    );
    return { upstream, waits };
  }
  const caller = { requestId: 'r', callerKey: 'test' };

  test('503, 503, then 200: three attempts, with waits of 300 ms and 600 ms between them', async () => {
    script = [{ status: 503 }, { status: 503 }, { status: 200 }];
    const { upstream, waits } = pipeline(8000);
    const result = await upstream.fetchCustomer('c-1', caller);
    expect(result.attempts).toBe(3);
    expect(waits).toEqual([300, 600]);
  });

  test('a Retry-After that fits in the deadline replaces the backoff', async () => {
    script = [{ status: 429, headers: { 'Retry-After': '3' } }, { status: 200 }];
    const { upstream, waits } = pipeline(8000);
    expect((await upstream.fetchCustomer('c-1', caller)).attempts).toBe(2);
    expect(waits).toEqual([3000]);
  });

  test('a Retry-After ending past the deadline is not waited for: the lookup ends at once, passing it on', async () => {
    script = [{ status: 503, headers: { 'Retry-After': '9' } }];
    const { upstream, waits } = pipeline(8000);
    const error = await upstream.fetchCustomer('c-1', caller).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'upstream-error', upstreamStatus: 503, retryAfterSeconds: 9 });
    expect(requests).toBe(1);
    expect(waits).toEqual([]);
  });

  test('the backoff counts against the same deadline: a second wait ending past it stops the lookup', async () => {
    script = [{ status: 500 }];
    // 300 ms fits in 800; 300 + 600 does not.
    const { upstream, waits } = pipeline(800);
    const error = await upstream.fetchCustomer('c-1', caller).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'upstream-error', upstreamStatus: 500 });
    expect(requests).toBe(2);
    expect(waits).toEqual([300]);
  });

  test('a 400 is never retried', async () => {
    script = [{ status: 400 }];
    const { upstream, waits } = pipeline(8000);
    await expect(upstream.fetchCustomer('c-1', caller)).rejects.toMatchObject({ code: 'invalid-request' });
    expect(requests).toBe(1);
    expect(waits).toEqual([]);
  });

  /** A token scheme whose refresh takes `refreshMs` on the controlled clock. */
  const slowRefresh =
    (refreshMs: number) =>
    (clock: ControlledClock): AuthScheme => ({
      kind: 'oauth2-client-credentials',
      headers: () => Promise.resolve({ Authorization: 'Bearer t' }),
      invalidate: () => {
        clock.at += refreshMs;
        return true;
      },
      state: () => ({}),
    });

  test('a 401 again after the token refresh is upstream-auth-failed', async () => {
    script = [{ status: 401 }];
    const { upstream } = pipeline(8000, slowRefresh(10));
    await expect(upstream.fetchCustomer('c-1', caller)).rejects.toMatchObject({ code: 'upstream-auth-failed' });
    expect(requests).toBe(2);
  });

  test('a 401 whose refresh outlasts the deadline is upstream-timeout: no second refusal', async () => {
    script = [{ status: 401 }, { status: 200 }];
    const { upstream } = pipeline(1000, slowRefresh(1500));
    await expect(upstream.fetchCustomer('c-1', caller)).rejects.toMatchObject({ code: 'upstream-timeout' });
    expect(requests).toBe(1);
  });
});
