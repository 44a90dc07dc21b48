/**
 * A stand-in for Adobe VIP Marketplace (shared/providers/adobe-vip.md): the IMS token endpoint on the same port,
 * Adobe's header checks with its own error bodies (4115, 4116, 4117, 4119, 4120), 404 `1116`, and the
 * idempotency replay: the same `X-Correlation-Id` gets the original answer again, for 10 days.
 */
import { randomUUID } from 'node:crypto';
import {
  bearerToken,
  Simulator,
  SimTokens,
  type SimRequest,
  type SimResponse,
  type SimulatorOptions,
} from '../../src/core/simulator.js';
import { systemClock } from '../../src/core/clock.js';
import type { AdobeError, ImsToken } from './schema.js';
import { ADOBE_SEEDS } from './seeds.js';

export const ADOBE_SIM_CLIENT = {
  id: 'sandbox-adobe-client-id',
  secret: 'sandbox-adobe-client-secret',
  scopes: 'openid,AdobeID,read_organizations',
};
export const IMS_PATH = '/ims/token/v3';
/** Adobe's sample answers `expires_in: 86399` (24 hours). */
const TOKEN_LIFETIME_SECONDS = 86399;
const REPLAY_MS = 10 * 24 * 3600 * 1000;
/** The replay memory is bounded so a long benchmark cannot grow it without end. */
const REPLAY_MAX = 100_000;
/** https://developer.adobe.com/vipmp/docs/customer-account/ ACCOUNT_ID_REGEX */
const CUSTOMER_ID = /^[\p{L}\d-]{4,40}$/u;

export const adobeError = (code: string, message: string): AdobeError => ({ code, message });

const fail = (status: number, code: string, message: string): SimResponse => ({
  status,
  body: adobeError(code, message),
});

/** The reseller whose customers the seeds are; the sandbox lists them (`ADOBE_VIP_RESELLER_ID`). */
export const ADOBE_SIM_RESELLER_ID = '5556667778';
const LIST_STATUSES = new Set(['1000', '1002', '1004', '1026']);

/**
 * https://developer.adobe.com/vipmp/docs/customer-account/get-customer-list: `limit` 1-50 (default 20),
 * `offset`, `status` (1000, 1002, 1004 or 1026; default 1000), `company-name` with `*` as a wildcard. Each item
 * is a summary of the customer; the array is named `accounts` as in Adobe's example.
 */
