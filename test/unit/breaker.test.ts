/**
 * The circuit breaker's state machine, as a table: from a state, an event leads to a state (and, for `admit`, to an
 * admission or a refusal). Time is a controlled clock; the end-to-end behaviour against a simulator is in
 * test/resilience/breaker.test.ts.
 */
import { pino } from 'pino';
import { CircuitBreaker, type Admission, type BreakerSettings, type BreakerState } from '../../src/core/breaker.js';
import { GatewayError } from '../../src/core/problems.js';
import { ManualClock } from '../support/manual-clock.js';

const SETTINGS: BreakerSettings = { consecutiveFailures: 3, halfOpenAfterMs: 1000, failureRatio: 0, windowMs: 10_000 };

function breaker(settings: Partial<BreakerSettings> = {}) {
  const clock = new ManualClock();
  const transitions: BreakerState[] = [];
  const circuit = new CircuitBreaker(
    'unit',
    { ...SETTINGS, ...settings },
    clock,
    pino({ level: 'silent' }),
    (_provider, state) => transitions.push(state),
  );
  return { circuit, clock, transitions };
}

/** Admits one attempt and records its outcome. */
function attempt(circuit: CircuitBreaker, outcome: 'healthy' | 'unwell' | 'not-sent', key?: string): Admission {
  const admission = circuit.admit();
  circuit.record(
    admission,
    outcome,
    outcome === 'unwell' ? 'upstream-error' : undefined,
    key ? { key, lookup: {} } : undefined,
  );
  return admission;
}

/** Opens the circuit with three failures of three different keys. */
function open(circuit: CircuitBreaker): void {
  for (const key of ['a', 'b', 'c']) attempt(circuit, 'unwell', key);
}

function refusal(circuit: CircuitBreaker): unknown {
  try {
    circuit.admit();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('transitions', () => {
  test.each([
    ['closed', 'healthy answers', 'closed', (c: CircuitBreaker) => attempt(c, 'healthy')],
    [
      'closed',
      'two failures (threshold 3)',
      'closed',
      (c: CircuitBreaker) => ['a', 'b'].forEach((k) => attempt(c, 'unwell', k)),
    ],
    ['closed', 'three failures in a row', 'open', open],
    [
      'closed',
      'two failures, a healthy answer, two failures (the count starts again)',
      'closed',
      (c: CircuitBreaker) => {
        ['a', 'b'].forEach((k) => attempt(c, 'unwell', k));
        attempt(c, 'healthy');
        ['c', 'd'].forEach((k) => attempt(c, 'unwell', k));
      },
    ],
    [
      'closed',
      'refusals by the gateway’s own gates (nothing sent)',
      'closed',
      (c: CircuitBreaker) => [1, 2, 3, 4].forEach(() => attempt(c, 'not-sent')),
    ],
  ] as const)('%s + %s → %s', (_from, _event, to, act) => {
    const { circuit } = breaker();
    act(circuit);
    expect(circuit.state).toBe(to);
  });

  test('open: refused with Retry-After until the half-open wait has passed, then one probe goes', async () => {
    const { circuit, clock } = breaker();
    open(circuit);
    expect(refusal(circuit)).toMatchObject({
      code: 'provider-unavailable',
      retryAfterSeconds: 1,
    });
    await clock.advance(999);
    expect(refusal(circuit)).toBeInstanceOf(GatewayError);
    await clock.advance(1);
    expect(circuit.admit()).toEqual({ probe: true });
    expect(circuit.state).toBe('half-open');
  });

  test.each([
    ['a healthy probe', 'healthy', 'closed'],
    ['a failed probe', 'unwell', 'open'],
    ['a probe the quota refused (nothing sent)', 'not-sent', 'open'],
  ] as const)('half-open + %s → %s', async (_event, outcome, to) => {
    const { circuit, clock } = breaker();
    open(circuit);
    await clock.advance(1000);
    const probe = circuit.admit();
    // While the probe is out, every other attempt is refused at once.
    expect(refusal(circuit)).toMatchObject({ code: 'provider-unavailable', retryAfterSeconds: 1 });
    circuit.record(probe, outcome);
    expect(circuit.state).toBe(to);
    // Opened again: a whole half-open wait before the next probe.
    if (to === 'open') expect(refusal(circuit)).toMatchObject({ retryAfterSeconds: 1 });
  });

  test('each transition is announced once, in order', async () => {
    const { circuit, clock, transitions } = breaker();
    open(circuit);
    await clock.advance(1000);
    circuit.record(circuit.admit(), 'healthy');
    expect(transitions).toEqual(['open', 'half-open', 'closed']);
  });

  test('an attempt admitted before the circuit opened and ending after it changes nothing', () => {
    const { circuit } = breaker();
    const late = circuit.admit();
    open(circuit);
    circuit.record(late, 'healthy');
    expect(circuit.state).toBe('open');
  });
});

describe('one bad record stays one bad record', () => {
  test('one key’s failures count once per window beyond its own lookup: other lookups of it count nothing', () => {
    const { circuit } = breaker();
    for (let i = 0; i < 10; i += 1) attempt(circuit, 'unwell', 'always-failing');
    expect(circuit.state).toBe('closed');
  });

  test('one lookup’s retries count, but never up to the threshold on their own', () => {
    const { circuit } = breaker();
    const lookup = {};
    for (let i = 0; i < 5; i += 1) circuit.record(circuit.admit(), 'unwell', 'upstream-error', { key: 'k', lookup });
    expect(circuit.state).toBe('closed');
    attempt(circuit, 'unwell', 'other');
    expect(circuit.state).toBe('open');
  });

  test('the key counts again once its window has passed', async () => {
    const { circuit, clock } = breaker();
    attempt(circuit, 'unwell', 'k');
    attempt(circuit, 'unwell', 'k');
    await clock.advance(10_001);
    attempt(circuit, 'unwell', 'k');
    attempt(circuit, 'unwell', 'other');
    expect(circuit.state).toBe('open');
  });
});

describe('failure ratio', () => {
  test('more than half of the calls over the window failing opens it, though no run of failures is long', () => {
    // A 10 s window at 0.5 needs 100 calls before it judges (five failures a second's worth).
    const { circuit } = breaker({ consecutiveFailures: 1000, failureRatio: 0.5 });
    const outcomes = Array.from({ length: 200 }, (_, i) => ['unwell', 'healthy', 'unwell'][i % 3] ?? 'healthy');
    let calls = 0;
    for (const outcome of outcomes) {
      if (circuit.state !== 'closed') break;
      calls += 1;
      attempt(circuit, outcome as 'healthy' | 'unwell', `k${calls}`);
    }
    expect(circuit.state).toBe('open');
    expect(calls).toBeLessThan(outcomes.length);
  });

  test('a quiet provider is not judged on a handful of calls', () => {
    const { circuit } = breaker({ consecutiveFailures: 1000, failureRatio: 0.5 });
    for (let i = 0; i < 20; i += 1) attempt(circuit, 'unwell', `k${i}`);
    expect(circuit.state).toBe('closed');
  });

  test('failures older than the window no longer count', async () => {
    const { circuit, clock } = breaker({ consecutiveFailures: 1000, failureRatio: 0.5 });
    for (let i = 0; i < 90; i += 1) attempt(circuit, i % 3 === 2 ? 'healthy' : 'unwell', `k${i}`);
    await clock.advance(10_000);
    for (let i = 0; i < 90; i += 1) attempt(circuit, i % 3 === 0 ? 'unwell' : 'healthy', `n${i}`);
    expect(circuit.state).toBe('closed');
  });
});
