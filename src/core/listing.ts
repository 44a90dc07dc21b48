/**
 * A provider's customers a page at a time (`GET /customers/{provider}`). The adapter declares the request of one
 * upstream page and how to read it; here live the rest: the opaque cursor, the page cache, and paging through an
 * upstream that answers its whole list at once.
 *
 * A gateway cursor holds the upstream's own cursor of the current upstream page, the size that page was asked
 * with, and the offset reached inside it: an upstream that answers a plain array (or more than asked) is paged
 * by the gateway, an upstream that pages is followed page by page, and both yield every customer once.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Customer } from './model.js';
import { GatewayError } from './problems.js';
import type { ListDeclaration, ListFilters, ListPageRequest, ProviderAdapter, ProviderEnv } from './provider.js';
import type { Clock } from './clock.js';
import type { CallerContext } from './upstream-call.js';
import type { ProviderUpstream } from './upstream-path.js';

export const LIST_MAX_LIMIT = 100;
export const LIST_DEFAULT_LIMIT = 20;
const NAME_MAX_LENGTH = 100;
const CACHE_NAME = 'customer-gateway';

export interface ListRuntime {
  adapter: ProviderAdapter;
  upstream: ProviderUpstream;
  env: ProviderEnv;
}

export interface ListQuery {
  limit: number;
  cursor: string | undefined;
  filters: ListFilters;
}

export interface ListResult {
  customers: Customer[];
  /** The gateway cursor of the next page, or null on the last page. */
  next: string | null;
  cache: 'hit' | 'miss';
  cacheStatus: string;
  maxAge: number;
  fetchedAt: number;
}

/** What the cursor carries, signed: the listing it belongs to and where in it the next page starts. */
interface CursorState {
  /** Provider and filters the cursor is bound to. */
  p: string;
  f: ListFilters;
  /** The upstream's cursor of the upstream page, the page size it was asked with, and the offset inside it. */
  u: string | null;
  n: number;
  o: number;
}

interface PageEntry {
  customers: Customer[];
  next: string | null;
  fetchedAt: number;
  bytes: number;
}

/** The list declaration of a provider, when the provider offers listing with this configuration. */
export function listOf(adapter: ProviderAdapter, env: ProviderEnv): ListDeclaration | undefined {
  const list = adapter.list;
  return list && (list.offered?.(env) ?? true) ? list : undefined;
}

/** Signs cursors with HMAC-SHA256, so that a caller cannot forge one or move it to another listing. */
export class CursorCodec {
  private readonly key: Buffer;

  /** Without a configured secret, a random one: cursors then only work at the process that made them. */
  constructor(secret: string | undefined) {
    this.key = secret ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  encode(state: CursorState): string {
    const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The state, or undefined when the cursor is malformed or its signature does not match. */
  decode(cursor: string): CursorState | undefined {
    const [payload, mac, extra] = cursor.split('.');
    if (!payload || !mac || extra !== undefined) return undefined;
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as CursorState;
    } catch {
      return undefined;
    }
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(`list-cursor\0${payload}`).digest('base64url');
  }
}

export interface ListSettings {
  cacheTtlSeconds: number;
  cursorSecret: string | undefined;
  /** Bounds of the page cache (it is separate from the customer cache and much smaller). */
  maxPages?: number;
  maxBytes?: number;
}

interface PageFetch {
  load: () => Promise<PageEntry>;
  initiated: boolean;
}

export class ListService {
  private readonly cursors: CursorCodec;
  private readonly pages: LRUCache<string, PageEntry, PageFetch>;

  constructor(
    private readonly settings: ListSettings,
    private readonly clock: Clock,
  ) {
    this.cursors = new CursorCodec(settings.cursorSecret);
    this.pages = new LRUCache<string, PageEntry, PageFetch>({
      perf: { now: () => clock.now() },
      ttlResolution: 0,
      max: settings.maxPages ?? 1000,
      maxSize: settings.maxBytes ?? 16 * 1024 * 1024,
      sizeCalculation: (entry) => Math.max(1, entry.bytes),
      ttl: Math.max(1, settings.cacheTtlSeconds) * 1000,
      // A page fetched while another caller waits for the same page is shared: one upstream call.
      fetchMethod: async (_key, _stale, { context }) => {
        context.initiated = true;
        return context.load();
      },
    });
  }

  /** One page of the provider's customers. Throws `GatewayError` (`operation-not-supported`, `invalid-request`…). */
  async list(runtime: ListRuntime, query: ListQuery, caller: CallerContext): Promise<ListResult> {
    const provider = runtime.adapter.id;
    const declaration = listOf(runtime.adapter, runtime.env);
    if (!declaration) {
      throw new GatewayError('operation-not-supported', {
        provider,
        detail: `${runtime.adapter.displayName} does not offer a customer list on this gateway.`,
      });
    }
    checkFilters(declaration, query.filters, provider);
    const state =
      query.cursor === undefined
        ? { u: null, n: query.limit, o: 0 }
        : this.resume(query.cursor, provider, query.filters);
    const page: ListPageRequest = { limit: state.n, cursor: state.u ?? undefined, filters: query.filters };
    const key = JSON.stringify([provider, state.n, state.u, query.filters.status ?? null, query.filters.name ?? null]);

    const context: PageFetch = {
      initiated: false,
      load: () => this.load(runtime, declaration, page, caller),
    };
    const now = this.clock.now();
    const cached = this.pages.get(key);
    const entry = cached ?? (await this.pages.fetch(key, { context }));
    if (!entry) throw new GatewayError('internal-error', { detail: 'The list page could not be cached.' });

    const customers = entry.customers.slice(state.o, state.o + query.limit);
    const end = state.o + customers.length;
    const next =
      end < entry.customers.length
        ? this.cursors.encode({ p: provider, f: query.filters, u: state.u, n: state.n, o: end })
        : entry.next !== null
          ? this.cursors.encode({ p: provider, f: query.filters, u: entry.next, n: query.limit, o: 0 })
          : null;
    const ttl = Math.max(0, Math.floor((entry.fetchedAt + this.settings.cacheTtlSeconds * 1000 - now) / 1000));
    if (cached)
      return {
        customers,
        next,
        cache: 'hit',
        cacheStatus: `${CACHE_NAME}; hit; ttl=${ttl}`,
        maxAge: ttl,
        fetchedAt: entry.fetchedAt,
      };
    const forward = context.initiated ? 'fwd=miss; stored' : 'fwd=miss; collapsed';
    return {
      customers,
      next,
      cache: 'miss',
      cacheStatus: `${CACHE_NAME}; ${forward}`,
      maxAge: this.settings.cacheTtlSeconds,
      fetchedAt: entry.fetchedAt,
    };
  }

