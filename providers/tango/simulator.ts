/**
 * A stand-in for Tango Card RaaS v2 (shared/providers/tango.md): Basic or OAuth bearer auth, ErrorInfo and
 * ErrorDTO error bodies, `X-REQUEST-ID` on every answer, Tango's 1 request per second, seeded customers.
 */
import { randomUUID } from 'node:crypto';
import {
  basicCredentials,
  bearerToken,
  Simulator,
  type SimRequest,
  type SimResponse,
  type SimulatorOptions,
} from '../../src/core/simulator.js';
import { TANGO_LINKED_SEEDS } from './linked-seeds.js';
import type { TangoAccount, TangoCustomer, TangoErrorDTO, TangoErrorInfo } from './schema.js';

export const TANGO_SIM_PLATFORM = 'customer-gateway-sandbox';
export const TANGO_SIM_KEY = 'sandbox-raas-key';
const BASE_PATH = '/raas/v2';
const OAUTH_CLIENT = { id: 'sandbox-client', secret: 'sandbox-client-secret' };

/** Seeded customers with their accounts (balances only show on the accounts endpoint, as at Tango). */
const CUSTOMERS: (TangoCustomer & { accounts: TangoAccount[] } & Record<string, unknown>)[] = [
  {
    customerIdentifier: 'zanzibar-health',
    displayName: 'Zanzibar Health Group',
    status: 'ACTIVE',
    createdAt: '2024-03-11T19:30:55.706Z',
    accounts: [
      {
        accountIdentifier: 'zanzibar-main',
        accountNumber: 'A51721736',
        displayName: 'Main budget',
        createdAt: '2024-03-11T19:30:55.706Z',
        status: 'ACTIVE',
        currencyCode: 'USD',
        currentBalance: 1250.5,
        contactEmail: 'finance@zanzibar.example',
      },
      {
        accountIdentifier: 'zanzibar-eu',
        accountNumber: 'A51721737',
        displayName: 'EU rewards',
        createdAt: '2024-05-02T08:00:00.000Z',
        status: 'FROZEN',
        currencyCode: 'EUR',
        currentBalance: 0,
      },
    ],
  },
  {
    customerIdentifier: 'acme-wellness',
    displayName: 'Acme Wellness',
    status: 'active',
    createdAt: '2023-11-20T10:15:00.000Z',
    accounts: [
      {
        accountIdentifier: 'acme-rewards',
        accountNumber: 'A10000001',
        displayName: 'Acme rewards',
        createdAt: '2023-11-20T10:16:00.000Z',
        status: 'ACTIVE',
        currencyCode: 'USD',
        currentBalance: 5000,
      },
    ],
  },
  {
    // Every account status Tango documents, on an inactive customer.
    customerIdentifier: 'dormant-holdings',
    displayName: 'Dormant Holdings',
    status: 'INACTIVE',
    createdAt: '2020-01-01T00:00:00Z',
    accounts: [
      {
        accountIdentifier: 'dormant-a',
        accountNumber: 'A20000001',
        displayName: 'Old budget',
        createdAt: '2020-01-01T00:00:00Z',
        status: 'INACTIVE',
        currencyCode: 'CAD',
        currentBalance: 0,
      },
      {
        accountIdentifier: 'dormant-b',
        accountNumber: 'A20000002',
        displayName: 'Paused budget',
        createdAt: '2020-01-02T00:00:00Z',
        status: 'DISABLED',
        currencyCode: 'GBP',
        currentBalance: 12,
      },
      {
        accountIdentifier: 'dormant-c',
        accountNumber: 'A20000003',
        displayName: 'Closed budget',
        createdAt: '2020-01-03T00:00:00Z',
        status: 'DELETED',
        currencyCode: 'AUD',
        currentBalance: 0,
      },
    ],
  },
  {
    // Edge cases: an unmapped status, an empty name, an unparseable date, fields Tango may add later.
    customerIdentifier: 'edge-case-co',
    displayName: '',
    status: 'ARCHIVED',
    createdAt: 'not-a-date',
    region: 'EU',
    accounts: [
      {
        accountIdentifier: 'edge-a',
        accountNumber: 'A30000001',
        displayName: 'Edge',
        createdAt: '2022-02-02T02:02:02Z',
        status: 'UNDER_REVIEW',
        currencyCode: 'PLN',
        currentBalance: 1,
      },
    ],
  },
  {
    customerIdentifier: 'no-accounts-yet',
    displayName: 'No Accounts Yet',
    status: 'ACTIVE',
    createdAt: '2025-06-01T12:00:00Z',
    accounts: [],
  },
  {
    // More accounts than one page of Tango's accounts endpoint holds (at most 200), so balances need two pages.
    customerIdentifier: 'many-budgets-group',
    displayName: 'Many Budgets Group',
    status: 'ACTIVE',
    createdAt: '2025-01-15T09:00:00Z',
    accounts: Array.from({ length: 205 }, (_, i) => ({
      accountIdentifier: `budget-${String(i + 1).padStart(3, '0')}`,
      accountNumber: `A5${String(i + 1).padStart(7, '0')}`,
      displayName: `Budget ${i + 1}`,
      createdAt: '2025-01-15T09:00:00Z',
      status: 'ACTIVE',
      currencyCode: 'USD',
      currentBalance: (i + 1) * 10,
    })),
  },
  {
    customerIdentifier: 'aeroskobing-velvaere',
    displayName: 'Ærøskøbing Velvære ApS — 健康',
    status: 'ACTIVE',
    createdAt: '2024-08-08T08:08:08.808Z',
    accounts: [
      {
        accountIdentifier: 'aero-main',
        accountNumber: 'A40000001',
        displayName: 'Velvære',
        createdAt: '2024-08-08T08:08:08.808Z',
        status: 'ACTIVE',
        currencyCode: 'EUR',
        currentBalance: 99.99,
      },
    ],
  },
  // The companies that are customers of the other providers too (providers/tango/linked-seeds.ts).
  ...TANGO_LINKED_SEEDS,
];

