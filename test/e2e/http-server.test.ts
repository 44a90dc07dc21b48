/**
 * The server that carries the app (src/http-server.ts): requests and responses are born on the app's own
 * prototypes, so express never has to swap them (the cost that dominated a cache hit), and everything express
 * gives a handler still works.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createGatewayServer } from '../../src/http-server.js';

test('requests and responses carry the app’s prototypes from birth, with express’s helpers working', async () => {
  const app = express();
  app.get('/probe/:name', (req, res) => {
    res.locals.seen = req.params.name;
    res.status(201).json({
      requestProto: Object.getPrototypeOf(req) === app.request,
      responseProto: Object.getPrototypeOf(res) === app.response,
      name: res.locals.seen as string,
      header: req.get('x-probe'),
    });
  });
  const server = createGatewayServer(app, { maxHeaderBytes: 16384 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/probe/ada`, {
      headers: { 'X-Probe': 'yes' },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ requestProto: true, responseProto: true, name: 'ada', header: 'yes' });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
