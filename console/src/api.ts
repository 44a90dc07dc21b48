/**
 * The gateway's public HTTP API as the console uses it: `GET /providers`, `GET /customers/{provider}/{id}`,
 * `GET /customers/{provider}` (a page of the list), `POST /customers/batch`, `GET /customers/search`,
 * `GET /customers/{provider}/{id}/links` and `GET /problems/{code}`.
 * Every call resolves to an outcome (never throws), so the page can say exactly what
 * happened: an answer, a problem document, an unreadable answer, a network failure or a timeout.
 *
 * No DOM types here: the module runs in jest too, with a fake `fetch`.
 */
import type {
  BatchDocument,
  CustomerDocument,
  CustomerPage,
  LinksDocument,
  Problem,
  ProblemDescription,
  ProviderInfo,
  SearchDocument,
} from './model.js';
import type { SearchTerm } from './search-term.js';

/** What the client passes to fetch: its own type, because Node's `RequestInit` has no `cache`. */
export interface FetchInit {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  cache: 'default' | 'no-store';
  credentials: 'same-origin';
  signal: AbortSignal;
}

export type FetchLike = (url: string, init: FetchInit) => Promise<Response>;

export type ApiOutcome<T> =
  | { kind: 'ok'; status: number; body: T; requestId: string | null }
  | { kind: 'problem'; status: number; problem: Problem; retryAfter: string | null; requestId: string | null }
  /** The gateway (or something in front of it) answered, but not with a body the console understands. */
  | { kind: 'unreadable'; status: number; requestId: string | null }
  | { kind: 'network'; message: string }
  | { kind: 'timeout'; seconds: number }
  /** The page abandoned the request (a newer lookup replaced it); nothing to show. */
  | { kind: 'aborted' };

export interface GatewayClientOptions {
  /** The gateway's root, e.g. `https://gateway.example/`; API paths are resolved against it. */
  baseUrl: string;
  /** The API key of this browser session, or null to call without credentials (sandbox mode). */
  apiKey: () => string | null;
  fetch?: FetchLike;
  /** The console gives up after this long; the gateway's own deadline per provider is shorter. */
  timeoutMs?: number;
}

export interface CustomerRequest {
  /** Adds `?include=raw`: the upstream body beside the common model. */
  raw?: boolean;
  /** Sends `Cache-Control: no-cache`: the gateway skips its cache and asks the provider. */
  noCache?: boolean;
  /** Adds `include=balances`: each account's balance (providers with the `balances` capability). */
  balances?: boolean;
  signal?: AbortSignal;
}

export interface ListRequest {
  limit?: number;
  status?: string;
  name?: string;
  signal?: AbortSignal;
}

const PROBLEM_CODE = /^[a-z0-9-]{1,64}$/;

export class GatewayClient {
  private readonly baseUrl: string;
  private readonly apiKey: () => string | null;
  private readonly fetchImpl: FetchLike;
  private readonly timeoutMs: number;
  private readonly descriptions = new Map<string, Promise<ProblemDescription | null>>();

  constructor(options: GatewayClientOptions) {
    this.baseUrl = options.baseUrl;
    this.apiKey = options.apiKey;
    this.fetchImpl = options.fetch ?? ((url, init) => fetch(url, init));
    this.timeoutMs = options.timeoutMs ?? 20_000;
  }

  /** The URL of a customer lookup, as the page requests it (also shown to users who want to script it). */
  customerUrl(provider: string, id: string, raw = false, balances = false): string {
    const url = new URL(`customers/${pathSegment(provider)}/${pathSegment(id)}`, this.baseUrl);
    const include = [raw ? 'raw' : null, balances ? 'balances' : null].filter((v) => v !== null);
    if (include.length > 0) url.searchParams.set('include', include.join(','));
    return url.href;
  }

  /** The first page of a provider's customers; `nextPage` follows the gateway's own `links.next`. */
  listCustomers(provider: string, options: ListRequest = {}): Promise<ApiOutcome<CustomerPage>> {
    const url = new URL(`customers/${pathSegment(provider)}`, this.baseUrl);
    if (options.limit !== undefined) url.searchParams.set('limit', String(options.limit));
    if (options.status) url.searchParams.set('status', options.status);
    if (options.name) url.searchParams.set('name', options.name);
    return this.page(url.href, options.signal);
  }