/** Every seeded customer, in the order the list serves them. */
export const TANGO_SEEDS: readonly (TangoCustomer & { accounts: TangoAccount[] })[] = CUSTOMERS;

/** `synthetic-<n>`: a generated customer for every n, so that load tests can read many distinct customers. */
function syntheticCustomer(id: string): (TangoCustomer & { accounts: TangoAccount[] }) | undefined {
  const n = /^synthetic-(\d{1,9})$/.exec(id)?.[1];
  if (n === undefined) return undefined;
  return {
    customerIdentifier: id,
    displayName: `Synthetic Customer ${n}`,
    status: Number(n) % 10 === 0 ? 'INACTIVE' : 'ACTIVE',
    createdAt: new Date(Date.UTC(2024, 0, 1) + Number(n) * 60_000).toISOString(),
    accounts: [
      {
        accountIdentifier: `${id}-main`,
        accountNumber: `S${n.padStart(8, '0')}`,
        displayName: 'Main budget',
        createdAt: '2024-01-01T00:00:00.000Z',
        status: 'ACTIVE',
        currencyCode: 'USD',
        currentBalance: Number(n) % 1000,
      },
    ],
  };
}

const summary = ({ currentBalance: _b, contactEmail: _c, ...account }: TangoAccount) => account;

/**
 * Tango's list paging (`paginate`, `maxResults` 1-200 default 10, `nextCursor`/`prevCursor`): without
 * `paginate=true` the whole list as a plain array, with it the paginated object. Cursors are opaque offsets.
 */
function paged(request: SimRequest, path: string, list: unknown[]): SimResponse {
  if (request.query.get('paginate') !== 'true') return { status: 200, body: list };
  const maxResults = Number(request.query.get('maxResults') ?? '10');
  const cursor = request.query.get('nextCursor') ?? request.query.get('prevCursor');
  const start = cursor === null ? 0 : decodeCursor(cursor);
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 200 || start === undefined) {
    return {
      status: 400,
      body: errorInfo(400, 'Bad Request', path, 'Invalid paging parameters', 'INVALID_PAGINATION'),
    };
  }
  const items = list.slice(start, start + maxResults);
  const end = start + items.length;
  return {
    status: 200,
    body: {
      items,
      maxResults,
      nextCursor: end < list.length ? encodeCursor(end) : null,
      prevCursor: start > 0 ? encodeCursor(Math.max(0, start - maxResults)) : null,
      nextPageAvailable: end < list.length,
      prevPageAvailable: start > 0,
      numberOfElements: items.length,
    },
  };
}

