/**
 * The OpenAPI 3.1 description served at `GET /openapi.json`. Built from the code's own tables where they
 * exist: the problem table (`PROBLEMS`), the registered providers with their id rules, the account and
 * customer status vocabularies. Every operation is one entry of `routes()`: its path, method, parameters,
 * success answers and the problems it may answer; what every operation shares (security, the problems any
 * request can meet, HEAD beside GET) is added here once. A new route is one more entry.
 */
import { idPatternOf, type ProviderAdapter } from '../core/provider.js';
import { PROBLEMS, type ProblemCode } from '../core/problems.js';

type Schema = Record<string, unknown>;

const ref = (kind: 'schemas' | 'parameters' | 'headers' | 'responses', name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});
const nullable = (type: string, extra: Schema = {}): Schema => ({ type: [type, 'null'], ...extra });
const object = (
  properties: Record<string, Schema>,
  required = Object.keys(properties),
  extra: Schema = {},
): Schema => ({
  type: 'object',
  properties,
  required,
  additionalProperties: false,
  ...extra,
});

const PROBLEM_CODES = Object.keys(PROBLEMS) as ProblemCode[];

/** The values `?include=` takes, as the lookup route parses them (the OpenAPI test sends each one). */
const INCLUDE_VALUES = ['raw', 'balances'];

/** Problems any request can meet, whatever its route: a malformed request (or Host, or URL), a bug. */
const ANY_REQUEST: ProblemCode[] = ['invalid-request', 'internal-error'];
/** Problems of the routes that need a caller: its credentials, its grants and its budget. */
const CALLER: ProblemCode[] = ['unauthorized', 'forbidden', 'rate-limited'];
const UPSTREAM: ProblemCode[] = [
  'upstream-auth-failed',
  'upstream-error',
  'upstream-invalid-response',
  'upstream-rate-limited',
  'provider-unavailable',
  'upstream-timeout',
];

/** Search and links when the index (in the fleet's Redis) could not be read: an empty answer says so. */
const INDEX_UNAVAILABLE: Schema = {
  type: 'string',
  enum: ['unavailable'],
  description: 'The search index could not be read (the fleet’s Redis is unreachable): nothing could be found.',
};

/** One operation as the gateway serves it. */
export interface Route {
  path: string;
  method: 'get' | 'post' | 'delete';
  operationId: string;
  tag: 'customers' | 'catalog' | 'operations';
  summary: string;
  description?: string;
  /** Besides `X-Request-Id`, which every operation takes. */
  parameters?: Schema[];
  requestBody?: Schema;
  /** Needs an API key or a bearer token (unless the gateway runs open): the routes under /customers and /cache. */
  caller?: boolean;
  /** Success (and redirect) answers by status. */
  answers: Record<string, Schema>;
  /** The problems this route may answer besides those every request (and every caller route) may. */
  problems?: ProblemCode[];
}

export interface DocumentInput {
  version: string;
  adapters: readonly ProviderAdapter[];
  /** No inbound authentication configured: caller routes also take anonymous requests. */
  open?: boolean;
  /** `/metrics` is served on the operator port (`METRICS_PORT`), not here. */
  operatorPortSeparate?: boolean;
}

