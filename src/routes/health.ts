/** Liveness and readiness: cheap, and never calling an upstream. */
import { Router } from 'express';
import { methodNotAllowed } from '../middleware/problems.js';
import type { Services } from '../services.js';
import { ROUTING } from './routing.js';

export interface Lifecycle {
  readonly shuttingDown: boolean;
  /** Calls `listener` once draining starts; a lifecycle that never starts draining may leave it out. */
  onDrain?(listener: () => void): void;
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
      // Without Redis a replica still serves (from its L1 and the upstream, at its share of each quota): degraded,
      // not unready, so that the load balancer keeps sending it traffic.
      const degraded = services.fleet?.health === 'degraded';
      const status = lifecycle.shuttingDown ? 'shutting-down' : degraded ? 'degraded' : 'ready';
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
      const fleet = services.fleet?.state();
      res.json({ status, config: 'loaded', providers, ...(fleet ? { fleet } : {}) });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}
