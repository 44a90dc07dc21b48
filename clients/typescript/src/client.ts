/**
 * The client: openapi-fetch over the generated `paths`, with one fetch that does what every call needs (the
 * caller's token and request id, revalidation, the advised retries), and helpers that answer the body or throw
 * the failure as a typed error.
 */
import createClient, { type Client } from 'openapi-fetch';
import { withHeaders, type Fetch } from './fetch.js';
import { failureOf } from './problem.js';
import { DEFAULT_RETRY, retrying, type RetryPolicy } from './retry.js';
import { AnswerCache, revalidating } from './revalidation.js';
import type { paths } from './schema.js';
import type {
  BatchLookup,
  BatchResult,
  Customer,
  CustomerAnswer,
  CustomerPage,
  Include,
  LinksAnswer,
  ListQuery,
  ProviderId,
  SearchAnswer,
  SearchQuery,
} from './types.js';

/** The most lookups one `POST /customers/batch` takes; `batch()` sends more as several requests. */
export const BATCH_LIMIT = 100;

export interface GatewayClientOptions {
  /** Where the gateway is, with its path prefix if it has one (`https://api.internal/customer-gateway`). */
  baseUrl: string;
  /**
   * An API key or a JWT, sent as `Authorization: Bearer`. A function is asked before every request, so that a
   * token that renews is always the current one.
   */
  token?: string | (() => string | Promise<string>);
  /**
   * The request id of a call that names none: typically the id of the caller's own request being served, so that
   * one id follows the work through both services' logs. The gateway makes one when none is sent.
   */
  requestId?: () => string | undefined;
  /** Attempts in all and the longest `Retry-After` waited for; `{ attempts: 1 }` turns retries off. */
  retry?: Partial<RetryPolicy>;
  /** How many answers are kept for `If-None-Match` (default 500); 0 keeps none. */
  cacheEntries?: number;
  /** The fetch underneath (default: the global one). */
  fetch?: Fetch;
}

export interface CallOptions {
  /** Sent as `X-Request-Id` (1-128 characters of `[A-Za-z0-9._-]`), on every attempt of this call. */
  requestId?: string;
  signal?: AbortSignal;
}

export interface LookupOptions extends CallOptions {
  include?: Include;
  /** `Cache-Control: no-cache`: read the upstream, not the gateway's cache (needs the scope `cache:bypass`). */
  noCache?: boolean;
}

export interface GatewayClient {
  /** Every route, typed by the generated `paths`, through the same token, request id, revalidation and retries. */
  api: Client<paths>;
  /** One customer in the common model. */
  lookup(provider: ProviderId, id: string, options?: LookupOptions): Promise<CustomerAnswer>;
  /** Any number of lookups, `BATCH_LIMIT` per request, answered item by item in the order asked. */
  batch(lookups: readonly BatchLookup[], options?: CallOptions): Promise<BatchResult[]>;
  /** Customers across providers from the gateway's search index, best first. */
  search(query: SearchQuery, options?: CallOptions): Promise<SearchAnswer>;
  /** The same customer in the other providers, with the evidence for each link. */
  links(provider: ProviderId, id: string, options?: CallOptions): Promise<LinksAnswer>;
  /** A provider's customers a page at a time, following `links.next` until the last page. */
  pages(provider: ProviderId, query?: Omit<ListQuery, 'cursor'>, options?: CallOptions): AsyncGenerator<CustomerPage>;
  /** The same walk, one customer at a time. */
  customers(provider: ProviderId, query?: Omit<ListQuery, 'cursor'>, options?: CallOptions): AsyncGenerator<Customer>;
  /** The answers kept for `If-None-Match`. */
  cache: AnswerCache;
}

export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const cache = new AnswerCache(options.cacheEntries ?? 500);
  const base: Fetch = options.fetch ?? ((request) => globalThis.fetch(request));
  const retried = retrying(base, { ...DEFAULT_RETRY, ...options.retry });
  const revalidated = cache.maxEntries > 0 ? revalidating(retried, cache) : retried;
  const send: Fetch = async (request) => revalidated(withHeaders(request, await callerHeaders(request)));
  const api = createClient<paths>({ baseUrl, fetch: send });

  async function callerHeaders(request: Request): Promise<Record<string, string>> {
    const headers: Record<string, string> = {};
    const { token } = options;
    if (token !== undefined && !request.headers.has('Authorization'))
      headers.Authorization = `Bearer ${typeof token === 'function' ? await token() : token}`;
    const requestId = request.headers.has('X-Request-Id') ? undefined : options.requestId?.();
    if (requestId !== undefined) headers['X-Request-Id'] = requestId;
    return headers;
  }

  /** The body of a success; the failure as a typed error. */
  async function bodyOf<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
    const { data, error, response } = await call;
    if (response.ok && data !== undefined) return data;
    throw failureOf(response, error);
  }

  /** A path the gateway gave (`links.next`), below the base URL as the gateway's own paths are. */
  async function follow<T>(path: string, call: CallOptions): Promise<T> {
    const headers = call.requestId === undefined ? undefined : { 'X-Request-Id': call.requestId };
    const response = await send(new Request(`${baseUrl}${path}`, { headers, signal: call.signal }));
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: reported as it came.
    }
    if (response.ok) return body as T;
    throw failureOf(response, body);
  }

  const header = (call: CallOptions) => (call.requestId === undefined ? {} : { 'X-Request-Id': call.requestId });

  async function* pages(
    provider: ProviderId,
    query: Omit<ListQuery, 'cursor'> = {},
    call: CallOptions = {},
  ): AsyncGenerator<CustomerPage> {
    let page = await bodyOf(
      api.GET('/customers/{provider}', {
        params: { path: { provider }, query, header: header(call) },
        signal: call.signal,
      }),
    );
    yield page;
    while (page.links.next !== null) {
      page = await follow<CustomerPage>(page.links.next, call);
      yield page;
    }
  }

  return {
    api,
    cache,
    lookup: (provider, id, { include, noCache, ...call } = {}) =>
      bodyOf(
        api.GET('/customers/{provider}/{id}', {
          params: {
            path: { provider, id },
            query: include === undefined ? {} : { include },
            header: { ...header(call), ...(noCache ? { 'Cache-Control': 'no-cache' } : {}) },
          },
          signal: call.signal,
        }),
      ),
    async batch(lookups, call = {}) {
      const results: BatchResult[] = [];
      for (let start = 0; start < lookups.length; start += BATCH_LIMIT) {
        const chunk = lookups.slice(start, start + BATCH_LIMIT);
        const answer = await bodyOf(
          api.POST('/customers/batch', {
            params: { header: header(call) },
            body: { lookups: chunk },
            signal: call.signal,
          }),
        );
        results.push(...answer.results);
      }
      return results;
    },
    search: (query, call = {}) =>
      bodyOf(api.GET('/customers/search', { params: { query, header: header(call) }, signal: call.signal })),
    links: (provider, id, call = {}) =>
      bodyOf(
        api.GET('/customers/{provider}/{id}/links', {
          params: { path: { provider, id }, header: header(call) },
          signal: call.signal,
        }),
      ),
    pages,
    async *customers(provider, query, call) {
      for await (const page of pages(provider, query, call)) yield* page.data;
    },
  };
}
