/**
 * `GET /customers/{provider}/{id}/links`: the same real-world customer in the other providers the caller may
 * use, each with its band, score and evidence (scope `customers:search`). The record and every candidate are
 * read through the normal lookup, under the request's one deadline.
 */
import { Router, type Request, type Response } from 'express';
import { Deadline } from '../core/deadline.js';
import type { Customer } from '../core/model.js';
import { methodNotAllowed } from '../middleware/problems.js';
import { clientOf, mayUseProvider, requireProvider, requireScope } from '../security/grants.js';
import type { ProviderService, Services } from '../services.js';
import type { RecordRef } from '../linking/types.js';
import { callerKeyOf, providerFor, validId } from './customers.js';
import { ROUTING } from './routing.js';

export function linksRouter(services: Services): Router {
  const router = Router(ROUTING);
  // One deadline for the record and its candidates: the longest budget of the providers involved.
  const budget = Math.max(...[...services.providers.values()].map((p) => p.deadlineMs));
  router
    .route('/customers/:provider/:id/links')
    .get(async (req: Request<{ provider: string; id: string }>, res) => {
      requireScope(res, 'customers:search', 'Linking customers');
      const runtime = providerFor(services, req.params.provider);
      requireProvider(res, runtime.adapter.id);
      const id = validId(runtime, req.params.id);
      res.locals.provider = runtime.adapter.id;
      res.locals.customerId = id;
      const deadline = Deadline.after(services.clock, budget);
      const read = (target: ProviderService, targetId: string) =>
        readCustomer(services, req, res, target, targetId, deadline);

      const record = await read(runtime, id);
      const client = clientOf(res);
      const visible = new Set([...services.providers.keys()].filter((p) => mayUseProvider(client, p)));
      const answer = await services.linking.links.links(record, visible, (ref: RecordRef) => {
        const target = providerFor(services, ref.provider);
        return read(target, validId(target, ref.providerId));
      });
      res.setHeader('Cache-Control', 'private, no-cache');
      res.status(200).json({
        data: { id: record.id, links: answer.links },
        meta: {
          requestId: res.locals.requestId ?? '',
          unavailable: answer.unavailable,
          ...(answer.indexUnavailable ? { index: 'unavailable' } : {}),
        },
      });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}

/**
 * A customer as the lookup route answers it to this caller (its masking); with its accounts where the provider
 * offers balances (`?include=balances`), since that is where Tango keeps its customers' e-mails.
 */
async function readCustomer(
  services: Services,
  req: Request,
  res: Response,
  runtime: ProviderService,
  id: string,
  deadline: Deadline,
): Promise<Customer> {
  const result = await services.lookup.lookup(runtime, id, {
    requestId: res.locals.requestId ?? '',
    callerKey: callerKeyOf(req, res),
    noCache: false,
    telemetry: res.locals.telemetry,
    balances: runtime.adapter.balances !== undefined,
    deadline,
  });
  const view = res.locals.clearPii === true ? result.entry.clear : result.entry.masked;
  return JSON.parse(view.data) as Customer;
}
