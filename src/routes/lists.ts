/**
 * `GET /customers/{provider}?limit=&cursor=&status=&name=`: a provider's customers a page at a time, in the
 * common model, masked for the caller as a lookup is; `links.next` is the path of the next page, null on the last.
 */
import { Router, type Request } from 'express';
import { parseListQuery } from '../core/listing.js';
import { maskCustomer } from '../core/pii.js';
import { Deadline } from '../core/deadline.js';
import { methodNotAllowed } from '../middleware/problems.js';
import { requireProvider } from '../security/grants.js';
import type { Services } from '../services.js';
import { callerKeyOf, providerFor } from './customers.js';
import { ROUTING } from './routing.js';

export function listsRouter(services: Services): Router {
  const router = Router(ROUTING);
  router
    .route('/customers/:provider')
    .get(async (req: Request<{ provider: string }>, res) => {
      const runtime = providerFor(services, req.params.provider);
      const provider = runtime.adapter.id;
      requireProvider(res, provider);
      res.locals.provider = provider;
      const query = parseListQuery(req.query, provider);
      const result = await services.lists.list(runtime, query, {
        requestId: res.locals.requestId ?? '',
        callerKey: callerKeyOf(req, res),
        telemetry: res.locals.telemetry,
        deadline: Deadline.after(services.clock, runtime.deadlineMs),
      });

      // A page read from the upstream feeds the search index with the customers it has not seen yet.
      if (result.cache === 'miss') services.linking.feed.recordListed(result.customers);
      const clearPii = res.locals.clearPii === true;
      const masked = result.customers.map((c) => maskCustomer(c, runtime.adapter.personalData?.data));
      const data = clearPii ? result.customers : masked;
      const next = result.next === null ? null : nextLink(provider, query.limit, result.next, query.filters);
      const meta = {
        requestId: res.locals.requestId ?? '',
        cache: result.cache,
        fetchedAt: new Date(result.fetchedAt).toISOString(),
        ageSeconds: Math.max(0, Math.floor((services.clock.now() - result.fetchedAt) / 1000)),
        limit: query.limit,
        count: data.length,
      };
      res.setHeader('Cache-Status', result.cacheStatus);
      // Personal data in clear is never stored by a cache on the way (as for a lookup).
      const clearNationalId = clearPii && masked.some((c, i) => c !== result.customers[i]);
      res.setHeader('Cache-Control', clearNationalId ? 'no-store' : `private, max-age=${result.maxAge}`);
      res
        .status(200)
        .type('application/json')
        .send(JSON.stringify({ data, links: { next }, meta }));
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}

function nextLink(
  provider: string,
  limit: number,
  cursor: string,
  filters: { status?: string; name?: string },
): string {
  const params = new URLSearchParams({ limit: String(limit), cursor });
  if (filters.status !== undefined) params.set('status', filters.status);
  if (filters.name !== undefined) params.set('name', filters.name);
  return `/customers/${encodeURIComponent(provider)}?${params.toString()}`;
}