export function openApiDocument({
  version,
  adapters,
  open = false,
  operatorPortSeparate = false,
}: DocumentInput): Schema {
  const providerIds = adapters.map((a) => a.id);
  const idPatterns = Object.fromEntries(adapters.map((a) => [a.id, idPatternOf(a.idRule).source]));
  const idTable = adapters
    .map((a) => `- \`${a.id}\` (${a.displayName}): \`${idPatterns[a.id]}\`, e.g. \`${a.exampleId}\``)
    .join('\n');
  const firstExample = adapters[0];
  // Either credential; in open mode also none at all (the empty requirement).
  const callerSecurity = [...(open ? [{}] : []), { apiKey: [] }, { bearer: [] }];

  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of routes(operatorPortSeparate)) {
    const operation = operationOf(route, callerSecurity);
    const path = (paths[route.path] ??= {});
    path[route.method] = operation;
    // Every GET route answers HEAD (express serves it from the GET handler), without the body.
    if (route.method === 'get') {
      path.head = { ...operation, operationId: `${route.operationId}Head`, summary: `${route.summary} (headers only)` };
    }
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'customer-gateway',
      version,
      description:
        'One HTTP API in front of several customer APIs: `GET /customers/{provider}/{id}` answers one customer in ' +
        'one common shape. Every error is an RFC 9457 problem (`application/problem+json`) with `X-Request-Id`; ' +
        'a path no route serves is answered 404 `not-found`, a method a path does not serve 405 ' +
        '`method-not-allowed` with `Allow` (`components.responses`). Paths are case-sensitive and a trailing ' +
        'slash is not an alias. Customer routes need an API key (`X-Api-Key`, or `Authorization: Bearer <key>`) ' +
        'or a JWT bearer token, unless the gateway runs open (sandbox).',
    },
    servers: [{ url: '/', description: 'This gateway.' }],
    tags: [
      { name: 'customers', description: 'Customer lookups and the cache.' },
      { name: 'catalog', description: 'What the gateway can tell about itself.' },
      { name: 'operations', description: 'Probes, metrics and documentation.' },
    ],
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Api-Key',
          description: 'An API key issued to the calling app.',
        },
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A JWT from the issuer the gateway trusts (its JWKS), or an API key sent as a bearer token.',
        },
      },
      parameters: {
        provider: {
          name: 'provider',
          in: 'path',
          required: true,
          description: 'An enabled provider (`GET /providers`).',
          schema: { type: 'string', enum: providerIds },
        },
        customerId: {
          name: 'id',
          in: 'path',
          required: true,
          description: `The provider's customer id; each provider has its own rule:\n${idTable}`,
          schema: { type: 'string', minLength: 1 },
          'x-id-patterns': idPatterns,
          ...(firstExample ? { example: firstExample.exampleId } : {}),
        },
        include: {
          name: 'include',
          in: 'query',
          required: false,
          description:
            'What to add to the answer, as a comma list (`include=raw`); the parameter may also be repeated. ' +
            '`raw` adds the upstream body (masked like `data`); `balances` fills `accounts[].balance` from the ' +
            'provider’s accounts endpoint (providers with the `balances` capability; elsewhere `invalid-request`). ' +
            'An unknown value is `invalid-request`.',
          style: 'form',
          explode: false,
          schema: { type: 'array', items: { type: 'string', enum: INCLUDE_VALUES }, minItems: 1 },
        },
        'If-None-Match': {
          name: 'If-None-Match',
          in: 'header',
          required: false,
          description: 'ETags (weak comparison); `*` matches.',
          schema: { type: 'string' },
        },
        'Cache-Control': {
          name: 'Cache-Control',
          in: 'header',
          required: false,
          description: '`no-cache` skips the fresh cached entry and the negative cache.',
          schema: { type: 'string' },
        },
        'X-Request-Id': {
          name: 'X-Request-Id',
          in: 'header',
          required: false,
          description: 'Echoed when 1-128 characters of `[A-Za-z0-9._-]`; otherwise a new UUID is used.',
          schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' },
        },
        traceparent: {
          name: 'traceparent',
          in: 'header',
          required: false,
          description:
            'W3C Trace Context; its trace id is continued by the gateway and its upstream calls. `tracestate` ' +
            'and `baggage` are not forwarded.',
          schema: { type: 'string' },
        },
      },
      headers: {
        'X-Request-Id': {
          description: 'The request id (the caller’s when well-formed).',
          required: true,
          schema: { type: 'string' },
        },
        'Cache-Status': {
          description: 'RFC 9211, e.g. `customer-gateway; hit; ttl=240`, `customer-gateway; fwd=miss; stored`.',
          schema: { type: 'string' },
        },
        'Cache-Control': {
          description:
            '`private, max-age=N` on customers; `no-store` on errors and on answers with a national id in clear.',
          schema: { type: 'string' },
        },
        ETag: {
          description: 'Strong ETag: the stored entry’s random version, one per view (masked, clear, with `raw`).',
          schema: { type: 'string' },
        },
        'Retry-After': {
          description: 'Seconds to wait before trying again.',
          schema: { type: 'string', pattern: '^\\d+$' },
        },
        Allow: { description: 'The methods the route serves.', schema: { type: 'string' } },
        Vary: {
          description: 'The request headers the answer depends on (`Authorization, X-Api-Key` on caller routes).',
          schema: { type: 'string' },
        },
        RateLimit: {
          description:
            'The caller’s budget (IETF draft-8): `"<policy>"; r=<remaining>; t=<seconds to reset>`. With ' +
            '`Retry-After` on the same answer, `t` names the same point in time.',
          schema: { type: 'string' },
        },
        'RateLimit-Policy': {
          description: 'The caller’s quota (IETF draft-8): `"<policy>"; q=<requests>; w=<window seconds>; pk=:<tag>:`.',
          schema: { type: 'string' },
        },
        'WWW-Authenticate': {
          description: '`Bearer realm="customer-gateway"`, with `error="invalid_token"` when a credential was refused.',
          schema: { type: 'string' },
        },
      },
      responses: Object.fromEntries(PROBLEM_CODES.map((code) => [code, problemResponse([code])])),
      schemas: schemas(providerIds),
    },
  };
}

