/** `GET /metrics`: the Prometheus text exposition of this gateway's own registry. */
import { Router } from 'express';
import { methodNotAllowed } from '../middleware/problems.js';
import type { Services } from '../services.js';
import { ROUTING } from './routing.js';

export function metricsRouter(services: Services): Router {
  const router = Router(ROUTING);
  router
    .route('/metrics')
    .get(async (_req, res) => {
      const body = await services.metrics.render();
      res.setHeader('Cache-Control', 'no-store');
      res.type(services.metrics.contentType).send(body);
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}
