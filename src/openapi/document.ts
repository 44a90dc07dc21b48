/**
 * The OpenAPI 3.1 description served at `GET /openapi.json` (design §4a). Built from the code's own tables
 * where they exist: the problem table (`PROBLEMS`), the registered providers with their id rules, the
 * account and customer status vocabularies. Routes added by later work join the `paths` here.
 */
import { idPatternOf, type ProviderAdapter } from '../core/provider.js';
import { PROBLEMS, type ProblemCode } from '../core/problems.js';

type Schema = Record<string, unknown>;

const ref = (kind: 'schemas' | 'parameters' | 'headers' | 'responses', name: string) => ({ $ref: `#/components/${kind}/${name}` });
const nullable = (type: string, extra: Schema = {}): Schema => ({ type: [type, 'null'], ...extra });
const object = (properties: Record<string, Schema>, required = Object.keys(properties), extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  ...extra,
});

const PROBLEM_CODES = Object.keys(PROBLEMS) as ProblemCode[];

/**
 * Problems any operation may answer; each adds its own. A method a path does not serve cannot be an
 * operation: `method-not-allowed` is described once, in `info` and `components.responses`.
 */
const EVERY_ROUTE: ProblemCode[] = ['rate-limited', 'internal-error'];
const LOOKUP_PROBLEMS: ProblemCode[] = [
  'invalid-request',
  'unauthorized',
  'forbidden',
  'unknown-provider',
  'customer-not-found',
  'upstream-auth-failed',
  'upstream-error',
  'upstream-invalid-response',
  'upstream-rate-limited',
  'provider-unavailable',
  'upstream-timeout',
];

export interface DocumentInput {
  version: string;
  adapters: readonly ProviderAdapter[];
}

