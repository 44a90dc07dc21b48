/**
 * `Connection: close` while the process drains (src/middleware/draining.ts): answers to requests that arrive
 * while draining, and to requests already in flight when it starts, close their keep-alive connection, so the
 * server can close without waiting for idle clients; and nothing replaces the response's `writeHead` to do it.
 */
import http, { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { DEFAULT_CONNECTION_LIMITS } from '../../config/security.js';
import { createGatewayServer } from '../../src/http-server.js';
import { closeConnectionsWhileDraining, ProcessLifecycle } from '../../src/middleware/draining.js';

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

function get(agent: http.Agent, port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get({ agent, host: '127.0.0.1', port, path }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
      })
      .on('error', reject);
  });
}

/** A promise with its resolver, for a handler that waits until the test lets it answer. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

function drainingApp(lifecycle: ProcessLifecycle) {
  const app = express();
  closeConnectionsWhileDraining(app, lifecycle);
  const slow = { arrived: gate(), release: gate() };
  const streaming = { headersOut: gate(), release: gate() };
  const writeHeads: boolean[] = [];
  app.get('/fast', (_req, res) => {
    writeHeads.push(res.writeHead === ServerResponse.prototype.writeHead);
    res.send('fast');
  });
  app.get('/slow', (_req, res) => {
    slow.arrived.open();
    void slow.release.opened.then(() => res.send('slow'));
  });
  // Its headers go out before draining starts; the body follows after.
  app.get('/streaming', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.write('part one, ');
    streaming.headersOut.open();
    void streaming.release.opened.then(() => res.end('part two'));
  });
  return { app, slow, streaming, writeHeads };
}

async function listen(app: express.Express): Promise<{ server: http.Server; port: number }> {
  // A keep-alive timeout far longer than the test: only `Connection: close` lets the server close in time.
  const connections = { ...DEFAULT_CONNECTION_LIMITS, keepAliveTimeoutMs: 60_000 };
  const server = createGatewayServer(app, { maxHeaderBytes: 16384, connections });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function closed(server: http.Server, withinMs: number): Promise<'closed' | 'still open'> {
  return Promise.race([
    new Promise<'closed'>((resolve) => server.close(() => resolve('closed'))),
    new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), withinMs).unref()),
  ]);
}

test('while draining, answers to requests in flight and to new ones close their connection', async () => {
  const lifecycle = new ProcessLifecycle();
  const { app, slow, streaming, writeHeads } = drainingApp(lifecycle);
  const { server, port } = await listen(app);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  try {
    // Before draining: keep-alive as usual, three connections open and idle.
    const before = await Promise.all([1, 2, 3].map(() => get(agent, port, '/fast')));
    expect(before.map((a) => a.connection)).toEqual(['keep-alive', 'keep-alive', 'keep-alive']);

    // Two requests in flight when draining starts: one before its headers, one after them.
    const inFlight = get(agent, port, '/slow');
    const streamed = get(agent, port, '/streaming');
    await Promise.all([slow.arrived.opened, streaming.headersOut.opened]);
    lifecycle.drain();
    // A request that arrives while draining, on the third kept-alive connection.
    const late = await get(agent, port, '/fast');
    slow.release.open();
    streaming.release.open();

    expect(late).toEqual({ status: 200, connection: 'close', body: 'fast' });
    expect(await inFlight).toEqual({ status: 200, connection: 'close', body: 'slow' });
    // Its headers were out before the signal: answered in full, as it began.
    expect(await streamed).toEqual({ status: 200, connection: 'keep-alive', body: 'part one, part two' });
    // Done with public APIs: every response kept node's own writeHead.
    expect(writeHeads).toEqual([true, true, true, true]);
    expect(Object.hasOwn(app.response, 'writeHead')).toBe(false);
  } finally {
    agent.destroy();
    server.closeAllConnections();
    server.close();
  }
});

test('a request in flight when draining starts closes its keep-alive connection, so the server can close', async () => {
  const lifecycle = new ProcessLifecycle();
  const { app, slow } = drainingApp(lifecycle);
  const { server, port } = await listen(app);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    expect((await get(agent, port, '/fast')).connection).toBe('keep-alive');
    const inFlight = get(agent, port, '/slow');
    await slow.arrived.opened;
    lifecycle.drain();
    // As src/server.ts does: stop listening; the connection is busy, so it is not closed as idle.
    const serverClosed = closed(server, 2000);
    slow.release.open();
    expect((await inFlight).connection).toBe('close');
    // The client keeps its agent (and would keep the socket): the server closes it after the answer.
    expect(await serverClosed).toBe('closed');
  } finally {
    agent.destroy();
    server.closeAllConnections();
  }
});

test('a lifecycle made already draining (no onDrain) marks every request on arrival', async () => {
  const app = express();
  closeConnectionsWhileDraining(app, { shuttingDown: true });
  app.get('/fast', (_req, res) => void res.send('fast'));
  const { server, port } = await listen(app);
  const agent = new http.Agent({ keepAlive: true });
  try {
    expect(await get(agent, port, '/fast')).toEqual({ status: 200, connection: 'close', body: 'fast' });
  } finally {
    agent.destroy();
    server.closeAllConnections();
    server.close();
  }
});
