/**
 * The server that carries the app (src/http-server.ts): requests and responses are born on the app's own
 * prototypes, so express never has to swap them (the cost that dominated a cache hit), and everything express
 * gives a handler still works.
 */
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
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

test('on the gateway’s server, express’s per-request prototype swap changes no prototype', async () => {
  // src/http-server.ts relies on express 5's `app.handle` setting each request's and response's prototype with
  // `Object.setPrototypeOf(req, app.request)` (and the same for `res`), and on that call changing nothing when
  // the object was born on that prototype. If an express upgrade sets any other prototype (one per request, per
  // router), hands the route other objects, or no longer makes the call this test watches, the test fails: what
  // the server does to spare requests a prototype swap must then be looked at again.
  const app = express();
  const seen: { req?: object; res?: object } = {};
  app.get('/probe', (req, res) => {
    seen.req = req;
    seen.res = res;
    res.json({
      requestProto: Object.getPrototypeOf(req) === app.request,
      responseProto: Object.getPrototypeOf(res) === app.response,
    });
  });
  const server = createGatewayServer(app, { maxHeaderBytes: 16384 });
  // The objects as node made them, before express saw them (this listener runs before the app's).
  const born: { req?: object; res?: object; reqProto?: unknown; resProto?: unknown } = {};
  server.prependListener('request', (req: object, res: object) => {
    const [reqProto, resProto] = [Object.getPrototypeOf(req) as unknown, Object.getPrototypeOf(res) as unknown];
    Object.assign(born, { req, res, reqProto, resProto });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const calls: { target: unknown; before: unknown; after: unknown }[] = [];
  const setPrototypeOf = Object.setPrototypeOf;
  const spy = jest.spyOn(Object, 'setPrototypeOf').mockImplementation((target: unknown, proto: object | null) => {
    calls.push({ target, before: Object.getPrototypeOf(target), after: proto });
    return setPrototypeOf(target, proto) as unknown;
  });
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/probe`);
    expect(await res.json()).toEqual({ requestProto: true, responseProto: true });
  } finally {
    spy.mockRestore();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  // Born express's own, and handed to the route as the very same objects.
  expect(born.reqProto).toBe(app.request);
  expect(born.resProto).toBe(app.response);
  expect(seen.req).toBe(born.req);
  expect(seen.res).toBe(born.res);
  // express did call it on both (so the spy watched the call that matters) ...
  const onRequest = calls.filter((c) => c.target === born.req);
  const onResponse = calls.filter((c) => c.target === born.res);
  expect(onRequest.length).toBeGreaterThan(0);
  expect(onResponse.length).toBeGreaterThan(0);
  // ... and never with a prototype other than the one the object already had.
  for (const call of [...onRequest, ...onResponse]) expect(call.after).toBe(call.before);
});
