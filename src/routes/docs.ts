/**
 * `GET /openapi.json` and `GET /docs`: the API description, and Swagger UI to read it, served from the
 * swagger-ui-dist package on disk (no CDN) with its initialisation in a script file of its own, so that a
 * Content-Security-Policy without inline scripts still allows the page.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Router } from 'express';
import { methodNotAllowed } from '../middleware/problems.js';
import { openApiDocument } from '../openapi/document.js';
import type { Services } from '../services.js';
import { ROUTING } from './routing.js';

const ASSETS_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
/** The only files served from the package, by their public name. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'swagger-ui.css',
  'swagger-ui-bundle.js': 'swagger-ui-bundle.js',
  'favicon-32x32.png': 'favicon-32x32.png',
};

// Relative URLs, so that the page also works behind a path prefix (`/gateway/docs` → `/gateway/openapi.json`).
const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>customer-gateway API</title>
    <link rel="stylesheet" href="docs/swagger-ui.css">
    <link rel="icon" type="image/png" href="docs/favicon-32x32.png">
  </head>
  <body>
    <main id="swagger-ui">
      <noscript>
        This page needs JavaScript; the description itself is at <a href="openapi.json">openapi.json</a>.
      </noscript>
    </main>
    <script src="docs/swagger-ui-bundle.js"></script>
    <script src="docs/init.js"></script>
  </body>
</html>
`;

const INIT_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: 'openapi.json', dom_id: '#swagger-ui', deepLinking: true });
});
`;

export function docsRouter(services: Services): Router {
  const router = Router(ROUTING);
  const adapters = [...services.providers.values()].map((p) => p.adapter);
  const document = JSON.stringify(
    openApiDocument({
      version: services.config.version,
      adapters,
      open: services.config.security.open,
      operatorPortSeparate: services.config.metricsPort !== undefined,
    }),
  );

  // Made once: the document, the page and its start script never change while the process runs.
  const fixed: [path: string, type: string, body: string][] = [
    ['/openapi.json', 'application/json', document],
    ['/docs', 'text/html', PAGE],
    ['/docs/init.js', 'text/javascript', INIT_SCRIPT],
  ];
  for (const [path, type, body] of fixed) {
    router
      .route(path)
      .get((_req, res) => {
        res.setHeader('Cache-Control', 'public, max-age=300');
        res.type(type).send(body);
      })
      .all(methodNotAllowed(['GET', 'HEAD']));
  }
  router
    .route('/docs/:asset')
    .get((req, res, next) => {
      const file = Object.hasOwn(ASSETS, req.params.asset) ? ASSETS[req.params.asset] : undefined;
      if (!file) return next('route');
      res.sendFile(join(ASSETS_DIR, file), { maxAge: '1d', dotfiles: 'deny' });
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}
