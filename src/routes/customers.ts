/**
 * `GET /customers/{provider}/{id}`: validate, look up, render the common model with its cache headers. A hit
 * serves the entry's ready-made bytes; only `meta` is built per request.
 */
import { Router, type Request, type Response } from 'express';
import { viewOf } from '../core/cache.js';
import { cacheStatusOf, metaCacheOf } from '../core/cache-outcome.js';
import type { LookupResult } from '../core/lookup.js';
import { Deadline } from '../core/deadline.js';
import { GatewayError } from '../core/problems.js';
import { methodNotAllowed } from '../middleware/problems.js';
import { clientOf, hasScope, requireProvider } from '../security/grants.js';
import type { ProviderService, Services } from '../services.js';
import { ROUTING } from './routing.js';

const INCLUDE_VALUES = new Set(['raw', 'balances']);

interface Include {
  raw: boolean;
  balances: boolean;
}

export function customersRouter(services: Services): Router {
  const router = Router(ROUTING);
  router
    .route('/customers/:provider/:id')
    .get(async (req: Request<{ provider: string; id: string }>, res) => {
      const runtime = providerFor(services, req.params.provider);
      requireProvider(res, runtime.adapter.id);
      const id = validId(runtime, req.params.id);
      // express 5 parses the query string anew on every read of req.query.
      const query = req.query;
      const include = parseInclude(query.include, runtime, query);
      res.locals.provider = runtime.adapter.id;
      res.locals.customerId = id;
      // Bypassing the cache costs upstream calls: it needs the scope cache:bypass; without it, a plain lookup.
      const noCache = wantsNoCache(req);
      const mayBypass = hasScope(clientOf(res), 'cache:bypass');
      const options = {
        requestId: res.locals.requestId ?? '',
        callerKey: callerKeyOf(req, res),
        noCache: noCache && mayBypass,
        bypassNotGranted: noCache && !mayBypass,
        telemetry: res.locals.telemetry,
        balances: include.balances,
        // The request's one deadline: every wait and upstream attempt for it ends by then.
        deadline: Deadline.after(services.clock, runtime.deadlineMs),
      };
      let result: LookupResult;
      try {
        result = await services.lookup.lookup(runtime, id, options);
      } catch (error) {
        // A cached customer-not-found says how the cache answered it, for the request log.
        if (error instanceof GatewayError && error.cache) res.locals.cache = error.cache;
        throw error;
      }
      render(req, res, services, runtime, id, result, include);
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}

export function providerFor(services: Services, name: string): ProviderService {
  const runtime = services.providers.get(name);
  if (!runtime)
    throw new GatewayError('unknown-provider', { detail: `No enabled provider is called "${truncate(name)}".` });
  return runtime;
}

/** The id as the upstream will see it: NFC (the only place it is normalised), and valid by the provider's rule. */
export function validId(runtime: ProviderService, id: string): string {
  const normalized = id.normalize('NFC');
  if (runtime.adapter.idRule.validate(normalized).error) {
    throw new GatewayError('invalid-request', {
      provider: runtime.adapter.id,
      detail: `"${truncate(id)}" is not a valid ${runtime.adapter.displayName} customer id.`,
    });
  }
  return normalized;
}

function parseInclude(value: unknown, runtime: ProviderService, query: object): Include {
  const provider = runtime.adapter.id;
  // Balances are offered only by a provider that declares them.
  const accepted = runtime.adapter.balances ? 'raw, balances' : 'raw';
  // `include[]=raw` or `include[a]=b` mean to be `include`, in a syntax this API does not take: say so rather
  // than ignore it.
  if (Object.keys(query).some((key) => key.startsWith('include['))) {
    throw new GatewayError('invalid-request', {
      provider,
      detail: 'The query parameter "include" takes plain values: include=raw.',
    });
  }
  if (value === undefined) return { raw: false, balances: false };
  const values = (Array.isArray(value) ? value : [value]).flatMap((v) =>
    typeof v === 'string' ? v.split(',') : [null],
  );
  const bad = values.find((v) => v === null || !INCLUDE_VALUES.has(v.trim()));
  const balances = values.some((v) => v?.trim() === 'balances');
  if (bad !== undefined || (balances && !runtime.adapter.balances)) {
    const offered = balances && bad === undefined ? `${runtime.adapter.displayName} does not offer balances; ` : '';
    throw new GatewayError('invalid-request', {
      provider,
      detail: `${offered}The query parameter "include" accepts: ${accepted}.`,
    });
  }
  return { raw: values.some((v) => v?.trim() === 'raw'), balances };
}

/** Whose turn a lookup waits in when the upstream quota is short: the authenticated client, or the address. */
export function callerKeyOf(req: Request, res: Response): string {
  const client = clientOf(res);
  return client.kind === 'open' ? `ip:${req.ip ?? 'unknown'}` : `${client.kind}:${client.name}`;
}

function wantsNoCache(req: Request): boolean {
  return /(^|,)\s*no-cache\s*(,|$)/i.test(req.get('cache-control') ?? '');
}

function render(
  req: Request,
  res: Response,
  services: Services,
  runtime: ProviderService,
  id: string,
  result: LookupResult,
  include: Include,
): void {
  const clearPii = res.locals.clearPii === true;
  const includeRaw = include.raw;
  const entry = includeRaw
    ? services.lookup.withRaw(runtime, id, result.entry, clearPii, include.balances)
    : result.entry;
  const view = viewOf(entry, clearPii);
  const raw = includeRaw ? view.raw : undefined;
  const etag = raw ? raw.etag : view.etag;
  res.locals.cache = result.cache;
  res.setHeader('Cache-Status', cacheStatusOf(result.cache, entry.partial !== undefined));
  // A national id in clear is never kept by the caller's cache (a browser's is on disk).
  res.setHeader('Cache-Control', view.clearNationalId ? 'no-store' : `private, max-age=${result.maxAge}`);
  res.setHeader('ETag', etag);
  if (matchesIfNoneMatch(req.get('if-none-match'), etag)) {
    res.status(304).end();
    return;
  }
  const meta = {
    requestId: res.locals.requestId ?? '',
    cache: metaCacheOf(result.cache),
    ...(result.cache.bypassNotGranted ? { cacheBypass: 'not-granted' } : {}),
    fetchedAt: new Date(result.entry.fetchedAt).toISOString(),
    ageSeconds: Math.max(0, Math.floor((services.clock.now() - result.entry.fetchedAt) / 1000)),
    // A partial answer says what it lacks and why (`?include=balances` whose accounts read failed).
    ...(entry.partial ? { partial: entry.partial } : {}),
  };
  const body = `{"data":${view.data}${raw ? `,"raw":${raw.json}` : ''},"meta":${JSON.stringify(meta)}}`;
  res.status(200).setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(body);
}

/** Weak comparison (RFC 9110 §13.1.2): `W/` is ignored, `*` matches any current representation. */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === opaque);
}

const truncate = (s: string) => (s.length > 64 ? `${s.slice(0, 64)}…` : s);
