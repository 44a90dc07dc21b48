/**
 * `buildApp(services)`: the express 5 app, never listening (tests mount it on port 0 or with supertest).
 */
import express, { type Express } from 'express';
import { closeConnectionsWhileDraining } from './middleware/draining.js';
import { requestId } from './middleware/request-id.js';
import { observeRequests } from './middleware/observe-requests.js';
import { notFound, problemHandler } from './middleware/problems.js';
import { customersRouter } from './routes/customers.js';
import { listsRouter } from './routes/lists.js';
import { linksRouter } from './routes/links.js';
import { searchRouter } from './routes/search.js';
import { batchRouter } from './routes/batch.js';
import { catalogRouter } from './routes/catalog.js';
import { healthRouter, type Lifecycle } from './routes/health.js';
import { metricsRouter } from './routes/metrics.js';
import { docsRouter } from './routes/docs.js';
import { cacheRouter } from './routes/cache.js';
import { consoleRouter } from './routes/console.js';
import { authenticate } from './security/authenticate.js';
import { corsOrigins } from './security/cors.js';
import { securityHeaders, singleHost, urlLengthLimit } from './security/hardening.js';
import { clientRateLimit } from './security/rate-limit.js';
import type { Services } from './services.js';

export interface AppOptions {
  lifecycle?: Lifecycle;
  /**
   * `/metrics` and the detail of `/readyz` are served by `buildOperatorApp` on their own port (`METRICS_PORT`):
   * this app then answers `/metrics` 404 and `/readyz` with its status only.
   */
  operatorPortSeparate?: boolean;
  /** Where the built support console is (`npm run build:console`); relative to the working directory. */
  consoleDir?: string;
}

export function buildApp(services: Services, options: AppOptions = {}): Express {
  const lifecycle = options.lifecycle ?? { shuttingDown: false };
  const app = baseApp();
  const { security } = services.config;
  const separate = options.operatorPortSeparate ?? services.config.metricsPort !== undefined;
  app.set('trust proxy', security.trustProxy);

  app.use(requestId);
  app.use(observeRequests(services.metrics, services.logger));
  closeConnectionsWhileDraining(app, lifecycle);

  app.use(securityHeaders(), singleHost, urlLengthLimit(security.maxUrlLength), corsOrigins(security.corsOrigins));
  // Customer data and cache control need a known caller; the routes below them stay public for the API
  // gateway's probes. The lookup comes first: it is the hot path, the others are rare.
  const { fleet } = services;
  const limiters = fleet ? (points: number, duration: number) => fleet.rateLimiter(points, duration) : undefined;
  app.use(['/customers', '/cache'], authenticate(security, services.logger), clientRateLimit(security, limiters));
  app.use(customersRouter(services));
  // Before the list route, whose `/customers/{provider}` would otherwise take `/customers/batch` and
  // `/customers/search`.
  app.use(batchRouter(services));
  app.use(searchRouter(services));
  app.use(linksRouter(services));
  app.use(listsRouter(services));
  app.use(cacheRouter(services));
  app.use(healthRouter(services, lifecycle, { detail: !separate }));
  if (!separate) app.use(metricsRouter(services));
  app.use(docsRouter(services));
  app.use(catalogRouter(services));
  app.use(consoleRouter(options.consoleDir ?? 'dist/console'));
  app.use(notFound);
  app.use(problemHandler(services.logger, services.providers));
  return app;
}

/**
 * The operator surfaces on their own port (`METRICS_PORT`), for the cluster's scrapers and probes only:
 * `/metrics`, `/readyz` with its detail, and `/healthz`.
 */
export function buildOperatorApp(services: Services, options: Pick<AppOptions, 'lifecycle'> = {}): Express {
  const app = baseApp();
  app.use(requestId);
  app.use(securityHeaders(), singleHost);
  app.use(healthRouter(services, options.lifecycle ?? { shuttingDown: false }, { detail: true }));
  app.use(metricsRouter(services));
  app.use(notFound);
  app.use(problemHandler(services.logger, services.providers));
  return app;
}

function baseApp(): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // As every router (src/routes/routing.ts): one resource, one URL.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  return app;
}
