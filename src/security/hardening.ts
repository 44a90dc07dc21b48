/**
 * HTTP hardening for a JSON API (issue 5): helmet's headers with a strict Content-Security-Policy (everything
 * from the gateway's own origin: enough for the support console under /console/, which loads only its own
 * scripts and styles), and a cap on the URL length. The header size cap is a property of the
 * listening server (src/http-server.ts).
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { GatewayError } from '../core/problems.js';

export function securityHeaders(): RequestHandler {
  return fixedHeaders(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          baseUri: ["'self'"],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          imgSrc: ["'self'", 'data:'],
          objectSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
        },
      },
      // Lookups are personal data: no page of another origin may frame or embed them.
      frameguard: { action: 'deny' },
    }),
  );
}

/**
 * helmet's headers here do not depend on the request (no CSP nonces): helmet computes them once, on a
 * response that is never sent, and every answer gets that list, instead of running helmet's thirteen
 * middlewares on every request (a tenth of a cache hit).
 */
function fixedHeaders(middleware: RequestHandler): RequestHandler {
  const probe = new ServerResponse(new IncomingMessage(new Socket()));
  let ready = false;
  middleware(probe.req as never, probe as never, () => {
    ready = true;
  });
  if (!ready) throw new Error('the security headers middleware did not complete synchronously');
  const headers = Object.entries(probe.getHeaders());
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value as string);
    next();
  };
}

/** Longer URLs than any valid lookup never reach routing; answered `invalid-request` (design has no 414 code). */
export function urlLengthLimit(maxUrlLength: number): RequestHandler {
  return (req, _res, next) => {
    if (req.originalUrl.length > maxUrlLength) {
      next(new GatewayError('invalid-request', { detail: `The request URL is longer than ${maxUrlLength} characters.` }));
      return;
    }
    next();
  };
}
