/**
 * While the process drains (after SIGTERM), every answer carries `Connection: close`, so keep-alive clients
 * reconnect to another replica and the server can close once in-flight requests are answered. That includes the
 * answers to requests that started before the signal: those still being worked on are known, and get the header
 * the moment draining starts, if their headers have not gone out yet.
 *
 * Public APIs only (`res.setHeader`, the response's `'close'` event): nothing wraps or replaces `writeHead`.
 * On the way in a request costs a Set entry and one listener, a function shared by every response: nothing is
 * allocated for it per request.
 */
import type { ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Lifecycle } from '../routes/health.js';

/**
 * The process's lifecycle: `drain()` once a stop signal arrives; what subscribed with `onDrain` hears it then,
 * synchronously, before the caller goes on to close the server.
 */
export class ProcessLifecycle implements Lifecycle {
  #shuttingDown = false;
  readonly #listeners: (() => void)[] = [];

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  onDrain(listener: () => void): void {
    if (this.#shuttingDown) listener();
    else this.#listeners.push(listener);
  }

  /** Starts draining; a second call does nothing. */
  drain(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const listener of this.#listeners.splice(0)) listener();
  }
}

export function closeConnectionsWhileDraining(app: Express, lifecycle: Lifecycle): void {
  // Responses whose request arrived before draining started and that are not closed yet. Only a lifecycle that
  // can announce draining needs them (one made already draining, as in a test, marks every request on arrival).
  const inFlight = lifecycle.onDrain ? new Set<ServerResponse>() : undefined;
  // One function for every response: node calls a listener with the emitter as `this`.
  function settled(this: ServerResponse) {
    inFlight?.delete(this);
  }
  lifecycle.onDrain?.(() => {
    // An answer whose headers went out already cannot take the header any more.
    for (const res of inFlight ?? []) if (!res.headersSent) res.setHeader('Connection', 'close');
    inFlight?.clear();
  });
  app.use((_req, res, next) => {
    if (lifecycle.shuttingDown) res.setHeader('Connection', 'close');
    else if (inFlight) {
      inFlight.add(res);
      res.on('close', settled);
    }
    next();
  });
}
