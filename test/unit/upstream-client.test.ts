/**
 * The upstream attempts' HTTP client against a real server on loopback: compressed bodies decoded (they are asked
 * for), the byte limit on the body as decoded, a cut-off body and an unreachable upstream told apart, and the
 * attempt's signal obeyed.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { UpstreamClient, UpstreamTransportError } from '../../src/core/upstream-client.js';

type Answer = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let answer: Answer;
let server: http.Server;
let origin: string;
const agent = new http.Agent({ keepAlive: true });
const client = new UpstreamClient({
  httpAgent: agent,
  httpsAgent: new https.Agent(),
  headers: { 'User-Agent': 'customer-gateway/test' },
});
const get = (maxBodyBytes = 1000, signal = AbortSignal.timeout(5000)) =>
  client.get(`${origin}/customers/x`, { Accept: 'application/json' }, signal, maxBodyBytes);

beforeAll(async () => {
  server = http.createServer((req, res) => answer(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  agent.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const BODY = JSON.stringify({ customerIdentifier: 'x', displayName: 'Zoë Ødegård' });

test('the request carries its headers, the defaults and the encodings it can decode', async () => {
  let seen: http.IncomingHttpHeaders = {};
  answer = (req, res) => {
    seen = req.headers;
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'up-1' }).end(BODY);
  };
  const response = await get();
  expect(response).toMatchObject({ status: 200, text: BODY, headers: { 'x-request-id': 'up-1' } });
  expect(seen).toMatchObject({
    accept: 'application/json',
    'user-agent': 'customer-gateway/test',
    'accept-encoding': 'gzip, compress, deflate, br',
  });
});

test.each<[string, (body: Buffer) => Buffer]>([
  ['gzip', (b) => zlib.gzipSync(b)],
  ['deflate', (b) => zlib.deflateSync(b)],
  ['deflate', (b) => zlib.deflateRawSync(b)],
  ['br', (b) => zlib.brotliCompressSync(b)],
])('a %s body is decoded', async (encoding, encode) => {
  answer = (_req, res) => res.writeHead(200, { 'content-encoding': encoding }).end(encode(Buffer.from(BODY)));
  expect((await get()).text).toBe(BODY);
});

test('a leading byte order mark is dropped; any status is an answer, a redirect is not followed', async () => {
  answer = (_req, res) => res.writeHead(302, { location: `${origin}/elsewhere` }).end(`\ufeff${BODY}`);
  expect(await get()).toMatchObject({ status: 302, text: BODY });
});

test.each<[string, Answer]>([
  ['as sent', (_req, res) => res.writeHead(200).end('x'.repeat(2000))],
  [
    'once decoded',
    (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(zlib.gzipSync('x'.repeat(2000))),
  ],
])('a body over the limit %s is refused as too large', async (_name, over) => {
  answer = over;
  const error = await get(1000).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UpstreamTransportError);
  expect(error).toMatchObject({ tooLarge: true, headersArrived: true });
});

test('a body cut off before its Content-Length: the headers had arrived', async () => {
  answer = (_req, res) => {
    res.writeHead(200, { 'content-length': '500' });
    res.write('{"customerIdentifier":');
    setTimeout(() => res.socket?.destroy(), 20);
  };
  const error = await get().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UpstreamTransportError);
  expect(error).toMatchObject({ tooLarge: false, headersArrived: true });
});

test('an upstream that cannot be reached: no headers, with node’s code', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const error = await client
    .get(`http://127.0.0.1:${port}/`, {}, AbortSignal.timeout(5000), 1000)
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UpstreamTransportError);
  expect(error).toMatchObject({ code: 'ECONNREFUSED', headersArrived: false });
});

test('the signal ends the request, even while the body is on its way', async () => {
  answer = (_req, res) => {
    res.writeHead(200, { 'content-length': '500' });
    res.write('{');
  };
  const controller = new AbortController();
  const pending = get(1000, controller.signal).catch((e: unknown) => e);
  setTimeout(() => controller.abort(new Error('deadline')), 50);
  expect(await pending).toMatchObject({ message: 'deadline' });
  expect(controller.signal.aborted).toBe(true);
});
