/** Liveness and readiness: cheap, and never calling an upstream. */
import { Router } from 'express';
import { methodNotAllowed } from '../middleware/problems.js';
import type { Services } from '../services.js';

export interface Lifecycle {
  shuttingDown: boolean;
}

export function healthRouter(services: Services, lifecycle: Lifecycle): Router {
  const router = Router();
  router
    .route('/healthz')
    .get((_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json({ status: 'ok' });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  router
    .route('/readyz')
    .get((_req, res) => {
      // Local state only (token source, and breaker/quota once the provider exposes them): never an upstream call.
      const providers = Object.fromEntries([...services.providers].map(([id, p]) => [id, { auth: p.auth.state(), ...p.state?.() }]));
      // Without Redis a replica still serves (from its L1 and the upstream, at its share of each quota):
      // degraded, not unready.
      const fleet = services.fleet?.state();
      const status = lifecycle.shuttingDown ? 'shutting-down' : services.fleet?.health === 'degraded' ? 'degraded' : 'ready';
      res.setHeader('Cache-Control', 'no-store');
      res.status(lifecycle.shuttingDown ? 503 : 200).json({ status, config: 'loaded', providers, ...(fleet ? { fleet } : {}) });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}
