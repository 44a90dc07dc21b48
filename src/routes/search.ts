/**
 * `GET /customers/search?email=|phone=|orgNumber=|name=`: customers across the providers the caller may use,
 * answered from the blind index without calling an upstream (scope `customers:search`).
 */
import { Router, type Request } from 'express';
import type { CountryCode } from 'libphonenumber-js';
import { GatewayError } from '../core/problems.js';
import { parseSearchQuery, SEARCH_KEYS } from '../linking/search-query.js';
import { methodNotAllowed } from '../middleware/problems.js';
import { clientOf, mayUseProvider, requireProvider, requireScope } from '../security/grants.js';
import type { Services } from '../services.js';
import { ROUTING } from './routing.js';

export function searchRouter(services: Services): Router {
  const router = Router(ROUTING);
  const { linking } = services;
  router
    .route('/customers/search')
    .get(async (req: Request, res) => {
      requireScope(res, 'customers:search', 'Searching customers');
      const raw = req.query as Record<string, unknown>;
      const key = SEARCH_KEYS.find((k) => raw[k] !== undefined) ?? 'none';
      let query;
      try {
        query = parseSearchQuery(raw, services.config.linking.defaultRegion as CountryCode);
      } catch (error) {
        services.metrics.searchRequest(key, 'invalid');
        throw error;
      }
      if (query.provider !== undefined) {
        if (!services.providers.has(query.provider))
          throw new GatewayError('invalid-request', {
            parameter: 'provider',
            detail: 'The query parameter "provider" names no enabled provider (see GET /providers).',
          });
        requireProvider(res, query.provider);
      }
      const client = clientOf(res);
      const visible = [...services.providers.keys()].filter(
        (p) => mayUseProvider(client, p) && (query.provider === undefined || p === query.provider),
      );
      const answer = await linking.search.search(query, visible);
      services.metrics.searchRequest(query.term.key, answer.matches.length > 0 ? 'matches' : 'none');
      // What was searched for is personal data: no cache on the way keeps the answer.
      res.setHeader('Cache-Control', 'no-store');
      res.status(200).json({
        data: answer.matches,
        meta: {
          requestId: res.locals.requestId ?? '',
          count: answer.matches.length,
          coverage: answer.coverage,
          ...(answer.indexUnavailable ? { index: 'unavailable' } : {}),
        },
      });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}