  private resume(cursor: string, provider: string, filters: ListFilters): Omit<CursorState, 'p' | 'f'> {
    const state = this.cursors.decode(cursor);
    const valid =
      state &&
      typeof state.n === 'number' &&
      typeof state.o === 'number' &&
      (state.u === null || typeof state.u === 'string');
    if (!valid)
      throw new GatewayError('invalid-request', {
        provider,
        detail:
          'The cursor is not one this gateway issued (or it was issued before a restart without LIST_CURSOR_SECRET).',
      });
    if (
      state.p !== provider ||
      (state.f.status ?? null) !== (filters.status ?? null) ||
      (state.f.name ?? null) !== (filters.name ?? null)
    ) {
      throw new GatewayError('invalid-request', {
        provider,
        detail:
          'The cursor belongs to another listing: follow links.next as given, with the same provider and filters.',
      });
    }
    return { u: state.u, n: state.n, o: state.o };
  }

  private async load(
    runtime: ListRuntime,
    declaration: ListDeclaration,
    page: ListPageRequest,
    caller: CallerContext,
  ): Promise<PageEntry> {
    const { adapter, env } = runtime;
    const fetchedAt = this.clock.now();
    // The quota serves waiting callers in turn: a list page waits in its caller's turn.
    const result = await runtime.upstream.read(
      {
        request: (attempt) => declaration.request(page, attempt, env),
        accepts: (body) => declaration.parse(body, page) !== undefined,
      },
      caller,
    );
    const parsed = declaration.parse(result.body, page);
    if (!parsed)
      throw new GatewayError('internal-error', {
        provider: adapter.id,
        detail: 'A list page accepted once could not be read again.',
      });
    const customers = parsed.customers.map((raw): Customer => {
      const providerId = adapter.customerIdOf(raw);
      if (typeof providerId !== 'string' || providerId === '') {
        throw new GatewayError('upstream-invalid-response', {
          provider: adapter.id,
          detail: 'The upstream listed a customer without its id.',
        });
      }
      return { id: `${adapter.id}:${providerId}`, provider: adapter.id, providerId, ...adapter.normalize(raw) };
    });
    return { customers, next: parsed.next, fetchedAt, bytes: Buffer.byteLength(result.text) * 2 };
  }
}

/** `limit`, `status` and `name` from the query string: a bad value is `invalid-request`. */
export function parseListQuery(query: Record<string, unknown>, provider: string): ListQuery {
  const single = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string')
      throw new GatewayError('invalid-request', {
        provider,
        detail: `The query parameter "${name}" takes one plain value.`,
      });
    return value;
  };
  const limitText = single('limit');
  const limit = limitText === undefined ? LIST_DEFAULT_LIMIT : /^\d{1,3}$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= LIST_MAX_LIMIT)) {
    throw new GatewayError('invalid-request', {
      provider,
      detail: `The query parameter "limit" takes a whole number from 1 to ${LIST_MAX_LIMIT}.`,
    });
  }
  const cursor = single('cursor');
  if (cursor === '')
    throw new GatewayError('invalid-request', { provider, detail: 'The query parameter "cursor" is empty.' });
  const status = single('status');
  const name = single('name');
  if (name !== undefined && (name.trim() === '' || name.length > NAME_MAX_LENGTH || /\p{Cc}/u.test(name))) {
    throw new GatewayError('invalid-request', {
      provider,
      detail: `The query parameter "name" takes 1 to ${NAME_MAX_LENGTH} printable characters.`,
    });
  }
  const filters: ListFilters = {};
  if (status !== undefined) filters.status = status as ListFilters['status'];
  if (name !== undefined) filters.name = name;
  return { limit, cursor, filters };
}

function checkFilters(declaration: ListDeclaration, filters: ListFilters, provider: string): void {
  const statuses = declaration.statuses ?? [];
  if (filters.status !== undefined && !statuses.includes(filters.status)) {
    const accepted = statuses.length > 0 ? `accepts: ${statuses.join(', ')}` : 'is not offered for this provider';
    throw new GatewayError('invalid-request', { provider, detail: `The query parameter "status" ${accepted}.` });
  }
  if (filters.name !== undefined && !declaration.name) {
    throw new GatewayError('invalid-request', {
      provider,
      detail: 'The query parameter "name" is not offered for this provider.',
    });
  }
}