export function openApiDocument({ version, adapters }: DocumentInput): Schema {
  const providerIds = adapters.map((a) => a.id);
  const idPatterns = Object.fromEntries(adapters.map((a) => [a.id, idPatternOf(a.idRule).source]));
  const idTable = adapters.map((a) => `- \`${a.id}\` (${a.displayName}): \`${idPatterns[a.id]}\`, e.g. \`${a.exampleId}\``).join('\n');
  const firstExample = adapters[0];

  const customerPathParameters = [ref('parameters', 'provider'), ref('parameters', 'customerId')];
  const lookup = {
    tags: ['customers'],
    summary: 'One customer in the common model',
    description:
      'Looks the customer up at the provider (or answers from the cache) and normalises it. `Cache-Control: no-cache` skips the fresh entry; `If-None-Match` is answered 304.',
    parameters: [...customerPathParameters, ref('parameters', 'include'), ref('parameters', 'If-None-Match'), ref('parameters', 'Cache-Control'), ref('parameters', 'X-Request-Id'), ref('parameters', 'traceparent')],
    responses: {
      '200': {
        description: 'The customer.',
        headers: { 'X-Request-Id': ref('headers', 'X-Request-Id'), 'Cache-Status': ref('headers', 'Cache-Status'), 'Cache-Control': ref('headers', 'Cache-Control'), ETag: ref('headers', 'ETag') },
        content: { 'application/json': { schema: ref('schemas', 'CustomerAnswer') } },
      },
      '304': {
        description: 'Not modified: `If-None-Match` matched the current ETag.',
        headers: { 'X-Request-Id': ref('headers', 'X-Request-Id'), 'Cache-Status': ref('headers', 'Cache-Status'), 'Cache-Control': ref('headers', 'Cache-Control'), ETag: ref('headers', 'ETag') },
      },
      ...problemResponses([...LOOKUP_PROBLEMS, ...EVERY_ROUTE]),
    },
  };

  const json = (description: string, schema: Schema, extra: Schema = {}) => ({ description, ...extra, content: { 'application/json': { schema } } });
  const simpleGet = (tag: string, summary: string, ok: Schema, extra: Schema = {}, problems: ProblemCode[] = []) => ({
    get: { tags: [tag], summary, parameters: [ref('parameters', 'X-Request-Id')], responses: { '200': ok, ...problemResponses([...problems, ...EVERY_ROUTE]) }, ...extra },
  });

  return {
    openapi: '3.1.0',
    info: {
      title: 'customer-gateway',
      version,
      description:
        'One HTTP API in front of several customer APIs: `GET /customers/{provider}/{id}` answers one customer in one common shape. ' +
        'Every error is an RFC 9457 problem (`application/problem+json`); a path no route serves is answered 404 `not-found`, a method a path does not serve 405 `method-not-allowed` with `Allow` ' +
        '(both in `components.responses`). ' +
        'Every answer carries `X-Request-Id`.',
    },
    tags: [
      { name: 'customers', description: 'Customer lookups and the cache.' },
      { name: 'catalog', description: 'What the gateway can tell about itself.' },
      { name: 'operations', description: 'Probes, metrics and documentation.' },
    ],
    paths: {
      '/customers/{provider}/{id}': { get: { ...lookup, operationId: 'getCustomer' }, head: { ...lookup, operationId: 'headCustomer', summary: 'As GET, without the body' } },
      '/cache/customers/{provider}/{id}': {
        delete: {
          tags: ['customers'],
          operationId: 'purgeCustomer',
          summary: 'Drop one cached entry',
          description: 'Removes the cached customer (or cached not-found answer) so that the next lookup goes upstream. Needs the `cache:purge` scope.',
          parameters: [...customerPathParameters, ref('parameters', 'X-Request-Id')],
          responses: {
            '204': { description: 'The entry is gone from this replica’s cache.', headers: { 'X-Request-Id': ref('headers', 'X-Request-Id') } },
            ...problemResponses(['invalid-request', 'unauthorized', 'forbidden', 'unknown-provider', 'not-found', ...EVERY_ROUTE]),
          },
        },
      },
      '/providers': simpleGet('catalog', 'The enabled providers and their id rules', json('The enabled providers.', ref('schemas', 'ProviderList')), { operationId: 'listProviders' }),
      '/problems/{code}': {
        get: {
          tags: ['catalog'],
          operationId: 'describeProblem',
          summary: 'A short human description of one problem type',
          parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string', enum: PROBLEM_CODES } }, ref('parameters', 'X-Request-Id')],
          responses: { '200': json('The problem type.', ref('schemas', 'ProblemType')), ...problemResponses(['not-found', ...EVERY_ROUTE]) },
        },
      },
      '/healthz': simpleGet('operations', 'Liveness: the process answers', json('Alive.', object({ status: { const: 'ok' } })), { operationId: 'liveness' }),
      '/readyz': {
        get: {
          tags: ['operations'],
          operationId: 'readiness',
          summary: 'Readiness: configuration loaded and each provider’s local state; never calls an upstream',
          parameters: [ref('parameters', 'X-Request-Id')],
          responses: {
            '200': json('Ready to serve.', ref('schemas', 'Readiness')),
            '503': json('Shutting down: take this replica out of rotation.', ref('schemas', 'Readiness')),
            ...problemResponses(EVERY_ROUTE),
          },
        },
      },
      '/metrics': simpleGet('operations', 'Prometheus metrics', { description: 'Text exposition format 0.0.4.', content: { 'text/plain': { schema: { type: 'string' } } } }, { operationId: 'metrics' }),
      '/openapi.json': simpleGet('operations', 'This document', json('OpenAPI 3.1.', { type: 'object' }), { operationId: 'openapi' }),
      '/docs': simpleGet('operations', 'A page to read this document', { description: 'HTML (Swagger UI, served from local assets).', content: { 'text/html': { schema: { type: 'string' } } } }, { operationId: 'docs' }),
      '/docs/{asset}': {
        get: {
          tags: ['operations'],
          operationId: 'docsAsset',
          summary: 'The docs page’s own files (Swagger UI from local assets, and its start script)',
          parameters: [{ name: 'asset', in: 'path', required: true, schema: { type: 'string', enum: ['init.js', 'swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'] } }],
          responses: {
            '200': { description: 'The file.', content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } }, 'image/png': { schema: { type: 'string' } } } },
            ...problemResponses(['not-found', ...EVERY_ROUTE]),
          },
        },
      },
      '/console/': simpleGet('operations', 'The support console', { description: 'HTML: the support console, a page for support staff to look customers up (built by `npm run build`; 404 `not-found` when it was not built).', content: { 'text/html': { schema: { type: 'string' } } } }, { operationId: 'console' }, ['not-found']),
      '/console/assets/{asset}': {
        get: {
          tags: ['operations'],
          operationId: 'consoleAsset',
          summary: 'The console’s content-hashed assets (immutable)',
          parameters: [{ name: 'asset', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The asset (script, style sheet or image).' }, ...problemResponses(['not-found', ...EVERY_ROUTE]) },
        },
      },
      '/': {
        get: { tags: ['operations'], operationId: 'rootRedirect', summary: 'The support console', responses: { '302': { description: 'Redirect to `/console/`.', headers: { Location: { schema: { type: 'string' } } } } } },
      },
      '/console': {
        get: { tags: ['operations'], operationId: 'consoleRedirect', summary: 'The support console', responses: { '301': { description: 'Redirect to `/console/`.', headers: { Location: { schema: { type: 'string' } } } } } },
      },
    },
    components: {
      parameters: {
        provider: { name: 'provider', in: 'path', required: true, description: 'An enabled provider (`GET /providers`).', schema: { type: 'string', enum: providerIds } },
        customerId: {
          name: 'id',
          in: 'path',
          required: true,
          description: `The provider's customer id; each provider has its own rule:\n${idTable}`,
          schema: { type: 'string', minLength: 1 },
          'x-id-patterns': idPatterns,
          ...(firstExample ? { example: firstExample.exampleId } : {}),
        },
        include: { name: 'include', in: 'query', required: false, description: 'Comma list; `raw` adds the upstream body (masked like `data`). Unknown values are `invalid-request`.', schema: { type: 'string', enum: ['raw'] } },
        'If-None-Match': { name: 'If-None-Match', in: 'header', required: false, description: 'ETags (weak comparison); `*` matches.', schema: { type: 'string' } },
        'Cache-Control': { name: 'Cache-Control', in: 'header', required: false, description: '`no-cache` skips the fresh cached entry and the negative cache.', schema: { type: 'string' } },
        'X-Request-Id': { name: 'X-Request-Id', in: 'header', required: false, description: 'Echoed when 1-128 characters of `[A-Za-z0-9._-]`; otherwise a new UUID is used.', schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' } },
        traceparent: { name: 'traceparent', in: 'header', required: false, description: 'W3C Trace Context; continued by the gateway and its upstream calls.', schema: { type: 'string' } },
      },
      headers: {
        'X-Request-Id': { description: 'The request id (the caller’s when well-formed).', required: true, schema: { type: 'string' } },
        'Cache-Status': { description: 'RFC 9211, e.g. `customer-gateway; hit; ttl=240`, `customer-gateway; fwd=miss; stored`.', schema: { type: 'string' } },
        'Cache-Control': { description: '`private, max-age=N` on customers; `no-store` on errors.', schema: { type: 'string' } },
        ETag: { description: 'Strong ETag over `data` (and `raw` when included).', schema: { type: 'string' } },
        'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'string', pattern: '^\\d+$' } },
        Allow: { description: 'The methods the route serves.', schema: { type: 'string' } },
      },
      responses: Object.fromEntries(PROBLEM_CODES.map((code) => [code, problemResponse([code])])),
      schemas: schemas(providerIds),
    },
  };
}

