/**
 * While the process drains (after SIGTERM), every answer carries `Connection: close`, so keep-alive clients
 * reconnect to another replica and the server can close once in-flight requests are answered. Decided when
 * the headers are written, not when the request arrived: a lookup that started before the signal counts too.
 */
import type { RequestHandler } from 'express';
import type { Lifecycle } from '../routes/health.js';

export function closeConnectionsWhileDraining(lifecycle: Lifecycle): RequestHandler {
  return (_req, res, next) => {
    const writeHead = res.writeHead;
    res.writeHead = function (this: typeof res, ...args: unknown[]) {
      if (lifecycle.shuttingDown && !this.headersSent) this.setHeader('Connection', 'close');
      return (writeHead as (...a: unknown[]) => typeof res).apply(this, args);
    } as typeof res.writeHead;
    next();
  };
}
