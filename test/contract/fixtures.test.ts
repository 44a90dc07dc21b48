/**
 * Replays every provider's recorded upstream exchanges (`providers/<id>/fixtures/*.json`) through the real
 * gateway: the fixture's upstream answer is injected into the provider's simulator, and the gateway's answer
 * must be the fixture's expected customer or problem. Generic: a provider added to providers/index.ts brings
 * its fixtures folder and is replayed here without a change to this file.
 *
 * Fixture format:
 *   { "name": "…", "request": { "id": "…" },
 *     "upstream": { "status": 200, "body": …, "headers"?: { … } },
 *     "expected": { "status": 200, "customer": { …common model… } }
 *              | { "status": 404, "problem": "customer-not-found", "upstreamStatus"?: 404 },
 *     (and "upstreamCalls"?: how many upstream calls the exchange takes, default 1) }
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { adapters } from '../../providers/index.js';
import { isProblemCode, type ProblemCode } from '../../src/core/problems.js';
import { envPrefix } from '../../src/core/provider.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problems.js';

interface Fixture {
  name: string;
  request: { id: string };
  upstream: { status: number; body?: unknown; headers?: Record<string, string> };
  expected: {
    status: number;
    customer?: Record<string, unknown>;
    problem?: ProblemCode;
    upstreamStatus?: number;
    upstreamCalls?: number;
  };
}

function fixturesOf(providerId: string): [string, Fixture][] {
  const dir = new URL(`../../providers/${providerId}/fixtures/`, import.meta.url);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => [file, JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Fixture]);
}

const cases = adapters.flatMap((adapter) =>
  fixturesOf(adapter.id).map(([file, fixture]) => ({ provider: adapter.id, file, fixture })),
);

let gw: TestGateway;
beforeAll(async () => {
  // One attempt, nothing cached: each fixture's injected answer is exactly what the gateway reads.
  gw = await startTestGateway({
    env: {
      CACHE_TTL_SECONDS: '0',
      CACHE_STALE_IF_ERROR_SECONDS: '0',
      CACHE_NOT_FOUND_TTL_SECONDS: '0',
      ...Object.fromEntries(adapters.map((a) => [`${envPrefix(a.id)}_RETRIES`, '0'])),
    },
  });
});
afterAll(async () => gw.close());

test.each(adapters.map((a) => a.id))('provider %s has contract fixtures', (provider) => {
  expect(fixturesOf(provider).length).toBeGreaterThan(0);
});

test.each(cases.map((c) => [`${c.provider}/${c.file}: ${c.fixture.name}`, c] as const))(
  '%s',
  async (_title, { provider, fixture }) => {
    // The fixture itself must be well-formed, or a typo would silently test nothing.
    expect(typeof fixture.request?.id).toBe('string');
    expect(typeof fixture.upstream?.status).toBe('number');
    expect(fixture.expected.customer === undefined).toBe(fixture.expected.problem !== undefined);
    if (fixture.expected.problem !== undefined) expect(isProblemCode(fixture.expected.problem)).toBe(true);

    const sim = gw.sim(provider);
    sim.reset();
    const { status, body, headers } = fixture.upstream;
    // Only the customer request gets the recorded answer (not a token request on the same simulator).
    sim.inject({ fault: { kind: 'status', status, body, headers }, match: encodeURIComponent(fixture.request.id) });
    const res = await gw.lookup(provider, encodeURIComponent(fixture.request.id), {
      headers: { 'Cache-Control': 'no-cache' },
    });
    // One upstream call, unless the exchange itself is a retry (a 401 earns one retry with a fresh token).
    expect(sim.stats.faults).toBe(fixture.expected.upstreamCalls ?? 1);

    if (fixture.expected.customer) {
      expect(res.status).toBe(fixture.expected.status);
      const answer = (await res.json()) as { data: unknown };
      expect(answer.data).toEqual(fixture.expected.customer);
      return;
    }
    const problemCode = fixture.expected.problem as ProblemCode;
    const problem = await expectProblem(res, problemCode, { cached: problemCode === 'customer-not-found' });
    expect(problem.status).toBe(fixture.expected.status);
    expect(problem.provider).toBe(provider);
    if (fixture.expected.upstreamStatus !== undefined)
      expect(problem.upstreamStatus).toBe(fixture.expected.upstreamStatus);
  },
);
