/**
 * The door: slow and numerous clients are bounded, one resource has one URL (case-sensitive, no trailing-slash
 * alias), a request carries exactly one Host, every refusal (node's parser's included) is a problem document
 * with X-Request-Id whose `instance` is a valid URI reference, and Retry-After agrees with RateLimit.
 * Requests are written raw over `node:net`, so that nothing normalises them on the way.
 */
import net from 'node:net';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parse(text: string): RawAnswer {
  const split = text.indexOf('\r\n\r\n');
  const head = (split < 0 ? text : text.slice(0, split)).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0),
    headers,
    body: split < 0 ? '' : text.slice(split + 4),
  };
}

/** Sends one request exactly as written and reads the whole answer (the server closes: `Connection: close`). */
function send(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(parse(Buffer.concat(chunks).toString('utf8'))));
    socket.write(request);
  });
}

const get = (target: string, host = 'Host: localhost\r\n') =>
  `GET ${target} HTTP/1.1\r\n${host}Connection: close\r\n\r\n`;
const portOf = (gw: TestGateway) => Number(new URL(gw.url).port);

/** RFC 3986 relative reference made of a path only: pchar and "/", with "%" only in a well-formed escape. */
const URI_PATH = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;

function expectProblem(answer: RawAnswer, status: number): Record<string, unknown> {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(answer.headers['x-request-id']).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
  const problem = JSON.parse(answer.body) as Record<string, unknown>;
  expect(problem.status).toBe(status);
  expect(problem.requestId).toBe(answer.headers['x-request-id']);
  expect(String(problem.instance)).toMatch(URI_PATH);
  expect(String(problem.instance).startsWith('//')).toBe(false);
  return problem;
}

// Wall time here: node's http server enforces the headers timeout and the connection cap with its own timers and
// socket events, not the gateway's clock.
describe('with short configured bounds', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({
      env: { GATEWAY_HEADERS_TIMEOUT_MS: '500', GATEWAY_REQUEST_TIMEOUT_MS: '1000', GATEWAY_MAX_CONNECTIONS: '3' },
    });
  });
  afterAll(async () => gw.close());

  test('a client dripping its headers is answered 408 and cut soon after the headers timeout', async () => {
    const started = Date.now();
    const socket = net.connect(portOf(gw), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
    // One header byte every 50 ms: never a complete head.
    const drip = setInterval(() => socket.writable && socket.write('X'), 50);
    const closedAfter = await new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now() - started)));
    clearInterval(drip);
    // 500 ms timeout, checked every 250 ms; the bound is generous for a loaded machine, and still far below the
    // minutes node's defaults allow.
    expect(closedAfter).toBeLessThan(5000);
    expect(closedAfter).toBeGreaterThanOrEqual(400);
    expectProblem(parse(Buffer.concat(chunks).toString('utf8')), 408);
  });

  test('connections beyond the cap are dropped at once, and the server serves again once they close', async () => {
    const open = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<net.Socket>((resolve) => {
            const socket = net.connect(portOf(gw), '127.0.0.1', () => resolve(socket));
            socket.on('error', () => undefined);
          }),
      ),
    );
    // Let the server count them before the next one arrives (node counts a connection when it accepts it; nothing
    // tells the test when that has happened).
    await new Promise((resolve) => setTimeout(resolve, 100));
    const extra = net.connect(portOf(gw), '127.0.0.1');
    extra.on('error', () => undefined);
    extra.write(get('/healthz'));
    const received: Buffer[] = [];
    extra.on('data', (chunk: Buffer) => received.push(chunk));
    await new Promise((resolve) => extra.on('close', resolve));
    expect(Buffer.concat(received).length).toBe(0);
    for (const socket of open) socket.destroy();
    // Likewise for the server to see them closed.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await send(portOf(gw), get('/healthz'))).status).toBe(200);
  });
});

describe('many slow clients at once, with lookups flowing', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { GATEWAY_HEADERS_TIMEOUT_MS: '500', GATEWAY_REQUEST_TIMEOUT_MS: '1000' } });
  });
  afterAll(async () => gw.close());

  /** One client dripping a header byte every 50 ms; resolves with how long the server kept it. */
  function drip(): Promise<number> {
    const started = Date.now();
    const socket = net.connect(portOf(gw), '127.0.0.1');
    socket.on('error', () => undefined);
    // Read what the server sends (its 408), so that its close reaches this side.
    socket.resume();
    socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n');
    const timer = setInterval(() => socket.writable && socket.write('X'), 50);
    return new Promise((resolve) =>
      socket.on('close', () => {
        clearInterval(timer);
        resolve(Date.now() - started);
      }),
    );
  }

  test('fifty dripping clients are each cut soon after the headers timeout, every time', async () => {
    let flowing = true;
    let answered = 0;
    const traffic = (async () => {
      while (flowing) {
        const res = await gw.lookup('tango', 'zanzibar-health');
        expect(res.status).toBe(200);
        answered += 1;
      }
    })();
    const held = await Promise.all(Array.from({ length: 50 }, drip));
    flowing = false;
    await traffic;
    // 500 ms timeout, checked every 250 ms: each is cut within a second of it, with the same generous bound as the
    // single client above for a loaded machine (node's defaults held such a client up to 40 s).
    expect(Math.max(...held)).toBeLessThan(5000);
    expect(Math.min(...held)).toBeGreaterThanOrEqual(400);
    expect(answered).toBeGreaterThan(0);
  });
});

