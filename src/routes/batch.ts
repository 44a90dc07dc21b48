/**
 * `POST /customers/batch` with `{"lookups": [{"provider", "id"}, …]}`: up to 100 lookups in one request, each
 * answered in the request's order as the single lookup would answer it (`{status: 200, data, meta}` or
 * `{status, problem}`), through the same cache, coalescing, quota and breaker. The batch itself is 200.
 */
import express, { Router, type RequestHandler } from 'express';
import { runBatch } from '../core/batch.js';
import { viewOf } from '../core/cache.js';
import { metaCacheOf } from '../core/cache-outcome.js';
import { GatewayError, problemFor } from '../core/problems.js';
import { Deadline } from '../core/deadline.js';
import { methodNotAllowed } from '../middleware/problems.js';
import { clientOf, mayUseProvider } from '../security/grants.js';
import type { Services } from '../services.js';
import { callerKeyOf, providerFor, validId } from './customers.js';
import { ROUTING } from './routing.js';

export const BATCH_MAX_ITEMS = 100;
/** 100 lookups with the longest ids any provider allows fit in a fraction of this. */
export const BATCH_MAX_BYTES = 64 * 1024;
/** Longer than any provider's id rule allows, and than a lookup's URL may be. */
const ID_MAX_LENGTH = 1024;
/** Lookups of one provider running at once, when its upstream quota does not call for fewer. */
const MAX_CONCURRENCY_PER_PROVIDER = 8;

interface BatchItem {
  provider: string;
  id: string;
}

export function batchRouter(services: Services): Router {
  const router = Router(ROUTING);
  router
    .route('/customers/batch')
    .post(readJson, async (req, res) => {
      const items = parseBatch(req.body);
      // Each item counts toward the caller's rate limit; the request itself already counted one.
      const spend = res.locals.spendRateLimit;
      if (spend && items.length > 1) await spend(items.length - 1);

      const client = clientOf(res);
      const clearPii = res.locals.clearPii === true;
      const requestId = res.locals.requestId ?? '';
      const telemetry = res.locals.telemetry;
      const callerKey = callerKeyOf(req, res);
      const instance = (item: BatchItem) =>
        `/customers/${encodeURIComponent(item.provider)}/${encodeURIComponent(item.id)}`;
      const failed = (item: BatchItem, error: unknown): BatchResult => {
        const failure = error instanceof GatewayError ? error : new GatewayError('internal-error', { cause: error });
        if (failure.code === 'internal-error') services.logger.error({ err: error, requestId }, 'batch item failed');
        const problem = problemFor(failure, instance(item), requestId);
        if (problem.provider === undefined && services.providers.has(item.provider)) problem.provider = item.provider;
        return { status: failure.status, json: `{"status":${failure.status},"problem":${JSON.stringify(problem)}}` };
      };

      const results = await runBatch<BatchItem, BatchResult>(items, {
        key: (item) => `${item.provider}\0${item.id.normalize('NFC')}`,
        group: (item) => item.provider,
        concurrency: (provider) => concurrencyFor(services, provider),
        deadline: Deadline.after(services.clock, services.config.batch.deadlineMs),
        run: async (item, deadline) => {
          try {
            const runtime = providerFor(services, item.provider);
            if (!mayUseProvider(client, runtime.adapter.id)) {
              throw new GatewayError('forbidden', {
                provider: runtime.adapter.id,
                detail: `The caller "${client.name}" may not use the provider "${runtime.adapter.id}".`,
              });
            }
            const id = validId(runtime, item.id);
            const result = await services.lookup.lookup(runtime, id, {
              requestId,
              callerKey,
              noCache: false,
              telemetry,
              deadline: deadline.within(runtime.deadlineMs),
            });
            const meta = {
              requestId,
              cache: metaCacheOf(result.cache),
              fetchedAt: new Date(result.entry.fetchedAt).toISOString(),
              ageSeconds: Math.max(0, Math.floor((services.clock.now() - result.entry.fetchedAt) / 1000)),
            };
            return {
              status: 200,
              json: `{"status":200,"data":${viewOf(result.entry, clearPii).data},"meta":${JSON.stringify(meta)}}`,
            };
          } catch (error) {
            return failed(item, error);
          }
        },
        onDeadline: (item) =>
          failed(
            item,
            new GatewayError('upstream-timeout', {
              provider: services.providers.has(item.provider) ? item.provider : undefined,
              detail: `The batch deadline (${services.config.batch.deadlineMs} ms) passed before this lookup finished.`,
            }),
          ),
      });

      const statuses: Record<string, number> = {};
      for (const { status } of results) statuses[status] = (statuses[status] ?? 0) + 1;
      res.locals.batch = { items: items.length, statuses };
      res.setHeader('Cache-Control', 'no-store');
      res
        .status(200)
        .type('application/json')
        .send(`{"results":[${results.map((r) => r.json).join(',')}]}`);
    })
    .all(methodNotAllowed(['POST']));
  return router;
}