const encodeCursor = (offset: number): string => Buffer.from(`tango-offset:${offset}`).toString('base64url');
function decodeCursor(cursor: string): number | undefined {
  const match = /^tango-offset:(\d{1,6})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export function errorInfo(
  status: number,
  phrase: string,
  path: string,
  message: string,
  i18nKey: string,
): TangoErrorInfo {
  return {
    timestamp: new Date().toISOString(),
    requestId: randomUUID(),
    path,
    httpCode: status,
    httpPhrase: phrase,
    i18nKey,
    message,
    errors: [],
  };
}

function errorDto(message: string, i18nKey: string): TangoErrorDTO {
  return { message, i18nKey, i18nTokenReplacements: [] };
}

export async function tangoSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const tokens = new Set<string>();

  const authorized = (request: SimRequest): boolean => {
    const basic = basicCredentials(request.headers);
    if (basic) return basic.user === TANGO_SIM_PLATFORM && basic.password === TANGO_SIM_KEY;
    const bearer = bearerToken(request.headers);
    return bearer !== undefined && tokens.has(bearer);
  };

  const withRequestId = (answer: SimResponse): SimResponse => ({
    ...answer,
    headers: { 'X-REQUEST-ID': randomUUID(), ...answer.headers },
  });

  const handle = (request: SimRequest): SimResponse => {
    const fullPath = BASE_PATH + request.path;
    if (!authorized(request)) {
      return {
        status: 401,
        body: errorInfo(
          401,
          'Unauthorized',
          fullPath,
          'Full authentication is required to access this resource',
          'UNAUTHORIZED',
        ),
      };
    }
    const accept = request.headers.accept;
    if (accept && !/application\/json|\*\/\*/.test(accept)) {
      return { status: 406, body: errorDto('Accept must be application/json', 'NOT_ACCEPTABLE') };
    }
    if (request.method !== 'GET') return { status: 405, body: errorDto('Method not allowed', 'METHOD_NOT_ALLOWED') };

    const segments = request.path.split('/').filter(Boolean).map(decodeURIComponent);
    if (segments[0] !== 'customers')
      return { status: 404, body: errorInfo(404, 'Not Found', fullPath, 'No resource at this path', 'NOT_FOUND') };
    if (segments.length === 1) {
      const status = request.query.get('status');
      // [INFERRED] Tango does not say how `displayName` matches; the simulator matches a part, ignoring case.
      const name = request.query.get('displayName')?.toLowerCase();
      const list = CUSTOMERS.filter(
        (c) =>
          (!status || c.status?.toUpperCase() === status.toUpperCase()) &&
          (!name || (c.displayName ?? '').toLowerCase().includes(name)),
      ).map(({ accounts, ...c }) => ({ ...c, accounts: accounts.map(summary) }));
      return paged(request, fullPath, list);
    }
    const id = segments[1] ?? '';
    if (!/^[-a-zA-Z0-9]{5,100}$/.test(id)) {
      return {
        status: 400,
        body: errorInfo(
          400,
          'Bad Request',
          fullPath,
          'The customer identifier is not valid',
          'INVALID_CUSTOMER_IDENTIFIER',
        ),
      };
    }
    const customer = CUSTOMERS.find((c) => c.customerIdentifier === id) ?? syntheticCustomer(id);
    if (!customer)
      return {
        status: 404,
        body: errorInfo(404, 'Not Found', fullPath, `Customer ${id} not found`, 'CUSTOMER_NOT_FOUND'),
      };
    if (segments.length === 2) return { status: 200, body: { ...customer, accounts: customer.accounts.map(summary) } };
    if (segments.length === 3 && segments[2] === 'accounts') {
      return paged(request, fullPath, customer.accounts);
    }
    return { status: 404, body: errorInfo(404, 'Not Found', fullPath, 'No resource at this path', 'NOT_FOUND') };
  };

  // Tango's OAuth host (auth.tangocard.com/oauth/token), served on the same port; token errors are text/plain.
  const handleOther = (request: SimRequest): SimResponse | undefined => {
    if (request.path !== '/oauth/token' || request.method !== 'POST') return undefined;
    const form = new URLSearchParams(request.body);
    if (form.get('grant_type') !== 'client_credentials' || !form.get('scope') || !form.get('audience')) {
      return { status: 400, headers: { 'Content-Type': 'text/plain' }, body: 'invalid_request' };
    }
    if (form.get('client_id') !== OAUTH_CLIENT.id || form.get('client_secret') !== OAUTH_CLIENT.secret) {
      return { status: 401, headers: { 'Content-Type': 'text/plain' }, body: 'access_denied' };
    }
    const token = `tango-sim-${randomUUID()}`;
    tokens.add(token);
    return {
      status: 200,
      body: { access_token: token, scope: form.get('scope'), expires_in: 86400, token_type: 'Bearer' },
    };
  };

  return Simulator.start(
    {
      name: 'tango',
      basePath: BASE_PATH,
      env: { TANGO_PLATFORM_NAME: TANGO_SIM_PLATFORM, TANGO_PLATFORM_KEY: TANGO_SIM_KEY },
      // Tango's published limit (best practices: 1 TPS).
      rateLimitPerSecond: 1,
      seedIds: CUSTOMERS.map((c) => String(c.customerIdentifier)),
      rateLimited: (request) => ({
        status: 429,
        body: errorInfo(
          429,
          'Too Many Requests',
          BASE_PATH + request.path,
          'Exceeded the allowable TPS rate limit',
          'TOO_MANY_REQUESTS',
        ),
      }),
      handle: (request) => withRequestId(handle(request)),
      handleOther,
    },
    options,
  );
}

/** OAuth client credentials the simulator accepts, for tests of Tango's optional OAuth. */
export const TANGO_SIM_OAUTH = OAUTH_CLIENT;