/** One response per status, listing every problem code the route may answer with that status. */
function problemResponses(codes: readonly ProblemCode[]): Record<string, Schema> {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set(codes)) {
    const status = PROBLEMS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries([...byStatus].sort(([a], [b]) => a - b).map(([status, list]) => [String(status), list.length === 1 ? ref('responses', list[0] as string) : problemResponse(list)]));
}

function problemResponse(codes: readonly ProblemCode[]): Schema {
  const headers: Record<string, Schema> = { 'X-Request-Id': ref('headers', 'X-Request-Id'), 'Cache-Control': ref('headers', 'Cache-Control') };
  const statuses = codes.map((code) => PROBLEMS[code].status);
  if (statuses.some((s) => s === 429 || s >= 502)) headers['Retry-After'] = ref('headers', 'Retry-After');
  if (codes.includes('method-not-allowed')) headers.Allow = ref('headers', 'Allow');
  return {
    description: codes.map((code) => `\`${code}\`: ${PROBLEMS[code].description}`).join('\n\n'),
    headers,
    content: { 'application/problem+json': { schema: ref('schemas', 'Problem') } },
  };
}

function schemas(providerIds: string[]): Record<string, Schema> {
  const string = { type: 'string' };
  const text = nullable('string');
  return {
    CustomerAnswer: object({ data: ref('schemas', 'Customer'), raw: { description: 'The upstream body as received (national ids masked like `data`), with `?include=raw`.' }, meta: ref('schemas', 'Meta') }, ['data', 'meta']),
    Meta: object(
      {
        requestId: string,
        cache: { type: 'string', enum: ['hit', 'miss', 'stale'] },
        fetchedAt: { type: 'string', format: 'date-time' },
        ageSeconds: { type: 'integer', minimum: 0 },
        cacheBypass: {
          type: 'string',
          enum: ['not-granted'],
          description: 'Cache-Control: no-cache was sent without the scope cache:bypass: answered as a plain lookup.',
        },
      },
      ['requestId', 'cache', 'fetchedAt', 'ageSeconds'],
    ),
    Customer: object({
      id: { type: 'string', description: '`{provider}:{providerId}`' },
      provider: { type: 'string', enum: providerIds },
      providerId: string,
      type: { type: 'string', enum: ['individual', 'organization', 'unknown'] },
      displayName: text,
      status: { type: 'string', enum: ['active', 'pending', 'inactive', 'unknown'] },
      statusReason: text,
      providerStatus: text,
      createdAt: nullable('string', { format: 'date-time' }),
      email: text,
      phone: text,
      preferredLanguage: text,
      nationalId: nullable('string', { description: 'Masked (all but the last 4 characters are `*`) unless the caller may read PII.' }),
      organization: { oneOf: [ref('schemas', 'Organization'), { type: 'null' }] },
      addresses: { type: 'array', items: ref('schemas', 'Address') },
      contacts: { type: 'array', items: ref('schemas', 'Contact') },
      accounts: { type: 'array', items: ref('schemas', 'Account') },
      providerDetails: { type: 'object', description: 'What has no common field; empty where none.' },
    }),
    Organization: object({ name: text, registrationNumber: text, marketSegment: text, marketSubSegments: { type: 'array', items: string } }),
    Address: object({
      type: { type: 'string', enum: ['billing', 'shipping', 'company'] },
      line1: text,
      line2: text,
      city: text,
      region: text,
      postalCode: text,
      country: nullable('string', { description: 'ISO 3166-1 alpha-2, upper case (a 3-letter code passes through).' }),
      phone: text,
    }),
    Contact: object({ firstName: text, lastName: text, email: text, phone: text }),
    Account: object({
      id: text,
      number: text,
      displayName: text,
      status: { type: 'string', enum: ['active', 'inactive', 'suspended', 'closed', 'unknown'] },
      providerStatus: text,
      currency: text,
      balance: nullable('number'),
      contactEmail: text,
      createdAt: nullable('string', { format: 'date-time' }),
    }),
    Problem: object(
      {
        type: { type: 'string', enum: PROBLEM_CODES.map((code) => `/problems/${code}`), description: 'Resolvable: `GET /problems/{code}`.' },
        title: string,
        status: { type: 'integer', enum: [...new Set(PROBLEM_CODES.map((code) => PROBLEMS[code].status))] },
        detail: string,
        instance: { type: 'string', description: 'The request path.' },
        requestId: string,
        provider: { type: 'string', description: 'When the path names a known provider.' },
        upstreamStatus: { type: 'integer', description: 'The status the upstream sent (the envelope’s where it decided).' },
        retryable: { type: 'boolean', description: 'True for 429, 502, 503 and 504.' },
      },
      ['type', 'title', 'status', 'detail', 'instance', 'requestId', 'retryable'],
    ),
    ProblemType: object({ type: string, code: { type: 'string', enum: PROBLEM_CODES }, title: string, status: { type: 'integer' }, description: string, advice: string }),
    ProviderList: object({
      data: {
        type: 'array',
        items: object({
          id: { type: 'string', enum: providerIds },
          displayName: string,
          idPattern: { type: 'string', description: 'The id rule as a regular-expression source.' },
          idPatternFlags: string,
          exampleId: string,
          capabilities: { type: 'array', items: { type: 'string', enum: ['lookup', 'list', 'balances'] }, description: 'What the provider offers: lookups, `GET /customers/{provider}`, `?include=balances`.' },
          listFilters: {
            oneOf: [object({ status: { type: 'array', items: { type: 'string', enum: ['active', 'pending', 'inactive'] } }, name: { type: 'boolean' } }), { type: 'null' }],
            description: 'The filters the list takes (null without a list).',
          },
        }),
      },
    }),
    Readiness: object(
      {
        status: { type: 'string', enum: ['ready', 'shutting-down'] },
        config: { const: 'loaded' },
        providers: {
          type: 'object',
          description: 'Per provider: `auth` (the token source’s state, never the token) and, where the provider has them, its breaker and quota state.',
          additionalProperties: { type: 'object', properties: { auth: { type: 'object' } }, required: ['auth'] },
        },
      },
      ['status', 'config', 'providers'],
      { additionalProperties: true },
    ),
  };
}
