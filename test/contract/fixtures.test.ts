/**
 * Replays every provider's recorded exchanges (`providers/<id>/fixtures/*.json`) through the real gateway: the
 * simulator answers the fixture's upstream status and body (its `status` fault), and the gateway's answer must
 * be the fixture's expected customer or problem. Generic over every provider in `providers/index.ts`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adapters } from '../../providers/index.js';
import { cacheKey } from '../../src/core/cache.js';
import { envPrefix } from '../../src/core/provider.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

interface Fixture {
  name: string;
  request: { id: string };
  upstream: { status: number; body: unknown; headers?: Record<string, string> };
  expected: { status: number; customer?: unknown; problem?: string; upstreamStatus?: number };
}

const root = new URL('../../providers/', import.meta.url).pathname;

const cases = adapters.flatMap((adapter) => {
  const folder = join(root, adapter.id, 'fixtures');
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ provider: adapter.id, file, fixture: JSON.parse(readFileSync(join(folder, file), 'utf8')) as Fixture }));
});

let gw: TestGateway;
beforeAll(async () => {
  // No retries and no upstream quota: each fixture is answered by exactly its recorded exchange.
  const env = Object.fromEntries(adapters.flatMap((a) => [[`${envPrefix(a.id)}_RETRIES`, '0'], [`${envPrefix(a.id)}_RATE_LIMIT_PER_SECOND`, '0']]));
  gw = await startTestGateway({ env: { ...env, LOG_LEVEL: 'warn' } });
});
afterAll(async () => gw.close());

test('the fixtures are well formed: a valid id, and either a customer or a problem expected', () => {
  expect(cases.length).toBeGreaterThan(0);
  for (const { provider, file, fixture } of cases) {
    const adapter = adapters.find((a) => a.id === provider);
    expect({ file, idError: adapter?.idRule.validate(fixture.request.id).error?.message }).toEqual({ file, idError: undefined });
    expect({ file, one: (fixture.expected.customer === undefined) !== (fixture.expected.problem === undefined) }).toEqual({ file, one: true });
  }
});

test.each(cases.map((c) => [`${c.provider}/${c.file}: ${c.fixture.name}`, c] as const))('%s', async (_title, { provider, fixture }) => {
  const sim = gw.sim(provider);
  // Each fixture stands alone: no cached entry of an earlier one (stale-if-error would answer it).
  gw.services.cache.delete(cacheKey(provider, fixture.request.id));
  sim.clearFaults();
  sim.inject({ fault: { kind: 'status', status: fixture.upstream.status, body: fixture.upstream.body, headers: fixture.upstream.headers } });
  try {
    const res = await gw.lookup(provider, encodeURIComponent(fixture.request.id), { headers: { 'Cache-Control': 'no-cache' } });
    const body = (await res.json()) as { data?: unknown; type?: string; upstreamStatus?: number };
    expect(res.status).toBe(fixture.expected.status);
    if (fixture.expected.customer !== undefined) {
      expect(body.data).toEqual(fixture.expected.customer);
    } else {
      expect(body.type).toBe(`/problems/${fixture.expected.problem}`);
      if (fixture.expected.upstreamStatus !== undefined) expect(body.upstreamStatus).toBe(fixture.expected.upstreamStatus);
    }
  } finally {
    sim.clearFaults();
  }
});
