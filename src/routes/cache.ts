/**
 * `DELETE /cache/customers/{provider}/{id}` (scope `cache:purge`): drops one cached entry, a customer or a
 * cached `customer-not-found`, so that the next lookup reads the upstream. Each replica holds its own cache:
 * the purge reaches the replica that serves it.
 */
import { Router, type Request } from 'express';
import { balancesKey } from '../core/balances.js';
import { cacheKey } from '../core/cache.js';
import { GatewayError } from '../core/problems.js';
import { methodNotAllowed } from '../middleware/problems.js';
import { requireProvider, requireScope } from '../security/grants.js';
import type { Services } from '../services.js';
import { providerFor, validId } from './customers.js';
import { ROUTING } from './routing.js';

export function cacheRouter(services: Services): Router {
  const router = Router(ROUTING);
  router
    .route('/cache/customers/:provider/:id')
    .delete((req: Request<{ provider: string; id: string }>, res) => {
      requireScope(res, 'cache:purge', 'Purging the cache');
      const runtime = providerFor(services, req.params.provider);
      requireProvider(res, runtime.adapter.id);
      const id = validId(runtime, req.params.id);
      res.locals.provider = runtime.adapter.id;
      const key = cacheKey(runtime.adapter.id, id);
      // The customer and its `?include=balances` variant go together.
      const purgedBalances = services.cache.delete(balancesKey(key));
      if (!services.cache.delete(key) && !purgedBalances) {
        throw new GatewayError('not-found', {
          provider: runtime.adapter.id,
          detail: `Nothing is cached for ${runtime.adapter.id} customer "${id}" on this replica.`,
        });
      }
      services.logger.info(
        {
          requestId: res.locals.requestId,
          provider: runtime.adapter.id,
          client: (res.locals.client as { name?: string } | undefined)?.name,
        },
        'cache entry purged',
      );
      res.status(204).end();
    })
    .all(methodNotAllowed(['DELETE']));
  return router;
}
