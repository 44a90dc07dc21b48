/**
 * What the gateway can tell about itself without calling an upstream: its providers (with their id rules,
 * so that dashboards check ids the way the server does) and a description of each problem type.
 */
import { Router } from 'express';
import { listOf } from '../core/listing.js';
import { idPatternOf } from '../core/provider.js';
import { GatewayError, isProblemCode, PROBLEMS } from '../core/problems.js';
import { methodNotAllowed } from '../middleware/problems.js';
import type { Services } from '../services.js';
import { ROUTING } from './routing.js';

export function catalogRouter(services: Services): Router {
  const router = Router(ROUTING);
  const providers = [...services.providers.values()].map(({ adapter, env }) => {
    const pattern = idPatternOf(adapter.idRule);
    const list = listOf(adapter, env);
    const capabilities = ['lookup', ...(list ? ['list'] : []), ...(adapter.balances ? ['balances'] : [])];
    // What the list can filter on, so that a dashboard offers only filters the upstream applies.
    const listFilters = list ? { status: list.statuses ?? [], name: list.name === true } : null;
    return {
      id: adapter.id,
      displayName: adapter.displayName,
      idPattern: pattern.source,
      idPatternFlags: pattern.flags,
      exampleId: adapter.exampleId,
      capabilities,
      listFilters,
    };
  });
  const providersBody = JSON.stringify({ data: providers });

  router
    .route('/providers')
    .get((_req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=60');
      res.type('application/json').send(providersBody);
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  router
    .route('/problems/:code')
    .get((req, res) => {
      const code = req.params.code;
      if (!isProblemCode(code))
        throw new GatewayError('not-found', { detail: `No problem type is called "${code.slice(0, 64)}".` });
      const { status, title, description, advice } = PROBLEMS[code];
      res.setHeader('Cache-Control', 'public, max-age=3600');
      res.json({ type: `/problems/${code}`, code, title, status, description, advice });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  return router;
}
