/**
 * `GET /openapi.json` describes what the gateway really answers: real answers of every route and of every
 * problem the simulators can provoke are checked against the document (test/support/openapi-check.ts).
 */
import { PROBLEMS } from '../../src/core/problems.js';
import { OpenApiChecker } from '../support/openapi-check.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
let doc: Record<string, unknown>;
let checker: OpenApiChecker;
beforeAll(async () => {
  gw = await startTestGateway({ env: { TANGO_TIMEOUT_MS: '200', TANGO_DEADLINE_MS: '1000', TANGO_RETRIES: '0' } });
  doc = (await (await fetch(`${gw.url}/openapi.json`)).json()) as Record<string, unknown>;
  checker = new OpenApiChecker(doc);
});
afterAll(async () => gw.close());
beforeEach(() => gw.sim('tango').reset());

async function answer(method: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(gw.url + path, { method, headers });
  return { method, status: res.status, headers: res.headers, body: await res.text() };
}

/** Fetches, then checks the answer against the response the document gives for its path and status. */
async function expectDocumented(method: string, path: string, expectedStatus: number, headers: Record<string, string> = {}) {
  const real = await answer(method, path, headers);
  expect(real.status).toBe(expectedStatus);
  const errors = checker.checkAnswer(checker.responseFor(method, path.split('?')[0] ?? path, real.status), real);
  expect(errors).toEqual([]);
  return real;
}

describe('the document', () => {
  test('is OpenAPI 3.1 whose references all resolve', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(checker.checkRefs()).toEqual([]);
  });

  test('describes every route of the design, and every problem code of the table', () => {
    const paths = Object.keys(doc.paths as object);
    for (const route of ['/customers/{provider}/{id}', '/providers', '/healthz', '/readyz', '/metrics', '/openapi.json', '/docs', '/problems/{code}', '/cache/customers/{provider}/{id}', '/console/']) {
      expect(paths).toContain(route);
    }
    const components = doc.components as { responses: Record<string, unknown>; schemas: { Problem: { properties: { type: { enum: string[] } } } } };
    expect(Object.keys(components.responses).sort()).toEqual(Object.keys(PROBLEMS).sort());
    expect(components.schemas.Problem.properties.type.enum).toEqual(Object.keys(PROBLEMS).map((code) => `/problems/${code}`));
  });

  test('carries each provider’s id rule as /providers serves it', async () => {
    const providers = (await (await fetch(`${gw.url}/providers`)).json()) as { data: { id: string; idPattern: string }[] };
    const parameter = checker.resolve({ $ref: '#/components/parameters/customerId' });
    for (const p of providers.data) expect((parameter['x-id-patterns'] as Record<string, string>)[p.id]).toBe(p.idPattern);
  });
});

describe('real answers match the document', () => {
  test('customer lookups: miss, hit, raw, HEAD, 304', async () => {
    const first = await expectDocumented('GET', '/customers/tango/zanzibar-health', 200);
    await expectDocumented('GET', '/customers/tango/zanzibar-health', 200, { 'X-Request-Id': 'doc-check-1' });
    await expectDocumented('GET', '/customers/tango/edge-case-co?include=raw', 200);
    await expectDocumented('HEAD', '/customers/tango/zanzibar-health', 200);
    await expectDocumented('GET', '/customers/tango/zanzibar-health', 304, { 'If-None-Match': first.headers.get('etag') ?? '' });
  });

  test('cache purge: 204, then 404 once nothing is cached', async () => {
    await expectDocumented('GET', '/customers/tango/acme-wellness', 200);
    await expectDocumented('DELETE', '/cache/customers/tango/acme-wellness', 204);
    await expectDocumented('DELETE', '/cache/customers/tango/acme-wellness', 404);
    await expectDocumented('DELETE', '/cache/customers/tango/bad!', 400);
  });

  test('request problems: invalid id, bad query, unknown provider, unknown customer, wrong method', async () => {
    await expectDocumented('GET', '/customers/tango/bad!', 400);
    await expectDocumented('GET', '/customers/tango/zanzibar-health?include=everything', 400);
    await expectDocumented('GET', '/customers/nobody/zanzibar-health', 404);
    await expectDocumented('GET', '/customers/tango/no-such-customer', 404);
    const wrong = await expectDocumented('POST', '/customers/tango/zanzibar-health', 405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
  });

  test('upstream problems: error, invalid response, rate limit, timeout', async () => {
    const sim = gw.sim('tango');
    sim.inject({ fault: { kind: 'status', status: 500 }, times: 1 });
    await expectDocumented('GET', '/customers/tango/acme-wellness', 502);
    sim.inject({ fault: { kind: 'malformed' }, times: 1 });
    await expectDocumented('GET', '/customers/tango/acme-wellness', 502);
    sim.inject({ fault: { kind: 'status', status: 429, headers: { 'Retry-After': '7' } }, times: 1 });
    const limited = await expectDocumented('GET', '/customers/tango/acme-wellness', 503);
    expect(limited.headers.get('retry-after')).toBe('7');
    sim.inject({ fault: { kind: 'hang' }, times: 1 });
    await expectDocumented('GET', '/customers/tango/acme-wellness', 504);
  });

  test('catalog, probes, metrics and docs', async () => {
    await expectDocumented('GET', '/providers', 200);
    await expectDocumented('GET', '/problems/upstream-timeout', 200);
    await expectDocumented('GET', '/problems/no-such-code', 404);
    await expectDocumented('GET', '/healthz', 200);
    await expectDocumented('GET', '/readyz', 200);
    await expectDocumented('GET', '/metrics', 200);
    await expectDocumented('GET', '/openapi.json', 200);
    await expectDocumented('DELETE', '/metrics', 405);
    const page = await expectDocumented('GET', '/docs', 200);
    // Swagger UI from local files only, started by a script file (no inline script, no CDN).
    expect(page.body).not.toMatch(/<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page.body).not.toMatch(/https?:\/\//);
    for (const asset of ['init.js', 'swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png']) await expectDocumented('GET', `/docs/${asset}`, 200);
    await expectDocumented('GET', '/docs/package.json', 404);
  });

  test('a path no route serves is the documented not-found problem', async () => {
    const real = await answer('GET', '/no/such/route');
    expect(real.status).toBe(404);
    expect(checker.checkAnswer(checker.resolve({ $ref: '#/components/responses/not-found' }), real)).toEqual([]);
  });

  test('the checker itself rejects an answer that breaks the document', async () => {
    const real = await answer('GET', '/customers/tango/zanzibar-health');
    const broken = { ...real, body: real.body.replace('"status":"active"', '"status":"enabled"') };
    expect(checker.checkAnswer(checker.responseFor('GET', '/customers/tango/zanzibar-health', 200), broken)).toEqual(['$.data.status: must be equal to one of the allowed values']);
  });
});
