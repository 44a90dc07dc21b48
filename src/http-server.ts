/**
 * The node:http server that carries the express app, the same in production, tests and benchmarks: node's
 * header-size cap, bounds on slow and numerous clients, parser refusals answered as problem documents, and
 * requests and responses that are born express's own.
 *
 * Why the last one: express 5 hands every request and response to `Object.setPrototypeOf` (its
 * `app.handle`) to give them `req.get`, `res.locals` and the rest. Once an object's prototype is swapped
 * after it was made, V8 serves it through slow paths, in express and in node's own http code alike, for
 * the rest of the request; on a cache hit, where little else happens, that is the largest cost of all
 * (docs/performance.md). node lets a server construct its requests and responses with constructors of our
 * choosing (`IncomingMessage`/`ServerResponse` options): built on `app.request` and `app.response` from the
 * start, express's swap is a no-op. test/e2e/http-server.test.ts fails if an express upgrade changes that.
 */
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';
import { DEFAULT_CONNECTION_LIMITS, type SecurityConfig } from '../config/security.js';
import { answerClientErrors } from './middleware/client-errors.js';

/** How often node looks for requests past their head or request timeout: at most a second late. */
const checkingIntervalMs = (headersTimeoutMs: number) => Math.max(50, Math.min(1000, Math.floor(headersTimeoutMs / 2)));

export function createGatewayServer(
  app: Express,
  security: Pick<SecurityConfig, 'maxHeaderBytes'> & Partial<Pick<SecurityConfig, 'connections'>>,
): Server {
  const limits = security.connections ?? DEFAULT_CONNECTION_LIMITS;
  // Plain constructor functions, not classes: the instances' prototype must be `app.request` itself.
  function ExpressRequest(this: IncomingMessage, socket: Socket) {
    IncomingMessage.call(this, socket);
  }
  ExpressRequest.prototype = app.request;
  function ExpressResponse(this: ServerResponse, req: IncomingMessage, options?: object) {
    // The options (highWaterMark and the like) as node passes them.
    (ServerResponse as unknown as (this: ServerResponse, req: IncomingMessage, options?: object) => void).call(
      this,
      req,
      options,
    );
  }
  ExpressResponse.prototype = app.response;
  const server = createServer(
    {
      maxHeaderSize: security.maxHeaderBytes,
      // A client that drips its head or its request is answered 408 and cut (node's defaults hold it for
      // minutes, and check only every 30 s).
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: checkingIntervalMs(limits.headersTimeoutMs),
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // A request without Host is refused by the app, as a problem document (node's own refusal has no body).
      requireHostHeader: false,
      IncomingMessage: ExpressRequest as unknown as typeof IncomingMessage,
      ServerResponse: ExpressResponse as unknown as typeof ServerResponse,
    },
    app,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Beyond it node closes new sockets at once: a flood of idle or slow connections cannot take every file descriptor.
  server.maxConnections = limits.maxConnections;
  answerClientErrors(server);
  return server;
}
