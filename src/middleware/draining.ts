/**
 * While the process drains (after SIGTERM), every answer carries `Connection: close`, so keep-alive clients
 * reconnect to another replica and the server can close once in-flight requests are answered. Decided when
 * the headers are written, not when the request arrived: a lookup that started before the signal counts too.
 *
 * Installed once on the app's own response prototype (`app.response`, which express offers for extension)
 * rather than wrapped around each response: nothing is allocated per request.
 */
import { ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Lifecycle } from '../routes/health.js';

export function closeConnectionsWhileDraining(app: Express, lifecycle: Lifecycle): void {
  // Called below with `.apply(this, …)`, on the response it belongs to.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const writeHead = ServerResponse.prototype.writeHead as (this: ServerResponse, ...args: unknown[]) => ServerResponse;
  app.response.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (lifecycle.shuttingDown && !this.headersSent) this.setHeader('Connection', 'close');
    return writeHead.apply(this, args);
  } as typeof app.response.writeHead;
}
