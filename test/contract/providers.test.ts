/**
 * The provider contract, one suite for every adapter: the three registered ones and Acme, a test-only provider
 * (test/fixtures/provider-acme/) that nothing in `src/` or `config/` knows. Each is driven through the real
 * gateway against its own simulator over loopback: found, not found, invalid ids refused before the wire,
 * upstream failures as problems, personal data masked in `data`, `raw` and logs, the catalog.
 */
import { adapters } from '../../providers/index.js';
import { maskValue } from '../../src/core/pii.js';
import { idPatternOf, type ProviderAdapter } from '../../src/core/provider.js';
import { acme } from '../fixtures/provider-acme/adapter.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problems.js';
import { bodyWith, hiddenParts, servePersonalData, valuesAt } from '../support/personal-data.js';
import { newApiKey, readerAndCaseWorker, xApiKey } from '../security/fixtures.js';

const PROVIDERS: readonly ProviderAdapter[] = [...adapters, acme];
const READER_KEY = newApiKey();
const CASE_WORKER_KEY = newApiKey();
const reader = xApiKey(READER_KEY);
const caseWorker = xApiKey(CASE_WORKER_KEY);

/** The common model's fields, written out here so that the suite can disagree with the code. */
const CUSTOMER_FIELDS = [
  'id',
  'provider',
  'providerId',
  'type',
  'displayName',
  'status',
  'statusReason',
  'providerStatus',
  'createdAt',
  'email',
  'phone',
  'preferredLanguage',
  'nationalId',
  'organization',
  'addresses',
  'contacts',
  'accounts',
  'providerDetails',
].sort();

/** Clear values this file served, to look for in the logs at the end. */
const served: string[] = [];

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    adapters: PROVIDERS,
    env: {
      GATEWAY_API_KEYS: readerAndCaseWorker(READER_KEY, CASE_WORKER_KEY),
    },
  });
});
afterAll(async () => gw.close());
afterEach(() => {
  for (const sim of gw.simulators.values()) sim.clearFaults();
});

/** Valid ids the simulator does not know: the example id with its last character changed. */
function unknownIds(adapter: ProviderAdapter, count: number): string[] {
  const seeds = new Set(gw.sim(adapter.id).seedIds);
  const base = adapter.exampleId.slice(0, -1);
  const ids = [...'0123456789abcdefghijklmnopqrstuvwxyz']
    .map((c) => base + c)
    .filter((id) => !seeds.has(id) && id !== adapter.exampleId && !adapter.idRule.validate(id).error);
  if (ids.length < count) throw new Error(`${adapter.id}: no ${count} valid unknown ids near ${adapter.exampleId}`);
  return ids.slice(0, count);
}

const lookup = (adapter: ProviderAdapter, id: string, headers = reader, query?: string) =>
  gw.lookup(adapter.id, encodeURIComponent(id), { headers, ...(query ? { query } : {}) });