/** The operation of one route: its parameters, security, and every status it can answer. */
function operationOf(route: Route, callerSecurity: Schema[]): Schema {
  const problems = [...(route.problems ?? []), ...ANY_REQUEST, ...(route.caller ? CALLER : [])];
  const callerHeaders = route.caller
    ? {
        Vary: ref('headers', 'Vary'),
        RateLimit: ref('headers', 'RateLimit'),
        'RateLimit-Policy': ref('headers', 'RateLimit-Policy'),
      }
    : {};
  const answers = Object.fromEntries(
    Object.entries(route.answers).map(([status, answer]) => [
      status,
      {
        ...answer,
        headers: { 'X-Request-Id': ref('headers', 'X-Request-Id'), ...callerHeaders, ...(answer.headers as Schema) },
      },
    ]),
  );
  return {
    tags: [route.tag],
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    parameters: [...(route.parameters ?? []), ref('parameters', 'X-Request-Id')],
    ...(route.requestBody ? { requestBody: route.requestBody } : {}),
    security: route.caller ? callerSecurity : [],
    responses: { ...answers, ...problemResponses(problems), ...PARSER_REFUSALS },
  };
}

/**
 * What node's HTTP parser refuses before any route runs, answered with the `invalid-request` problem type and
 * a status of its own: a request head that takes too long (408) or is too large (431).
 */
const PARSER_REFUSALS: Record<string, Schema> = {
  '408': {
    ...problemResponse(['invalid-request']),
    description: 'The request head did not arrive in time (`invalid-request`); the connection is closed.',
  },
  '431': {
    ...problemResponse(['invalid-request']),
    description: 'The request headers are larger than the gateway accepts (`invalid-request`).',
  },
};

