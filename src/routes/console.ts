/**
 * The support console (issue 8): `GET /console/` serves the page built by `console/build.ts`, revalidated on
 * every load; `/console/assets/…` serves its content-hashed assets as immutable for a year; `GET /` and
 * `GET /console` redirect to `/console/` (the page's asset and API paths are relative to it).
 */
import { resolve } from 'node:path';
import express, { Router, type Request } from 'express';
import { GatewayError } from '../core/problems.js';
import { methodNotAllowed } from '../middleware/problems.js';
import { ROUTING } from './routing.js';

/** The page loads nothing but its own assets and calls nothing but this gateway. */
export const CONSOLE_CONTENT_SECURITY_POLICY =
  "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

const PAGE_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-cache',
  'Content-Security-Policy': CONSOLE_CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export function consoleRouter(dir: string): Router {
  const root = resolve(dir);
  // Strict, so that `/console` and `/console/` are different routes: the first redirects to the second.
  const router = Router(ROUTING);

  router
    .route('/')
    .get((req, res) => res.redirect(302, `${req.baseUrl}/console/`))
    .all(methodNotAllowed(['GET', 'HEAD']));

  router
    .route('/console')
    .get((req, res) => res.redirect(301, `${req.baseUrl}/console/${queryOf(req)}`))
    .all(methodNotAllowed(['GET', 'HEAD']));

  router
    .route('/console/')
    .get((_req, res, next) => {
      res.set(PAGE_HEADERS);
      res.sendFile(
        'index.html',
        { root, cacheControl: false, dotfiles: 'deny' },
        (error?: NodeJS.ErrnoException & { status?: number }) => {
          if (!error || res.headersSent) return;
          if (error.code === 'ENOENT' || error.status === 404) {
            next(
              new GatewayError('not-found', {
                detail: 'The support console has not been built: run npm run build:console.',
              }),
            );
            return;
          }
          next(error);
        },
      );
    })
    .all(methodNotAllowed(['GET', 'HEAD']));

  router.use(
    '/console/assets',
    express.static(resolve(root, 'assets'), {
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      // Every asset name carries a hash of its content: a changed asset is a new URL.
      immutable: true,
      maxAge: '365d',
      setHeaders: (res) => res.setHeader('X-Content-Type-Options', 'nosniff'),
    }),
  );

  return router;
}

function queryOf(req: Request): string {
  const at = req.originalUrl.indexOf('?');
  return at === -1 ? '' : req.originalUrl.slice(at);
}
