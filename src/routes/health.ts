/** Liveness and readiness: cheap, and never calling an upstream. */
import { Router } from 'express';
import { methodNotAllowed } from '../middleware/problems.js';
import type { Services } from '../services.js';
import { ROUTING } from './routing.js';

export interface Lifecycle {
  shuttingDown: boolean;
}

export interface HealthOptions {
  /** Whether `/readyz` lists each provider's state; off on the public port when an operator port serves it. */
  detail: boolean;
}

export function healthRouter(
  services: Services,
  lifecycle: Lifecycle,
  options: HealthOptions = { detail: true },
): Router {
  const router = Router(ROUTING);
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
      const status = lifecycle.shuttingDown ? 'shutting-down' : 'ready';
      res.setHeader('Cache-Control', 'no-store');
      res.status(lifecycle.shuttingDown ? 503 : 200);
      if (!options.detail) {
        res.json({ status });
        return;
      }
      // Local state only (token source, and breaker/quota once the provider exposes them): never an upstream call.
      const providers = Object.fromEntries(
        [...services.providers].map(([id, p]) => [id, { auth: p.auth.state(), ...p.state?.() }]),
      );
      res.json({ status, config: 'loaded', providers });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}