  /** The page `links.next` names (a path and query, resolved against the gateway's root). */
  nextPage(next: string, signal?: AbortSignal): Promise<ApiOutcome<CustomerPage>> {
    return this.page(new URL(next.replace(/^\//, ''), this.baseUrl).href, signal);
  }

  /** `POST /customers/batch` with one provider's ids. */
  async batchLookup(
    provider: string,
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<ApiOutcome<BatchDocument>> {
    const body = JSON.stringify({ lookups: ids.map((id) => ({ provider, id })) });
    const outcome = await this.request(
      new URL('customers/batch', this.baseUrl).href,
      { method: 'POST', body, headers: { 'Content-Type': 'application/json' }, cache: 'no-store' },
      signal,
    );
    if (outcome.kind !== 'ok') return outcome;
    const value = outcome.body;
    if (
      !isObject(value) ||
      !Array.isArray(value.results) ||
      !value.results.every((r) => isObject(r) && typeof r.status === 'number')
    ) {
      return { kind: 'unreadable', status: outcome.status, requestId: outcome.requestId };
    }
    return { ...outcome, body: value as unknown as BatchDocument };
  }

  /** `GET /customers/search` by one key. The answer is personal data: the browser's cache never keeps it. */
  async searchCustomers(term: SearchTerm, signal?: AbortSignal): Promise<ApiOutcome<SearchDocument>> {
    const url = new URL('customers/search', this.baseUrl);
    url.searchParams.set(term.key, term.value);
    const outcome = await this.request(url.href, { cache: 'no-store' }, signal);
    if (outcome.kind !== 'ok') return outcome;
    const value = outcome.body;
    if (
      !isObject(value) ||
      !Array.isArray(value.data) ||
      !value.data.every(isRecordRef) ||
      !isObject(value.meta) ||
      !isObject(value.meta.coverage)
    ) {
      return { kind: 'unreadable', status: outcome.status, requestId: outcome.requestId };
    }
    return { ...outcome, body: value as unknown as SearchDocument };
  }

  /** `GET /customers/{provider}/{id}/links`: the same customer in the other providers, with the evidence. */
  async customerLinks(provider: string, id: string, signal?: AbortSignal): Promise<ApiOutcome<LinksDocument>> {
    const url = new URL(`customers/${pathSegment(provider)}/${pathSegment(id)}/links`, this.baseUrl);
    // Like a lookup: the gateway's cache is welcome, the browser's is not (see getCustomer).
    const outcome = await this.request(
      url.href,
      { headers: { 'Cache-Control': 'no-transform' }, cache: 'no-store' },
      signal,
    );
    if (outcome.kind !== 'ok') return outcome;
    const value = outcome.body;
    const data = isObject(value) ? value.data : undefined;
    const meta = isObject(value) ? value.meta : undefined;
    if (
      !isObject(data) ||
      !Array.isArray(data.links) ||
      !data.links.every((link) => isRecordRef(link) && Array.isArray(link.evidence)) ||
      !isObject(meta) ||
      !Array.isArray(meta.unavailable) ||
      !meta.unavailable.every(isRecordRef)
    ) {
      return { kind: 'unreadable', status: outcome.status, requestId: outcome.requestId };
    }
    return { ...outcome, body: value as LinksDocument };
  }

  private async page(url: string, signal?: AbortSignal): Promise<ApiOutcome<CustomerPage>> {
    const outcome = await this.request(
      url,
      { headers: { 'Cache-Control': 'no-transform' }, cache: 'no-store' },
      signal,
    );
    if (outcome.kind !== 'ok') return outcome;
    const value = outcome.body;
    if (!isObject(value) || !Array.isArray(value.data) || !isObject(value.links) || !isObject(value.meta)) {
      return { kind: 'unreadable', status: outcome.status, requestId: outcome.requestId };
    }
    return { ...outcome, body: value as unknown as CustomerPage };
  }

  async listProviders(signal?: AbortSignal): Promise<ApiOutcome<ProviderInfo[]>> {
    const outcome = await this.request(new URL('providers', this.baseUrl).href, {}, signal);
    if (outcome.kind !== 'ok') return outcome;
    const body = outcome.body as { data?: unknown } | null;
    const list = body !== null && typeof body === 'object' && Array.isArray(body.data) ? body.data : null;
    if (!list?.every(isProviderInfo))
      return { kind: 'unreadable', status: outcome.status, requestId: outcome.requestId };
    return { ...outcome, body: list.map(toProviderInfo) };
  }

  async getCustomer(
    provider: string,
    id: string,
    options: CustomerRequest = {},
  ): Promise<ApiOutcome<CustomerDocument>> {
    // The browser's own HTTP cache must stay out of the way: a replayed answer would show the `meta` (cache
    // outcome, age) of an earlier request. `cache: 'no-store'` does that, but browsers then add
    // `Cache-Control: no-cache` unless the request already carries a Cache-Control header, and the gateway
    // reads no-cache as "skip my cache". `no-transform` is the neutral directive that keeps the gateway's cache
    // in play for an ordinary lookup; "Refresh from provider" sends `no-cache` on purpose.
    const headers = { 'Cache-Control': options.noCache ? 'no-cache' : 'no-transform' };
    const outcome = await this.request(
      this.customerUrl(provider, id, options.raw, options.balances),
      { headers, cache: 'no-store' },
      options.signal,
    );
    if (outcome.kind !== 'ok') return outcome;
    if (!isCustomerDocument(outcome.body))
      return { kind: 'unreadable', status: outcome.status, requestId: outcome.requestId };
    return { ...outcome, body: outcome.body };
  }

  /** `GET /problems/{code}`, asked once per code per page; null when the gateway cannot say. */
  describeProblem(code: string): Promise<ProblemDescription | null> {
    if (!PROBLEM_CODE.test(code)) return Promise.resolve(null);
    let pending = this.descriptions.get(code);
    if (!pending) {
      pending = this.request(new URL(`problems/${code}`, this.baseUrl).href, {}).then((outcome) =>
        outcome.kind === 'ok' && isProblemDescription(outcome.body) ? outcome.body : null,
      );
      // A failed description is not remembered: the next problem of that code asks again.
      void pending.then((found) => {
        if (found === null) this.descriptions.delete(code);
      });
      this.descriptions.set(code, pending);
    }
    return pending;
  }

  private async request(
    url: string,
    init: { method?: FetchInit['method']; body?: string; headers?: Record<string, string>; cache?: FetchInit['cache'] },
    signal?: AbortSignal,
  ): Promise<ApiOutcome<unknown>> {
    const headers: Record<string, string> = { Accept: 'application/json, application/problem+json', ...init.headers };
    const key = this.apiKey();
    if (key) headers.Authorization = `Bearer ${key}`;

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const forwardAbort = () => controller.abort();
    if (signal?.aborted) controller.abort();
    signal?.addEventListener('abort', forwardAbort, { once: true });

    try {
      const request: FetchInit = {
        method: init.method ?? 'GET',
        headers,
        cache: init.cache ?? 'default',
        credentials: 'same-origin',
        signal: controller.signal,
      };
      if (init.body !== undefined) request.body = init.body;
      const response = await this.fetchImpl(url, request);
      const requestId = response.headers.get('X-Request-Id');
      const text = await response.text();
      const body = parseJson(text);
      if (response.ok) {
        return body === undefined
          ? { kind: 'unreadable', status: response.status, requestId }
          : { kind: 'ok', status: response.status, body, requestId };
      }
      if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
        return { kind: 'unreadable', status: response.status, requestId };
      }
      const problem = body as Problem;
      return {
        kind: 'problem',
        status: response.status,
        problem,
        retryAfter: response.headers.get('Retry-After'),
        requestId: requestId ?? stringOrNull(problem.requestId),
      };
    } catch (error) {
      if (timedOut) return { kind: 'timeout', seconds: Math.round(this.timeoutMs / 1000) };
      if (signal?.aborted) return { kind: 'aborted' };
      return { kind: 'network', message: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forwardAbort);
    }
  }
}

/**
 * One path segment, percent-encoded. The ids `.` and `..` cannot be sent at all (URL resolution reads them, even
 * percent-encoded, as "this folder" and "the parent folder"); `checkId` refuses them before any request.
 */
export const pathSegment = (value: string): string => encodeURIComponent(value);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const stringOrNull = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function isProviderInfo(value: unknown): value is Record<string, unknown> & { id: string; idPattern: string } {
  return isObject(value) && typeof value.id === 'string' && value.id !== '' && typeof value.idPattern === 'string';
}

function toProviderInfo(value: Record<string, unknown> & { id: string; idPattern: string }): ProviderInfo {
  const info: ProviderInfo = {
    id: value.id,
    displayName: typeof value.displayName === 'string' && value.displayName !== '' ? value.displayName : value.id,
    idPattern: value.idPattern,
    exampleId: typeof value.exampleId === 'string' ? value.exampleId : '',
  };
  if (typeof value.idPatternFlags === 'string') info.idPatternFlags = value.idPatternFlags;
  // Older gateways say nothing of capabilities: lookups only.
  info.capabilities = Array.isArray(value.capabilities)
    ? value.capabilities.filter((c): c is string => typeof c === 'string')
    : ['lookup'];
  const filters = value.listFilters;
  if (isObject(filters)) {
    info.listFilters = {
      status: Array.isArray(filters.status) ? filters.status.filter((s): s is string => typeof s === 'string') : [],
      name: filters.name === true,
    };
  }
  return info;
}

/** A search match, a link or an unavailable candidate: each names a record by provider and provider id. */
function isRecordRef(value: unknown): value is Record<string, unknown> & { provider: string; providerId: string } {
  return isObject(value) && typeof value.provider === 'string' && typeof value.providerId === 'string';
}

function isCustomerDocument(value: unknown): value is CustomerDocument {
  return isObject(value) && isObject(value.data) && isObject(value.meta);
}

function isProblemDescription(value: unknown): value is ProblemDescription {
  return isObject(value) && typeof value.description === 'string';
}
