/**
 * `GET /customers/{provider}/{id}`: validate, look up, render the common model with its cache headers
 * (design §3). A hit serves the entry's ready-made bytes; only `meta` is built per request.
 */
import { Router, type Request, type Response } from 'express';
import { viewOf, rawViewOf, type LookupResult } from '../core/lookup.js';
import { GatewayError } from '../core/problems.js';
import type { LookupTelemetry } from '../core/upstream.js';
import { methodNotAllowed } from '../middleware/problems.js';
import { requireProvider } from '../security/grants.js';
import type { ProviderService, Services } from '../services.js';

const INCLUDE_VALUES = new Set(['raw']);

export function customersRouter(services: Services): Router {
  const router = Router();
  router
    .route('/customers/:provider/:id')
    .get(async (req: Request<{ provider: string; id: string }>, res) => {
      const runtime = providerFor(services, req.params.provider);
      requireProvider(res, runtime.adapter.id);
      const id = validId(runtime, req.params.id);
      // express 5 parses the query string anew on every read of req.query.
      const query = req.query;
      const includeRaw = parseInclude(query.include, runtime.adapter.id, query);
      res.locals.provider = runtime.adapter.id;
      res.locals.customerId = id;
      const result = await services.lookup.lookup(runtime, id, { requestId: res.locals.requestId as string, noCache: wantsNoCache(req), telemetry: res.locals.telemetry as LookupTelemetry | undefined });
      render(req, res, runtime, result, includeRaw);
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}

export function providerFor(services: Services, name: string): ProviderService {
  const runtime = services.providers.get(name);
  if (!runtime) throw new GatewayError('unknown-provider', { detail: `No enabled provider is called "${truncate(name)}".` });
  return runtime;
}

/** The id as the upstream will see it: NFC, and valid by the provider's rule. */
export function validId(runtime: ProviderService, id: string): string {
  const normalized = id.normalize('NFC');
  if (runtime.adapter.idRule.validate(normalized).error) {
    throw new GatewayError('invalid-request', { provider: runtime.adapter.id, detail: `"${truncate(id)}" is not a valid ${runtime.adapter.displayName} customer id.` });
  }
  return normalized;
}

function parseInclude(value: unknown, provider: string, query: object): boolean {
  // `include[]=raw` or `include[a]=b` mean to be `include`, in a syntax this API does not take: say so rather than ignore it.
  if (Object.keys(query).some((key) => key.startsWith('include['))) {
    throw new GatewayError('invalid-request', { provider, detail: 'The query parameter "include" takes plain values: include=raw.' });
  }
  if (value === undefined) return false;
  const values = (Array.isArray(value) ? value : [value]).flatMap((v) => (typeof v === 'string' ? v.split(',') : [null]));
  const bad = values.find((v) => v === null || !INCLUDE_VALUES.has(v.trim()));
  if (bad !== undefined) throw new GatewayError('invalid-request', { provider, detail: 'The query parameter "include" accepts: raw.' });
  return values.length > 0;
}

function wantsNoCache(req: Request): boolean {
  return /(^|,)\s*no-cache\s*(,|$)/i.test(req.get('cache-control') ?? '');
}

function render(req: Request, res: Response, runtime: ProviderService, result: LookupResult, includeRaw: boolean): void {
  const clearPii = res.locals.clearPii === true;
  const view = viewOf(result.entry, clearPii);
  const raw = includeRaw ? rawViewOf(result.entry, clearPii, runtime.adapter.personalData?.raw ?? []) : undefined;
  const etag = raw ? raw.etag : view.etag;
  res.locals.cache = result.cache;
  res.setHeader('Cache-Status', result.cacheStatus);
  res.setHeader('Cache-Control', `private, max-age=${result.maxAge}`);
  res.setHeader('ETag', etag);
  if (matchesIfNoneMatch(req.get('if-none-match'), etag)) {
    res.status(304).end();
    return;
  }
  const meta = {
    requestId: res.locals.requestId as string,
    cache: result.cache,
    fetchedAt: new Date(result.entry.fetchedAt).toISOString(),
    ageSeconds: Math.max(0, Math.floor((Date.now() - result.entry.fetchedAt) / 1000)),
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