describe('routing, Host and refusals', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { TANGO_RETRIES: '0' } });
  });
  afterAll(async () => gw.close());

  test.each([
    '/HEALTHZ',
    '/healthz/',
    '/Healthz',
    '/readyz/',
    '/Providers',
    '/providers/',
    '/metrics/',
    '/openapi.json/',
    '/OPENAPI.JSON',
    '/Customers/tango/zanzibar-health',
    '/customers/tango/zanzibar-health/',
    '/CACHE/customers/tango/zanzibar-health',
    '/problems/not-found/',
  ])('%s is no alias: 404 not-found', async (path) => {
    const problem = expectProblem(await send(portOf(gw), get(path)), 404);
    expect(problem.type).toBe('/problems/not-found');
    expect(gw.sim('tango').log).toEqual([]);
  });

  test('a provider id is case-sensitive too: /customers/Tango/… names no provider', async () => {
    const problem = expectProblem(await send(portOf(gw), get('/customers/Tango/zanzibar-health')), 404);
    expect(problem.type).toBe('/problems/unknown-provider');
  });

  test('the canonical paths answer', async () => {
    for (const path of ['/healthz', '/readyz', '/providers', '/openapi.json', '/customers/tango/zanzibar-health']) {
      expect((await send(portOf(gw), get(path))).status).toBe(200);
    }
  });

  test('two Host headers: 400 invalid-request', async () => {
    const answer = await send(portOf(gw), get('/healthz', 'Host: localhost\r\nHost: evil.example\r\n'));
    expect(expectProblem(answer, 400).type).toBe('/problems/invalid-request');
  });

  test('an HTTP/1.1 request without Host: 400 with a problem body; HTTP/1.0 needs none', async () => {
    const answer = await send(portOf(gw), 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(expectProblem(answer, 400).detail).toMatch(/Host/);
    expect((await send(portOf(gw), 'GET /healthz HTTP/1.0\r\n\r\n')).status).toBe(200);
  });

  test('a request node’s parser refuses is a problem document with X-Request-Id', async () => {
    expectProblem(await send(portOf(gw), 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nNo colon here\r\n\r\n'), 400);
    expectProblem(await send(portOf(gw), 'BREW /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n'), 400);
  });

  test.each([
    ['/customers/tango/%zz', '/customers/tango/%25zz'],
    ['/customers/tango/abc%', '/customers/tango/abc%25'],
    ['/customers/tango/%E0%A4%A', '/customers/tango/%E0%A4%25A'],
    ['/customers/tango/a"b<c>', '/customers/tango/a%22b%3Cc%3E'],
    ['//customers/tango/x', '/%2Fcustomers/tango/x'],
    ['/customers/tango/zanzibar%20health', '/customers/tango/zanzibar%20health'],
  ])('the instance of %s is a valid URI reference: %s', async (target, instance) => {
    const answer = await send(portOf(gw), get(target));
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(expectProblem(answer, answer.status).instance).toBe(instance);
  });
});

describe('Retry-After and RateLimit name the same reset', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { GATEWAY_RATE_LIMIT_PER_MINUTE: '3', TANGO_RETRIES: '0' } });
  });
  afterAll(async () => gw.close());

  const resetOf = (res: Response) => Number(/; t=(\d+)/.exec(res.headers.get('ratelimit') ?? '')?.[1]);

  test('a 503 carrying the upstream’s Retry-After: RateLimit’s t is the same', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 429, headers: { 'Retry-After': '8' } }, times: 1 });
    const res = await gw.lookup('tango', 'acme-wellness');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('8');
    expect(resetOf(res)).toBe(8);
  });

  test('the caller’s own 429: Retry-After and t are one value', async () => {
    let res = await gw.lookup('tango', 'zanzibar-health');
    while (res.status !== 429) res = await gw.lookup('tango', 'zanzibar-health');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(resetOf(res)).toBe(Number(res.headers.get('retry-after')));
    expect(res.headers.get('ratelimit')).toMatch(/; r=0; /);
  });
});