/** Every route the gateway serves, as the OpenAPI document describes it. */
function routes(operatorPortSeparate: boolean): Route[] {
  const json = (description: string, schema: Schema, headers: Schema = {}): Schema => ({
    description,
    headers,
    content: { 'application/json': { schema } },
  });
  const text = (description: string, type: string): Schema => ({
    description,
    content: { [type]: { schema: { type: 'string' } } },
  });
  const redirect = (description: string): Schema => ({
    description,
    headers: { Location: { schema: { type: 'string' } } },
  });
  const customer = [ref('parameters', 'provider'), ref('parameters', 'customerId')];
  const lookupHeaders = {
    'Cache-Status': ref('headers', 'Cache-Status'),
    'Cache-Control': ref('headers', 'Cache-Control'),
    ETag: ref('headers', 'ETag'),
  };
  const asset = (name: string, values?: string[]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string', ...(values ? { enum: values } : {}) },
  });

  return [
    {
      path: '/customers/{provider}/{id}',
      method: 'get',
      operationId: 'getCustomer',
      tag: 'customers',
      summary: 'One customer in the common model',
      description:
        'Looks the customer up at the provider (or answers from the cache) and normalises it. ' +
        '`Cache-Control: no-cache` skips the fresh entry; `If-None-Match` is answered 304.',
      parameters: [
        ...customer,
        ref('parameters', 'include'),
        ref('parameters', 'If-None-Match'),
        ref('parameters', 'Cache-Control'),
        ref('parameters', 'traceparent'),
      ],
      caller: true,
      answers: {
        '200': json('The customer.', ref('schemas', 'CustomerAnswer'), lookupHeaders),
        '304': { description: 'Not modified: `If-None-Match` matched the current ETag.', headers: lookupHeaders },
      },
      problems: ['unknown-provider', 'customer-not-found', ...UPSTREAM],
    },
    {
      path: '/customers/batch',
      method: 'post',
      operationId: 'batchLookup',
      tag: 'customers',
      summary: 'Up to 100 lookups in one request',
      description:
        'Each result, in the request’s order, is what `GET /customers/{provider}/{id}` would answer: ' +
        '`{status: 200, data, meta}` or `{status, problem}`. Duplicates are looked up once; each item counts ' +
        'toward the caller’s rate limit; items unfinished at `BATCH_DEADLINE_MS` are `upstream-timeout`.',
      requestBody: {
        required: true,
        content: { 'application/json': { schema: ref('schemas', 'BatchRequest') } },
      },
      caller: true,
      answers: { '200': json('The results, in order.', ref('schemas', 'BatchAnswer')) },
      problems: ['request-too-large'],
    },
    {
      path: '/customers/search',
      method: 'get',
      operationId: 'searchCustomers',
      tag: 'customers',
      summary: 'Customers across providers by e-mail, phone, organisation number or name',
      description:
        'Exactly one of `email`, `phone`, `orgNumber`, `name`. Answered from the gateway’s blind index without ' +
        'calling an upstream, best first, across the providers the caller may use; each match says what it ' +
        'matched on and when the record was last seen. `meta.coverage` says per provider whether its records come ' +
        'from a crawl or only from lookups so far. Needs the scope `customers:search`.',
      parameters: [
        ...Object.entries({
          email: 'An e-mail address (case and surrounding spaces do not matter).',
          phone:
            'A phone number in any common writing; without a country code, read as `country` ' +
            '(else LINK_DEFAULT_REGION).',
          orgNumber: 'A Norwegian (9 digits, mod 11) or Swedish (10 digits, Luhn) organisation number.',
          name: 'A person’s or company’s name; legal forms (AS, AB, GmbH, Ltd…) and accents do not matter.',
        }).map(([name, description]) => ({
          name,
          in: 'query',
          required: false,
          description,
          schema: { type: 'string', minLength: 1, maxLength: 200 },
        })),
        {
          name: 'country',
          in: 'query',
          required: false,
          description: 'Only records of this country (ISO 3166-1 alpha-2); also the region of a phone without code.',
          schema: { type: 'string', pattern: '^[A-Za-z]{2}$' },
        },
        {
          name: 'provider',
          in: 'query',
          required: false,
          schema: { type: 'string' },
          description: 'Only this provider’s records (an id of `GET /providers`).',
        },
        {
          name: 'limit',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 50, default: 20 },
        },
      ],
      caller: true,
      answers: { '200': json('The matches, best first.', ref('schemas', 'SearchAnswer')) },
    },
    {
      path: '/customers/{provider}/{id}/links',
      method: 'get',
      operationId: 'getCustomerLinks',
      tag: 'customers',
      summary: 'The same customer in the other providers, with the evidence',
      description:
        'Candidates from the blind index, each read through the normal lookup and weighed on both records: ' +
        '`same` (a shared e-mail, phone or organisation number that is not generic, with names that agree; or ' +
        'two different ones shared) or `possible` (a shared one with names that disagree, or similar names in the ' +
        'same country and postal code or city). Evidence names features and field paths, never values. A ' +
        'candidate that could not be read is named in `meta.unavailable`. Needs the scope `customers:search`.',
      parameters: [...customer],
      caller: true,
      answers: { '200': json('The links, best first.', ref('schemas', 'LinksAnswer')) },
      problems: ['unknown-provider', 'customer-not-found', ...UPSTREAM],
    },
    // Before `/customers/{provider}`: a concrete path wins over a template.
    {
      path: '/customers/{provider}',
      method: 'get',
      operationId: 'listCustomers',
      tag: 'customers',
      summary: 'A provider’s customers, a page at a time',
      description:
        'Follow `links.next` until it is null to read every customer of the listing once. The cursor is opaque ' +
        'and bound to the provider and the filters (another provider or other filters: `invalid-request`). ' +
        'Providers without a list (`capabilities` in `GET /providers`) answer `operation-not-supported`.',
      parameters: [
        ref('parameters', 'provider'),
        {
          name: 'limit',
          in: 'query',
          required: false,
          schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        },
        {
          name: 'cursor',
          in: 'query',
          required: false,
          description: 'From `links.next` of the previous page.',
          schema: { type: 'string', minLength: 1 },
        },
        {
          name: 'status',
          in: 'query',
          required: false,
          description: 'The statuses the provider filters on (`listFilters` in `GET /providers`).',
          schema: { type: 'string', enum: ['active', 'pending', 'inactive'] },
        },
        {
          name: 'name',
          in: 'query',
          required: false,
          description: 'Passed to the upstream’s name filter (Adobe: the start of the company name).',
          schema: { type: 'string', minLength: 1, maxLength: 100 },
        },
      ],
      caller: true,
      answers: {
        '200': json('One page.', ref('schemas', 'CustomerPage'), {
          'Cache-Status': ref('headers', 'Cache-Status'),
          'Cache-Control': ref('headers', 'Cache-Control'),
        }),
      },
      problems: ['unknown-provider', 'operation-not-supported', ...UPSTREAM],
    },
    {
      path: '/cache/customers/{provider}/{id}',
      method: 'delete',
      operationId: 'purgeCustomer',
      tag: 'customers',
      summary: 'Drop one cached entry',
      description:
        'Removes the cached customer (or cached not-found answer) so that the next lookup goes upstream. ' +
        'In a fleet (a shared Redis), the shared cache and every replica drop it before the answer. ' +
        'Needs the `cache:purge` scope.',
      parameters: customer,
      caller: true,
      answers: {
        '204': {
          description: 'The entry is gone (in a fleet: from the shared cache, and every replica confirmed it).',
        },
        '202': json(
          'Fleet only, not known to be everywhere yet. Redis unavailable: gone from this replica, the others get ' +
            'the purge once Redis takes it (no `replicas`). Fewer replicas than FLEET_SIZE confirmed: gone from the ' +
            'shared cache; `replicas` says how many of how many; the others drop their copies when they reconnect.',
          object(
            {
              status: { const: 'pending' },
              detail: { type: 'string' },
              replicas: object({
                confirmed: { type: 'integer', minimum: 0 },
                expected: { type: 'integer', minimum: 1 },
              }),
            },
            ['status', 'detail'],
          ),
        ),
      },
      problems: ['unknown-provider', 'not-found'],
    },
    {
      path: '/providers',
      method: 'get',
      operationId: 'listProviders',
      tag: 'catalog',
      summary: 'The enabled providers and their id rules',
      answers: { '200': json('The enabled providers.', ref('schemas', 'ProviderList')) },
    },
    {
      path: '/problems/{code}',
      method: 'get',
      operationId: 'describeProblem',
      tag: 'catalog',
      summary: 'A short human description of one problem type',
      parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string', enum: PROBLEM_CODES } }],
      answers: { '200': json('The problem type.', ref('schemas', 'ProblemType')) },
      problems: ['not-found'],
    },
    {
      path: '/healthz',
      method: 'get',
      operationId: 'liveness',
      tag: 'operations',
      summary: 'Liveness: the process answers',
      answers: { '200': json('Alive.', object({ status: { const: 'ok' } })) },
    },
    {
      path: '/readyz',
      method: 'get',
      operationId: 'readiness',
      tag: 'operations',
      summary: 'Readiness: configuration loaded and each provider’s local state; never calls an upstream',
      description: 'With `METRICS_PORT` set, this port answers the status only; the detail is on the operator port.',
      answers: {
        '200': json('Ready to serve (`degraded`: serving without the fleet’s Redis).', ref('schemas', 'Readiness')),
        '503': json('Shutting down: take this replica out of rotation.', ref('schemas', 'Readiness')),
      },
    },
    ...(operatorPortSeparate
      ? []
      : [
          {
            path: '/metrics',
            method: 'get',
            operationId: 'metrics',
            tag: 'operations',
            summary: 'Prometheus metrics',
            answers: { '200': text('Text exposition format 0.0.4.', 'text/plain') },
          } satisfies Route,
        ]),
    {
      path: '/openapi.json',
      method: 'get',
      operationId: 'openapi',
      tag: 'operations',
      summary: 'This document',
      answers: { '200': json('OpenAPI 3.1.', { type: 'object' }) },
    },
    {
      path: '/docs',
      method: 'get',
      operationId: 'docs',
      tag: 'operations',
      summary: 'A page to read this document',
      answers: { '200': text('HTML (Swagger UI, served from local assets).', 'text/html') },
    },
    {
      path: '/docs/{asset}',
      method: 'get',
      operationId: 'docsAsset',
      tag: 'operations',
      summary: 'The docs page’s own files (Swagger UI from local assets, and its start script)',
      parameters: [asset('asset', ['init.js', 'swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'])],
      answers: {
        '200': {
          description: 'The file.',
          content: {
            'text/javascript': { schema: { type: 'string' } },
            'text/css': { schema: { type: 'string' } },
            'image/png': { schema: { type: 'string' } },
          },
        },
      },
      problems: ['not-found'],
    },
    {
      path: '/console',
      method: 'get',
      operationId: 'console',
      tag: 'operations',
      summary: 'The support console',
      description:
        'Redirects to the console page itself, `/console/` (its asset and API paths are relative to it): HTML, ' +
        'a page for support staff to look customers up (built by `npm run build`; 404 `not-found` when it was ' +
        'not built).',
      answers: { '301': redirect('Redirect to `/console/`.') },
    },
    {
      path: '/console/assets/{asset}',
      method: 'get',
      operationId: 'consoleAsset',
      tag: 'operations',
      summary: 'The console’s content-hashed assets (immutable)',
      parameters: [asset('asset')],
      answers: { '200': { description: 'The asset (script, style sheet or image).' } },
      problems: ['not-found'],
    },
    {
      path: '/',
      method: 'get',
      operationId: 'rootRedirect',
      tag: 'operations',
      summary: 'The support console',
      answers: { '302': redirect('Redirect to `/console/`.') },
    },
  ];
}

