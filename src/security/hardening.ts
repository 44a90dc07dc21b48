/**
 * HTTP hardening for a JSON API: helmet's headers with a strict Content-Security-Policy (everything
 * from the gateway's own origin: enough for the support console under /console/, which loads only its own
 * scripts and styles), one Host header, and a cap on the URL length. The header size cap and the bounds on
 * slow clients are properties of the listening server (src/http-server.ts).
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
 * middlewares on every request to produce the same headers each time.
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
      next(
        new GatewayError('invalid-request', { detail: `The request URL is longer than ${maxUrlLength} characters.` }),
      );
      return;
    }
    next();
  };
}

/**
 * RFC 9112 §3.2: an HTTP/1.1 request carries exactly one Host header; two (which node would quietly reduce to
 * the first) or none (node's own refusal has no body) are answered 400 `invalid-request`.
 */
export const singleHost: RequestHandler = (req, _res, next) => {
  let hosts = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.length === 4 && raw[i]?.toLowerCase() === 'host') hosts += 1;
  const needsHost = req.httpVersionMajor > 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1);
  if (hosts > 1)
    next(new GatewayError('invalid-request', { detail: 'The request carries more than one Host header.' }));
  else if (hosts === 0 && needsHost)
    next(new GatewayError('invalid-request', { detail: 'An HTTP/1.1 request needs a Host header.' }));
  else next();
};