function customerList(resellerId: string, query: URLSearchParams): SimResponse {
  if (!ADOBE_SEEDS.some((c) => c.resellerId === resellerId)) return fail(404, '1115', 'Invalid Reseller');
  const limit = Number(query.get('limit') ?? '20');
  const offset = Number(query.get('offset') ?? '0');
  const status = query.get('status') ?? '1000';
  if (
    !Number.isInteger(limit) ||
    limit < 1 ||
    limit > 50 ||
    !Number.isInteger(offset) ||
    offset < 0 ||
    !LIST_STATUSES.has(status)
  ) {
    return {
      status: 400,
      body: { ...adobeError('1117', 'Some Fields are Invalid'), additionalDetails: ['limit', 'offset', 'status'] },
    };
  }
  const pattern = query.get('company-name');
  const name = pattern === null ? undefined : new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 'iu');
  const matching = ADOBE_SEEDS.filter(
    (c) =>
      c.resellerId === resellerId && c.status === status && (!name || name.test(c.companyProfile?.companyName ?? '')),
  );
  const accounts = matching.slice(offset, offset + limit).map((c) => ({
    externalReferenceId: c.externalReferenceId,
    customerId: c.customerId,
    resellerId: c.resellerId,
    status: c.status,
    companyProfile: { companyName: c.companyProfile?.companyName },
    creationDate: c.creationDate,
    links: c.links,
  }));
  return { status: 200, body: { totalCount: matching.length, count: accounts.length, offset, limit, accounts } };
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function adobeVipSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = options.clock ?? systemClock;
  const tokens = new SimTokens(options.tokenLifetimeSeconds ?? TOKEN_LIFETIME_SECONDS, clock);
  /** Correlation id → the original answer (and the request it answered). */
  const replays = new Map<string, { at: number; key: string; answer: SimResponse }>();
  /** Request id → the correlation id it came with. */
  const requestIds = new Map<string, { at: number; correlationId: string }>();

  const remember = <V extends { at: number }>(map: Map<string, V>, key: string, value: V) => {
    map.set(key, value);
    if (map.size > REPLAY_MAX) map.delete(map.keys().next().value as string);
  };
  const recall = <V extends { at: number }>(map: Map<string, V>, key: string): V | undefined => {
    const value = map.get(key);
    if (value && clock.now() - value.at > REPLAY_MS) map.delete(key);
    else return value;
    return undefined;
  };

  const resource = (request: SimRequest): SimResponse => {
    const reseller = /^\/v3\/resellers\/([^/]+)\/customers$/.exec(request.path);
    if (reseller?.[1])
      return request.method === 'GET'
        ? customerList(decodeURIComponent(reseller[1]), request.query)
        : fail(405, '405', 'Method not allowed');
    const match = /^\/v3\/customers\/([^/]+)$/.exec(request.path);
    if (!match?.[1]) return fail(404, '404', 'Resource not found');
    if (request.method !== 'GET') return fail(405, '405', 'Method not allowed');
    const id = decodeURIComponent(match[1]);
    const customer = CUSTOMER_ID.test(id) ? ADOBE_SEEDS.find((c) => c.customerId === id) : undefined;
    return customer ? { status: 200, body: customer } : fail(404, '1116', 'Invalid Customer');
  };

  // Checks in the order Adobe's docs give them: API key, token, then the idempotency headers.
  const handle = (request: SimRequest): SimResponse => {
    const h = request.headers;
    if (h['x-api-key'] !== ADOBE_SIM_CLIENT.id) return fail(403, '4115', 'Api Key is invalid or missing');
    const token = tokens.check(bearerToken(h));
    if (token === 'missing') return fail(403, '4117', 'Authorization token is missing');
    if (token === 'invalid') return fail(401, '4116', 'Authorization token is invalid');
    // [INFERRED] Adobe documents no error for these headers; a missing required field is 1122.
    if (!/application\/json/.test(h.accept ?? '')) return fail(400, '1122', 'Missing required fields: Accept');
    if (!/application\/json/.test(h['content-type'] ?? ''))
      return fail(400, '1122', 'Missing required fields: Content-Type');
    const correlationId = String(h['x-correlation-id'] ?? '');
    if (correlationId.trim() === '') return fail(400, '4119', 'Correlation ID is Invalid or Missing');

    const key = `${request.method} ${request.path}`;
    // A duplicate correlation id gets the original answer; its request id is then not evaluated.
    const replay = recall(replays, correlationId);
    if (replay?.key === key)
      return { ...replay.answer, headers: { ...replay.answer.headers, 'X-Simulator-Replayed': 'true' } };

    const requestId =
      typeof h['x-request-id'] === 'string' && h['x-request-id'] !== '' ? h['x-request-id'] : randomUUID();
    const seen = recall(requestIds, requestId);
    if (seen && seen.correlationId !== correlationId) return fail(400, '4120', 'Duplicate Request ID');
    remember(requestIds, requestId, { at: clock.now(), correlationId });

    const answer = resource(request);
    const withIds = { ...answer, headers: { 'X-Request-Id': requestId, 'X-Correlation-Id': correlationId } };
    remember(replays, correlationId, { at: clock.now(), key, answer: withIds });
    return withIds;
  };

  // IMS: form-encoded client credentials; errors as IMS sends them (`{error, error_description}`).
  const handleOther = (request: SimRequest): SimResponse | undefined => {
    if (request.path !== IMS_PATH) return undefined;
    if (request.method !== 'POST') return { status: 405, body: { error: 'method_not_allowed' } };
    const form = new URLSearchParams(request.body);
    if (form.get('grant_type') !== 'client_credentials')
      return {
        status: 400,
        body: { error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' },
      };
    if (form.get('client_id') !== ADOBE_SIM_CLIENT.id)
      return { status: 400, body: { error: 'invalid_client', error_description: 'invalid client_id parameter' } };
    if (form.get('client_secret') !== ADOBE_SIM_CLIENT.secret)
      return { status: 401, body: { error: 'invalid_client', error_description: 'invalid client_secret parameter' } };
    if (!form.get('scope'))
      return { status: 400, body: { error: 'invalid_scope', error_description: 'scope is missing' } };
    const issued = tokens.issue('adobe-sim-');
    const body: ImsToken = { access_token: issued.token, token_type: 'bearer', expires_in: issued.expiresIn };
    return { status: 200, body };
  };

  return Simulator.start(
    {
      name: 'adobe-vip',
      // ADOBE_VIP_BASE_URL is the host; the API lives under /v3 and IMS beside it.
      basePath: '',
      apiPath: '/v3',
      tokens,
      seedIds: ADOBE_SEEDS.flatMap((c) => (c.customerId === undefined ? [] : [c.customerId])),
      env: {
        ADOBE_VIP_API_KEY: ADOBE_SIM_CLIENT.id,
        ADOBE_VIP_CLIENT_SECRET: ADOBE_SIM_CLIENT.secret,
        ADOBE_VIP_SCOPES: ADOBE_SIM_CLIENT.scopes,
        ADOBE_VIP_TOKEN_URL: `{url}${IMS_PATH}`,
        ADOBE_VIP_RESELLER_ID: ADOBE_SIM_RESELLER_ID,
      },
      // "Currently there is no limiting being done" (Adobe's status codes page); 429 is code 4118.
      rateLimited: () => ({
        status: 429,
        headers: { 'Retry-After': '1' },
        body: adobeError('4118', 'Too many requests'),
      }),
      handle,
      handleOther,
    },
    options,
  );
}