/** One response per status, listing every problem code the route may answer with that status. */
function problemResponses(codes: readonly ProblemCode[]): Record<string, Schema> {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set(codes)) {
    const status = PROBLEMS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) => [
        String(status),
        list.length === 1 ? ref('responses', list[0] ?? '') : problemResponse(list),
      ]),
  );
}

function problemResponse(codes: readonly ProblemCode[]): Schema {
  const headers: Record<string, Schema> = {
    'X-Request-Id': ref('headers', 'X-Request-Id'),
    'Cache-Control': ref('headers', 'Cache-Control'),
    // On the routes that need a caller (absent on the others and on node's own refusals).
    Vary: ref('headers', 'Vary'),
    RateLimit: ref('headers', 'RateLimit'),
    'RateLimit-Policy': ref('headers', 'RateLimit-Policy'),
  };
  const statuses = codes.map((code) => PROBLEMS[code].status);
  if (statuses.some((s) => s === 429 || s >= 502)) headers['Retry-After'] = ref('headers', 'Retry-After');
  if (codes.includes('method-not-allowed')) headers.Allow = ref('headers', 'Allow');
  if (codes.includes('unauthorized')) headers['WWW-Authenticate'] = ref('headers', 'WWW-Authenticate');
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
    CustomerAnswer: object(
      {
        data: ref('schemas', 'Customer'),
        raw: { description: 'The upstream body as received (national ids masked like `data`), with `?include=raw`.' },
        meta: ref('schemas', 'Meta'),
      },
      ['data', 'meta'],
    ),
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
        partial: {
          ...object({
            missing: { type: 'array', items: { type: 'string', enum: ['balances'] } },
            problem: { type: 'string', enum: PROBLEM_CODES },
            detail: string,
          }),
          description: '`?include=balances` whose accounts read failed: the customer without balances (200).',
        },
      },
      ['requestId', 'cache', 'fetchedAt', 'ageSeconds'],
    ),
    CustomerPage: object({
      data: { type: 'array', items: ref('schemas', 'Customer') },
      links: object({ next: { type: ['string', 'null'], description: 'Path and query of the next page.' } }),
      meta: object({
        requestId: string,
        cache: { type: 'string', enum: ['hit', 'miss'] },
        fetchedAt: { type: 'string', format: 'date-time' },
        ageSeconds: { type: 'integer', minimum: 0 },
        limit: { type: 'integer', minimum: 1, maximum: 100 },
        count: { type: 'integer', minimum: 0 },
      }),
    }),
    SearchAnswer: object({
      data: {
        type: 'array',
        items: object({
          id: { type: 'string', description: '`{provider}:{providerId}`' },
          provider: { type: 'string', enum: providerIds },
          providerId: string,
          displayName: text,
          type: { type: 'string', enum: ['individual', 'organization', 'unknown'] },
          status: { type: 'string', enum: ['active', 'pending', 'inactive', 'unknown'] },
          matchedOn: { type: 'array', items: { type: 'string', enum: ['email', 'phone', 'orgNumber', 'name'] } },
          score: { type: 'number', minimum: 0, maximum: 1 },
          indexedAt: { type: 'string', format: 'date-time', description: 'When the record was last seen.' },
        }),
      },
      meta: object(
        {
          requestId: string,
          count: { type: 'integer', minimum: 0 },
          index: INDEX_UNAVAILABLE,
          coverage: {
            type: 'object',
            description: 'Per provider the caller may see.',
            additionalProperties: object({
              source: { type: 'string', enum: ['crawl', 'lookups'] },
              records: { type: 'integer', minimum: 0 },
              crawledAt: nullable('string', { format: 'date-time' }),
            }),
          },
        },
        ['requestId', 'count', 'coverage'],
      ),
    }),
    LinksAnswer: object({
      data: object({
        id: string,
        links: {
          type: 'array',
          items: object({
            id: string,
            provider: { type: 'string', enum: providerIds },
            providerId: string,
            displayName: text,
            band: { type: 'string', enum: ['same', 'possible'] },
            score: { type: 'number', minimum: 0, maximum: 1 },
            evidence: {
              type: 'array',
              items: object({
                feature: {
                  type: 'string',
                  enum: ['email', 'phone', 'orgNumber', 'name', 'country', 'city', 'postalCode'],
                },
                agreement: { type: 'string', enum: ['exact', 'similar', 'different', 'generic'] },
                from: { type: 'string', description: 'The field path in the record the link starts from.' },
                to: { type: 'string', description: 'The field path in the linked record.' },
              }),
            },
          }),
        },
      }),
      meta: object(
        {
          requestId: string,
          index: INDEX_UNAVAILABLE,
          unavailable: {
            type: 'array',
            items: object({
              id: string,
              provider: { type: 'string', enum: providerIds },
              providerId: string,
              problem: { type: 'string', enum: PROBLEM_CODES },
            }),
          },
        },
        ['requestId', 'unavailable'],
      ),
    }),
    BatchRequest: object({
      lookups: {
        type: 'array',
        maxItems: 100,
        items: object({
          provider: { type: 'string', minLength: 1 },
          id: { type: 'string', minLength: 1, maxLength: 1024 },
        }),
      },
    }),
    BatchAnswer: object({
      results: {
        type: 'array',
        items: {
          oneOf: [
            object({ status: { const: 200 }, data: ref('schemas', 'Customer'), meta: ref('schemas', 'Meta') }),
            object({ status: { type: 'integer', minimum: 400 }, problem: ref('schemas', 'Problem') }),
          ],
        },
      },
    }),
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
      nationalId: nullable('string', {
        description: 'Masked (all but the last 4 characters are `*`) unless the caller may read PII.',
      }),
      organization: { oneOf: [ref('schemas', 'Organization'), { type: 'null' }] },
      addresses: { type: 'array', items: ref('schemas', 'Address') },
      contacts: { type: 'array', items: ref('schemas', 'Contact') },
      accounts: { type: 'array', items: ref('schemas', 'Account') },
      providerDetails: { type: 'object', description: 'What has no common field; empty where none.' },
    }),
    Organization: object({
      name: text,
      registrationNumber: text,
      marketSegment: text,
      marketSubSegments: { type: 'array', items: string },
    }),
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
        type: {
          type: 'string',
          enum: PROBLEM_CODES.map((code) => `/problems/${code}`),
          description: 'Resolvable: `GET /problems/{code}`.',
        },
        title: string,
        status: {
          type: 'integer',
          enum: [...new Set([...PROBLEM_CODES.map((code) => PROBLEMS[code].status), 408, 431])].sort((a, b) => a - b),
        },
        detail: string,
        instance: {
          type: 'string',
          format: 'uri-reference',
          description: 'The request path, percent-encoded where it held characters a URI may not.',
        },
        requestId: string,
        provider: { type: 'string', description: 'When the path names a known provider.' },
        upstreamStatus: {
          type: 'integer',
          description: 'The status the upstream sent (the envelope’s where it decided).',
        },
        parameter: { type: 'string', description: 'The query parameter an `invalid-request` is about.' },
        retryable: { type: 'boolean', description: 'True for 429, 502, 503 and 504.' },
      },
      ['type', 'title', 'status', 'detail', 'instance', 'requestId', 'retryable'],
    ),
    ProblemType: object({
      type: string,
      code: { type: 'string', enum: PROBLEM_CODES },
      title: string,
      status: { type: 'integer' },
      description: string,
      advice: string,
    }),
    ProviderList: object({
      data: {
        type: 'array',
        items: object({
          id: { type: 'string', enum: providerIds },
          displayName: string,
          idPattern: { type: 'string', description: 'The id rule as a regular-expression source.' },
          idPatternFlags: string,
          exampleId: string,
          capabilities: {
            type: 'array',
            items: { type: 'string', enum: ['lookup', 'list', 'balances'] },
            description: 'What the provider offers: lookups, `GET /customers/{provider}`, `?include=balances`.',
          },
          listFilters: {
            oneOf: [
              object({
                status: { type: 'array', items: { type: 'string', enum: ['active', 'pending', 'inactive'] } },
                name: { type: 'boolean' },
              }),
              { type: 'null' },
            ],
            description: 'The filters the list takes (null without a list).',
          },
        }),
      },
    }),
    Readiness: object(
      {
        status: {
          type: 'string',
          enum: ['ready', 'degraded', 'shutting-down'],
          description: '`degraded` (still 200): the fleet’s Redis is unavailable; this replica serves on its own.',
        },
        config: { const: 'loaded', description: 'Absent on the main port when `METRICS_PORT` serves the detail.' },
        providers: {
          type: 'object',
          description:
            'Per provider: `auth` (the token source’s state, never the token) and, where the provider has them, ' +
            'its breaker and quota state.',
          additionalProperties: { type: 'object', properties: { auth: { type: 'object' } }, required: ['auth'] },
        },
        fleet: {
          type: 'object',
          description:
            'With a shared Redis: `redis` (`up` or `degraded`), `topology` (`single`, `sentinel` or `cluster`), ' +
            'the event subscription, fleet size, encryption, pending purges, and `quotas`: per provider with a ' +
            'quota, its `rate`, the `scheduleRate` the fleet’s schedule runs at (less while replicas may be on ' +
            'their own share) and `ownShare` (this replica is on its own share: Redis unreachable).',
        },
      },
      ['status'],
      { additionalProperties: true },
    ),
  };
}
