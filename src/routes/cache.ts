/**
 * `DELETE /cache/customers/{provider}/{id}` (scope `cache:purge`): drops one cached entry, a customer or a
 * cached `customer-not-found`, so that the next lookup reads the upstream. Alone, a replica drops its own copy.
 * In a fleet (Redis), the purge deletes the shared L2 entry and tells every replica's L1 before it answers 204,
 * when every replica expected (`FLEET_SIZE`) confirmed it. Otherwise it answers 202 (accepted, not yet known to be
 * everywhere) with how many confirmed: with Redis unavailable only this replica dropped its copy, and the purge is
 * sent to the fleet once Redis takes it; with fewer replicas listening, the others drop their copies when they
 * listen again.
 */
import { Router, type Request } from 'express';
import { balancesKey, customerKey } from '../core/cache-key.js';
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
    .delete(async (req: Request<{ provider: string; id: string }>, res) => {
      requireScope(res, 'cache:purge', 'Purging the cache');
      const runtime = providerFor(services, req.params.provider);
      requireProvider(res, runtime.adapter.id);
      const id = validId(runtime, req.params.id);
      res.locals.provider = runtime.adapter.id;
      const key = customerKey(runtime.adapter.id, id);
      // The customer and its `?include=balances` variant go together.
      const keys = [key, balancesKey(key)];
      const local = keys.map((k) => services.cache.delete(k)).some(Boolean);
      // The record leaves the search index too (shared by the fleet when it lives in Redis).
      await services.linking.feed
        .remove({ provider: runtime.adapter.id, providerId: id })
        .catch((error: unknown) => services.logger.warn({ err: error }, 'the purge could not reach the search index'));
      const fleet = services.purge ? await services.purge.purge(keys) : undefined;
      const where = fleet ? 'in the fleet' : 'on this replica';
      if (!local && !fleet?.existed && fleet?.shared !== false) {
        throw new GatewayError('not-found', {
          provider: runtime.adapter.id,
          detail: `Nothing is cached for ${runtime.adapter.id} customer "${id}" ${where}.`,
        });
      }
      services.logger.info(
        {
          requestId: res.locals.requestId,
          provider: runtime.adapter.id,
          client: res.locals.client?.name,
          ...(fleet ? { fleet: fleet.shared ? 'every replica' : 'pending', replicas: fleet.replicas } : {}),
        },
        'cache entry purged',
      );
      if (fleet && !fleet.shared) {
        res.setHeader('Cache-Control', 'no-store');
        const { replicas } = fleet;
        res.status(202).json({
          status: 'pending',
          detail: replicas
            ? `Dropped from the shared cache; ${replicas.confirmed} of ${replicas.expected} replicas confirmed the ` +
              'purge. The others drop their copies when they reconnect to the fleet’s Redis.'
            : 'Dropped on this replica. The fleet’s Redis is unavailable: the shared cache and the other replicas ' +
              'get the purge once it is back.',
          ...(replicas ? { replicas } : {}),
        });
        return;
      }
      res.status(204).end();
    })
    .all(methodNotAllowed(['DELETE']));
  return router;
}
