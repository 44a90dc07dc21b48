/**
 * The upstream path's time rules with a controlled clock: one deadline for the whole lookup, the wait before
 * each retry (backoff with jitter, or the upstream's Retry-After instead), and a wait that would end past the
 * deadline never started. The upstream is a real HTTP server on loopback that answers from a script; the waits
 * advance the controlled clock instead of the wall clock, so no test here depends on the machine's speed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { pino } from 'pino';
import { basicAuth, type AuthScheme } from '../../src/core/auth.js';
import { Deadline } from '../../src/core/deadline.js';
import { GatewayError } from '../../src/core/problems.js';
import type { ProviderAdapter } from '../../src/core/provider.js';
import { retryWait } from '../../src/core/retry.js';
import { ProviderUpstream } from '../../src/core/upstream-path.js';
import { ManualClock } from '../support/manual-clock.js';

/** Sleeps move the clock at once (auto-advance), and are recorded. */
class ControlledClock extends ManualClock {
  readonly waits: number[] = [];
  constructor() {
    super(1_000_000, { autoAdvance: true });
  }
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.waits.push(ms);
    return super.sleep(ms, signal);
  }
  /** Time spent elsewhere (a token refresh). */
  pass(ms: number): void {
    void this.sleep(ms);
    this.waits.pop();
  }
}

describe('Deadline', () => {
  test('is made once: the latest start leaves a quarter of the attempt timeout; no wait past its end', async () => {
    const clock = new ControlledClock();
    const deadline = Deadline.after(clock, 8000);
    expect(deadline.at).toBe(clock.now() + 8000);
    expect(deadline.latestStart(3000)).toBe(deadline.at - 750);
    // A budget shorter than the attempt timeout: a quarter of the budget.
    expect(Deadline.after(clock, 1000).latestStart(3000)).toBe(clock.now() + 750);
    await clock.advance(6500);
    expect(deadline.remaining()).toBe(1500);
    expect(deadline.endsPast(1499)).toBe(false);
    expect(deadline.endsPast(1500)).toBe(true);
  });

  test('its signal aborts when it ends, on the clock it was made with', async () => {
    const clock = new ManualClock();
    const deadline = Deadline.after(clock, 8000);
    const { signal } = deadline;
    await clock.advance(7999);
    expect(signal.aborted).toBe(false);
    await clock.advance(1);
    expect(signal.aborted).toBe(true);
  });

  test('a part within it never ends later than the whole', () => {
    const clock = new ManualClock();
    const batch = Deadline.after(clock, 10_000);
    expect(batch.within(8000).at).toBe(clock.now() + 8000);
    expect(batch.within(12_000)).toBe(batch);
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

describe('ProviderUpstream retries under one deadline', () => {
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
    const upstream = new ProviderUpstream(
      adapter,
      {
        baseUrl,
        timeoutMs: 3000,
        retries: 2,
        maxBodyBytes: 10_000,
        rateLimitPerSecond: 0,
        maxConcurrency: 4,
        maxQueue: 4,
        breaker: { consecutiveFailures: 1000, halfOpenAfterMs: 1000, failureRatio: 0, windowMs: 1000 },
      },
      auth(clock),
      axios.create({ proxy: false }),
      clock,
      pino({ level: 'silent' }),
      {},
      { random: () => 0.5 },
    );
    const caller = { requestId: 'r', callerKey: 'test', deadline: Deadline.after(clock, deadlineMs) };
    return { upstream, waits: clock.waits, caller };
  }

  test('503, 503, then 200: three attempts, with waits of 300 ms and 600 ms between them', async () => {
    script = [{ status: 503 }, { status: 503 }, { status: 200 }];
    const { upstream, waits, caller } = pipeline(8000);
    const result = await upstream.fetchCustomer('c-1', caller);
    expect(result.attempts).toBe(3);
    expect(waits).toEqual([300, 600]);
  });

  test('a Retry-After that fits in the deadline replaces the backoff', async () => {
    script = [{ status: 429, headers: { 'Retry-After': '3' } }, { status: 200 }];
    const { upstream, waits, caller } = pipeline(8000);
    expect((await upstream.fetchCustomer('c-1', caller)).attempts).toBe(2);
    expect(waits).toEqual([3000]);
  });

  test('a Retry-After ending past the deadline is not waited for: the lookup ends at once, passing it on', async () => {
    script = [{ status: 503, headers: { 'Retry-After': '9' } }];
    const { upstream, waits, caller } = pipeline(8000);
    const error = await upstream.fetchCustomer('c-1', caller).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'upstream-error', upstreamStatus: 503, retryAfterSeconds: 9 });
    expect(requests).toBe(1);
    expect(waits).toEqual([]);
  });

  test('the backoff counts against the same deadline: a second wait ending past it stops the lookup', async () => {
    script = [{ status: 500 }];
    // 300 ms fits in 800; 300 + 600 does not.
    const { upstream, waits, caller } = pipeline(800);
    const error = await upstream.fetchCustomer('c-1', caller).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'upstream-error', upstreamStatus: 500 });
    expect(requests).toBe(2);
    expect(waits).toEqual([300]);
  });

  test('a 400 is never retried', async () => {
    script = [{ status: 400 }];
    const { upstream, waits, caller } = pipeline(8000);
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
        clock.pass(refreshMs);
        return true;
      },
      state: () => ({}),
    });

  test('a 401 again after the token refresh is upstream-auth-failed', async () => {
    script = [{ status: 401 }];
    const { upstream, caller } = pipeline(8000, slowRefresh(10));
    await expect(upstream.fetchCustomer('c-1', caller)).rejects.toMatchObject({ code: 'upstream-auth-failed' });
    expect(requests).toBe(2);
  });

  test('a 401 whose refresh outlasts the deadline is upstream-timeout: no second refusal', async () => {
    script = [{ status: 401 }, { status: 200 }];
    const { upstream, caller } = pipeline(1000, slowRefresh(1500));
    await expect(upstream.fetchCustomer('c-1', caller)).rejects.toMatchObject({ code: 'upstream-timeout' });
    expect(requests).toBe(1);
  });
});