describe.each(PROVIDERS.map((adapter) => [adapter.id, adapter] as const))('%s', (_id, adapter) => {
  test('its example id is answered in the common model, from one upstream request, then from the cache', async () => {
    const sim = gw.sim(adapter.id);
    const id = adapter.exampleId;
    const before = sim.log.length;
    const res = await lookup(adapter, id);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: Record<string, unknown>; meta: { cache: string } };
    expect(Object.keys(body.data).sort()).toEqual(CUSTOMER_FIELDS);
    expect(body.data).toMatchObject({ id: `${adapter.id}:${id}`, provider: adapter.id, providerId: id });
    expect(['individual', 'organization', 'unknown']).toContain(body.data.type);
    expect(['active', 'pending', 'inactive', 'unknown']).toContain(body.data.status);
    expect(body.meta.cache).toBe('miss');
    const calls = sim.log.slice(before).filter((entry) => entry.path.endsWith(`/${encodeURIComponent(id)}`));
    expect(calls).toHaveLength(1);

    const again = await lookup(adapter, id);
    expect(((await again.json()) as { meta: { cache: string } }).meta.cache).toBe('hit');
    expect(sim.log.slice(before).filter((entry) => entry.path.endsWith(`/${encodeURIComponent(id)}`))).toHaveLength(1);
  });

  test('a valid id the upstream does not know is customer-not-found', async () => {
    const [id] = unknownIds(adapter, 1);
    const problem = await expectProblem(await lookup(adapter, id ?? ''), 'customer-not-found', { cached: true });
    expect(problem.provider).toBe(adapter.id);
  });

  test.each([
    ['one character', 'x'],
    ['a space and a "!"', 'bad id!'],
    ['125 characters, accented', 'ünïcödé-but-far-too-long-'.repeat(5)],
  ])('an id of %s breaks the id rule: 400 invalid-request, and the upstream is never called', async (_name, id) => {
    expect(adapter.idRule.validate(id.normalize('NFC')).error).toBeDefined();
    const sim = gw.sim(adapter.id);
    const before = sim.stats.apiRequests;
    const problem = await expectProblem(await lookup(adapter, id), 'invalid-request');
    expect(problem.provider).toBe(adapter.id);
    expect(sim.stats.apiRequests).toBe(before);
  });

  test('an upstream 5xx, on every attempt, is a retryable 502 upstream-error', async () => {
    const [, id = ''] = unknownIds(adapter, 2);
    const sim = gw.sim(adapter.id);
    sim.inject({ fault: { kind: 'status', status: 503, body: { message: 'down' } }, match: encodeURIComponent(id) });
    const faultsBefore = sim.stats.faults;
    const problem = await expectProblem(await lookup(adapter, id), 'upstream-error');
    expect(problem).toMatchObject({ provider: adapter.id, upstreamStatus: 503, retryable: true });
    // The first attempt and the retries the provider is configured for.
    const retries = gw.config.providers.find((p) => p.id === adapter.id)?.retries ?? 0;
    expect(sim.stats.faults - faultsBefore).toBe(1 + retries);
  });

  test('a 2xx answer that is not JSON is a 502 upstream-invalid-response, never a customer', async () => {
    const [, , id = ''] = unknownIds(adapter, 3);
    gw.sim(adapter.id).inject({ fault: { kind: 'malformed' }, match: encodeURIComponent(id) });
    const problem = await expectProblem(await lookup(adapter, id), 'upstream-invalid-response');
    expect(problem.provider).toBe(adapter.id);
  });

  const rawPaths = adapter.personalData?.raw ?? [];
  test('personal data at every declared path: masked without pii:read in data and raw, clear with it', async () => {
    if (rawPaths.length === 0) {
      // Nothing declared: the same answer for both callers, and no national id.
      const masked = await (await lookup(adapter, adapter.exampleId, reader, 'include=raw')).json();
      const clear = await (await lookup(adapter, adapter.exampleId, caseWorker, 'include=raw')).json();
      expect((clear as { data: { nationalId: unknown } }).data.nationalId).toBeNull();
      expect((masked as { raw: unknown }).raw).toEqual((clear as { raw: unknown }).raw);
      return;
    }
    for (const path of rawPaths) {
      const value = `${path.length}7391028465${rawPaths.indexOf(path)}`;
      served.push(value);
      const answer = await servePersonalData(gw, adapter, path, value, { reader, caseWorker });
      expect(valuesAt(answer.clear.raw, path).every((v) => v === value)).toBe(true);
      expect(valuesAt(answer.masked.raw, path)).toEqual(valuesAt(answer.clear.raw, path).map(maskValue));
      for (const dataPath of ['nationalId', ...(adapter.personalData?.data ?? [])]) {
        expect(valuesAt(answer.masked.data, dataPath)).toEqual(valuesAt(answer.clear.data, dataPath).map(maskValue));
      }
      for (const hidden of hiddenParts(value)) expect(answer.masked.text).not.toContain(hidden);
      expect(answer.clear.text).toContain(value);
    }
  });

  test('a log line carrying an upstream body has every declared path redacted', () => {
    const body = bodyWith([...rawPaths, ...(adapter.personalData?.data ?? [])], '7391028465000');
    gw.services.logger.info({ body, nationalId: '7391028465001' }, `probe ${adapter.id}`);
    const line =
      gw
        .logText()
        .split('\n')
        .find((l) => l.includes(`"probe ${adapter.id}"`)) ?? '';
    expect(line).toContain('[redacted]');
    expect(line).not.toContain('7391028465');
  });

  test('GET /providers lists it, with an id pattern that accepts its example id', async () => {
    const res = await fetch(`${gw.url}/providers`, { headers: reader });
    const { data } = (await res.json()) as {
      data: { id: string; idPattern: string; idPatternFlags: string; exampleId: string }[];
    };
    const listed = data.find((p) => p.id === adapter.id);
    expect(listed).toMatchObject({ exampleId: adapter.exampleId, idPattern: idPatternOf(adapter.idRule).source });
    expect(new RegExp(listed?.idPattern ?? '$^', listed?.idPatternFlags).test(adapter.exampleId)).toBe(true);
  });
});

test('no log line of the suite holds a served national id or a simulator credential', () => {
  const text = gw.logText();
  expect(text.length).toBeGreaterThan(0);
  expect(served.length).toBeGreaterThan(0);
  const credentials = [...gw.simulators.values()]
    .flatMap((sim) => Object.values(sim.env))
    .filter((v) => !v.includes('://'));
  for (const secret of [...served, ...credentials, READER_KEY, CASE_WORKER_KEY]) expect(text).not.toContain(secret);
});
