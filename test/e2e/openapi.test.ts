/**
 * `GET /openapi.json` describes what the gateway really answers: real answers of every route and of every
 * problem the simulators can provoke are checked against the document (test/support/openapi-check.ts), and
 * an outside tool, Redocly's linter with its recommended rules, accepts the document without an error.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROBLEMS } from '../../src/core/problems.js';
import { OpenApiChecker } from '../support/openapi-check.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { keyFile, newApiKey, sha256Hex, withGateway } from '../security/fixtures.js';

let gw: TestGateway;
let doc: Record<string, unknown>;
let checker: OpenApiChecker;
beforeAll(async () => {
  // Long enough for every healthy answer on a loaded machine; the one hang costs 1 s.
  gw = await startTestGateway({ env: { TANGO_TIMEOUT_MS: '1000', TANGO_DEADLINE_MS: '3000', TANGO_RETRIES: '0' } });
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
async function expectDocumented(
  method: string,
  path: string,
  expectedStatus: number,
  headers: Record<string, string> = {},
) {
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
    for (const route of [
      '/customers/{provider}/{id}',
      '/providers',
      '/healthz',
      '/readyz',
      '/metrics',
      '/openapi.json',
      '/docs',
      '/problems/{code}',
      '/cache/customers/{provider}/{id}',
      '/console',
      '/customers/search',
      '/customers/{provider}/{id}/links',
    ]) {
      expect(paths).toContain(route);
    }
    const components = doc.components as {
      responses: Record<string, unknown>;
      schemas: { Problem: { properties: { type: { enum: string[] } } } };
    };
    expect(Object.keys(components.responses).sort()).toEqual(Object.keys(PROBLEMS).sort());
    expect(components.schemas.Problem.properties.type.enum).toEqual(
      Object.keys(PROBLEMS).map((code) => `/problems/${code}`),
    );
  });

  test('carries each provider’s id rule as /providers serves it', async () => {
    const providers = (await (await fetch(`${gw.url}/providers`)).json()) as {
      data: { id: string; idPattern: string }[];
    };
    const parameter = checker.resolve({ $ref: '#/components/parameters/customerId' });
    for (const p of providers.data)
      expect((parameter['x-id-patterns'] as Record<string, string>)[p.id]).toBe(p.idPattern);
  });
});

describe('real answers match the document', () => {
  test('customer lookups: miss, hit, raw, HEAD, 304', async () => {
    const first = await expectDocumented('GET', '/customers/tango/zanzibar-health', 200);
    await expectDocumented('GET', '/customers/tango/zanzibar-health', 200, { 'X-Request-Id': 'doc-check-1' });
    await expectDocumented('GET', '/customers/tango/edge-case-co?include=raw', 200);
    await expectDocumented('HEAD', '/customers/tango/zanzibar-health', 200);
    await expectDocumented('GET', '/customers/tango/zanzibar-health', 304, {
      'If-None-Match': first.headers.get('etag') ?? '',
    });
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
    for (const asset of ['init.js', 'swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'])
      await expectDocumented('GET', `/docs/${asset}`, 200);
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
    expect(checker.checkAnswer(checker.responseFor('GET', '/customers/tango/zanzibar-health', 200), broken)).toEqual([
      '$.data.status: must be equal to one of the allowed values',
    ]);
  });
});

describe('lists, balances and batches match the document', () => {
  test('a list page, a provider without a list, a bad limit, a forged cursor', async () => {
    await expectDocumented('GET', '/customers/tango?limit=2&status=active', 200);
    await expectDocumented('GET', '/customers/adobe-vip?name=Fair', 200);
    await expectDocumented('GET', '/customers/frontpayment', 404);
    await expectDocumented('GET', '/customers/tango?limit=0', 400);
    await expectDocumented('GET', '/customers/tango?cursor=made-up', 400);
  });

  test('balances, whole and partial', async () => {
    await expectDocumented('GET', '/customers/tango/acme-wellness?include=balances', 200);
    gw.sim('tango').inject({ fault: { kind: 'status', status: 503 }, match: '/accounts' });
    const partial = await expectDocumented('GET', '/customers/tango/dormant-holdings?include=balances', 200);
    expect(partial.body).toContain('"partial"');
    await expectDocumented('GET', '/customers/adobe-vip/9876543210?include=balances', 400);
  });

  test('a search, a refused one, links, and links of a customer the provider does not have', async () => {
    await expectDocumented('GET', '/customers/tango/acme-wellness?include=balances', 200);
    await gw.services.linking.feed.settled();
    const found = await expectDocumented('GET', '/customers/search?name=acme%20wellness', 200);
    expect(found.body).toContain('tango:acme-wellness');
    await expectDocumented('GET', '/customers/search?email=nobody', 400);
    await expectDocumented('GET', '/customers/tango/acme-wellness/links', 200);
    await expectDocumented('GET', '/customers/tango/no-such-customer/links', 404);
  });

  test('a batch, a malformed one and one over the size limit', async () => {
    const post = async (body: string, status: number) => {
      const res = await fetch(`${gw.url}/customers/batch`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
      const real = { method: 'POST', status: res.status, headers: res.headers, body: await res.text() };
      expect(real.status).toBe(status);
      expect(checker.checkAnswer(checker.responseFor('POST', '/customers/batch', status), real)).toEqual([]);
    };
    const lookups = [
      { provider: 'tango', id: 'zanzibar-health' },
      { provider: 'tango', id: 'no-such-customer' },
      { provider: 'nobody', id: 'x' },
    ];
    await post(JSON.stringify({ lookups }), 200);
    await post('{"lookups": 3}', 400);
    await post(JSON.stringify({ lookups: [{ provider: 'tango', id: 'x'.repeat(70_000) }] }), 413);
  });
});

describe('what outside tools check', () => {
  type Operation = {
    security?: Record<string, string[]>[];
    responses: Record<string, unknown>;
    parameters?: unknown[];
  };
  const operations = () =>
    Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
    );

  test('redocly lint (recommended rules) finds no error in the served document', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gw-openapi-')), 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    // The linter's own telemetry would try the network, which tests never reach.
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
    const run = await promisify(execFile)('node_modules/.bin/redocly', ['lint', file, '--format=json'], { env }).catch(
      (error: { stdout: string }) => error,
    );
    const report = JSON.parse(run.stdout) as {
      totals: { errors: number };
      problems: { ruleId: string; severity: string }[];
    };
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
  }, 60_000);

  test('caller routes need an API key or a bearer token (or nothing, in open mode); the others are public', () => {
    const schemes = (
      doc.components as {
        securitySchemes: Record<string, { type: string; in?: string; name?: string; scheme?: string }>;
      }
    ).securitySchemes;
    expect(schemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Api-Key' });
    expect(schemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const { path, operation } of operations()) {
      const caller = path.startsWith('/customers') || path.startsWith('/cache');
      // This gateway runs open (sandbox): anonymous requests are one of the accepted alternatives.
      expect([path, operation.security]).toEqual([path, caller ? [{}, { apiKey: [] }, { bearer: [] }] : []]);
      if (caller) expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
    }
  });

  test('every operation declares the refusals any request can meet, and every GET has its HEAD', () => {
    const paths = doc.paths as Record<string, Record<string, Operation>>;
    for (const { path, method, operation } of operations()) {
      expect([path, method, Object.keys(operation.responses)]).toEqual([
        path,
        method,
        expect.arrayContaining(['400', '408', '431', '500']),
      ]);
      if (method === 'get') expect(paths[path]?.head).toBeDefined();
    }
  });

  test('include is declared as parsed: a comma list of known values, each of which the lookup accepts', async () => {
    const include = checker.resolve({ $ref: '#/components/parameters/include' }) as {
      style: string;
      explode: boolean;
      schema: { type: string; items: { enum: string[] } };
    };
    expect(include).toMatchObject({ style: 'form', explode: false, schema: { type: 'array' } });
    const values = include.schema.items.enum;
    await expectDocumented('GET', `/customers/tango/zanzibar-health?include=${values.join(',')}`, 200);
    for (const value of values) await expectDocumented('GET', `/customers/tango/zanzibar-health?include=${value}`, 200);
  });

  test('401, 429 and the caller headers of a gateway with keys match the document', () => {
    const key = newApiKey();
    const keys = keyFile([{ name: 'app', keySha256: [sha256Hex(key)], providers: ['*'], scopes: [] }]);
    return withGateway({ env: { GATEWAY_API_KEYS: keys, GATEWAY_RATE_LIMIT_PER_MINUTE: '2' } }, async (secured) => {
      const securedDoc = (await (await fetch(`${secured.url}/openapi.json`)).json()) as Record<string, unknown>;
      const securedChecker = new OpenApiChecker(securedDoc);
      const check = async (status: number, headers: Record<string, string>) => {
        const res = await fetch(`${secured.url}/customers/tango/zanzibar-health`, { headers });
        const real = { method: 'GET', status: res.status, headers: res.headers, body: await res.text() };
        expect(real.status).toBe(status);
        expect(
          securedChecker.checkAnswer(
            securedChecker.responseFor('GET', '/customers/tango/zanzibar-health', status),
            real,
          ),
        ).toEqual([]);
        return real;
      };
      const refused = await check(401, {});
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      const ok = await check(200, { 'X-Api-Key': key });
      expect(ok.headers.get('ratelimit')).not.toBeNull();
      await check(200, { 'X-Api-Key': key });
      await check(429, { 'X-Api-Key': key });
      // With keys configured, anonymous requests are no longer an alternative.
      const lookup = (securedDoc.paths as Record<string, Record<string, { security: unknown }>>)[
        '/customers/{provider}/{id}'
      ];
      expect(lookup?.get?.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
    });
  });
});