interface BatchResult {
  status: number;
  /** The item serialised. */
  json: string;
}

/**
 * At most 8 lookups of one provider at once; for a provider with a quota, about two seconds' worth, so that the
 * items wait their turn here rather than in the quota's queue, where a wait past the lookup deadline is refused.
 */
function concurrencyFor(services: Services, provider: string): number {
  const perSecond = services.providers.get(provider)?.state?.().quota?.perSecond;
  return perSecond
    ? Math.max(1, Math.min(MAX_CONCURRENCY_PER_PROVIDER, Math.ceil(perSecond * 2)))
    : MAX_CONCURRENCY_PER_PROVIDER;
}

const json = express.json({ limit: BATCH_MAX_BYTES });

/** The JSON body, with body-parser's refusals as problems: over the limit 413, anything unreadable 400. */
const readJson: RequestHandler = (req, res, next) => {
  json(req, res, (error?: unknown) => {
    if (error === undefined) return next();
    const type = typeof error === 'object' && error !== null && 'type' in error ? error.type : undefined;
    if (type === 'entity.too.large')
      return next(
        new GatewayError('request-too-large', { detail: `The batch body is larger than ${BATCH_MAX_BYTES} bytes.` }),
      );
    next(
      new GatewayError('invalid-request', {
        detail: type === 'entity.parse.failed' ? 'The body is not valid JSON.' : 'The body could not be read as JSON.',
      }),
    );
  });
};

/** The lookups of the body; the first fault found is the `invalid-request` problem's detail. */
export function parseBatch(body: unknown): BatchItem[] {
  const fault = (detail: string) => new GatewayError('invalid-request', { detail });
  if (body === undefined)
    throw fault('The body must be JSON (Content-Type: application/json): {"lookups": [{"provider": "…", "id": "…"}]}.');
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw fault('The body must be a JSON object with "lookups".');
  const lookups = (body as { lookups?: unknown }).lookups;
  if (!Array.isArray(lookups)) throw fault('"lookups" must be an array of {"provider", "id"}.');
  if (lookups.length > BATCH_MAX_ITEMS)
    throw fault(`"lookups" holds ${lookups.length} items; a batch takes at most ${BATCH_MAX_ITEMS}.`);
  return lookups.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw fault(`lookups[${i}] must be an object {"provider", "id"}.`);
    const { provider, id } = item as { provider?: unknown; id?: unknown };
    if (typeof provider !== 'string' || provider === '')
      throw fault(`lookups[${i}].provider must be a non-empty string.`);
    if (typeof id !== 'string' || id === '') throw fault(`lookups[${i}].id must be a non-empty string.`);
    if (id.length > ID_MAX_LENGTH) throw fault(`lookups[${i}].id is longer than ${ID_MAX_LENGTH} characters.`);
    return { provider, id };
  });
}
