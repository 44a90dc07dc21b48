/**
 * The lookup route end to end (docs/api.md): what the caller gets, what Tango receives, and which
 * requests never reach Tango at all.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { TANGO_SIM_KEY, TANGO_SIM_PLATFORM } from '../../providers/tango/simulator.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { expectProblem } from '../support/problems.js';

interface Answer {
  data: Record<string, unknown> & { id: string; providerId: string };
  raw?: unknown;
  meta: { requestId: string; cache: string };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => gw.close());
beforeEach(() => gw.sim('tango').reset());

const NO_CACHE = { 'Cache-Control': 'no-cache' };

describe('X-Request-Id', () => {
  test('a well-formed caller id is echoed in the header and in meta.requestId', async () => {
    const id = 'dash-board_42.abc';
    const res = await gw.lookup('tango', 'zanzibar-health', { headers: { 'X-Request-Id': id } });
    expect(res.headers.get('x-request-id')).toBe(id);
    expect(((await res.json()) as Answer).meta.requestId).toBe(id);
  });

  test('a well-formed caller id is echoed in a problem’s requestId', async () => {
    const res = await gw.lookup('tango', 'abc', { headers: { 'X-Request-Id': 'caller-1' } });
    expect(res.headers.get('x-request-id')).toBe('caller-1');
    expect((await expectProblem(res, 'invalid-request')).requestId).toBe('caller-1');
  });

  test.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'two words'],
    ['with a slash', 'a/b'],
    ['with a quote', 'a"b'],
  ])('a malformed caller id (%s) is replaced by a new UUID', async (_name, given) => {
    const res = await gw.lookup('tango', 'zanzibar-health', { headers: { 'X-Request-Id': given } });
    const echoed = res.headers.get('x-request-id') ?? '';
    expect(echoed).toMatch(UUID);
    expect(((await res.json()) as Answer).meta.requestId).toBe(echoed);
  });

  test('without a caller id every answer gets its own UUID', async () => {
    const [a, b] = await Promise.all([gw.lookup('tango', 'zanzibar-health'), gw.lookup('tango', 'zanzibar-health')]);
    expect(a?.headers.get('x-request-id')).toMatch(UUID);
    expect(a?.headers.get('x-request-id')).not.toBe(b?.headers.get('x-request-id'));
  });

  test('the caller’s id is never forwarded to Tango', async () => {
    await gw.lookup('tango', 'acme-wellness', { headers: { ...NO_CACHE, 'X-Request-Id': 'must-stay-here' } });
    const sent = gw.sim('tango').log[0]?.headers ?? {};
    expect(sent['x-request-id']).toBeUndefined();
    expect(JSON.stringify(sent)).not.toContain('must-stay-here');
  });
});

describe('the request Tango receives', () => {
  test('carries Basic auth, the gateway’s User-Agent and Accept: application/json', async () => {
    await gw.lookup('tango', 'acme-wellness', { headers: NO_CACHE });
    const received = gw.sim('tango').log[0];
    expect(received?.method).toBe('GET');
    expect(received?.path).toBe('/customers/acme-wellness');
    expect(received?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${TANGO_SIM_PLATFORM}:${TANGO_SIM_KEY}`).toString('base64')}`,
    );
    expect(received?.headers['user-agent']).toBe(`customer-gateway/${version}`);
    expect(received?.headers.accept).toBe('application/json');
  });

  test('carries the id path-encoded', async () => {
    // Tango's id rule only admits characters that need no encoding, so the adapter's request is read directly.
    const tango = gw.services.providers.get('tango')?.adapter;
    expect(tango?.request('a b/c?d', { attemptId: 'x', idempotencyKey: 'y' }).path).toBe('/customers/a%20b%2Fc%3Fd');
  });

  test('Tango’s own X-REQUEST-ID is logged with the attempt, and the credentials never are', async () => {
    await gw.lookup('tango', 'acme-wellness', { headers: { ...NO_CACHE, 'X-Request-Id': 'log-check-1' } });
    const attempt = gw.logs().find((line) => line.msg === 'upstream attempt' && line.requestId === 'log-check-1');
    expect(attempt?.upstreamRequestId).toMatch(UUID);
    expect(gw.logText()).not.toContain(TANGO_SIM_KEY);
    expect(gw.logText()).not.toContain(Buffer.from(`${TANGO_SIM_PLATFORM}:${TANGO_SIM_KEY}`).toString('base64'));
  });

  test('goes under the base URL’s path (/raas/v2)', async () => {
    expect(gw.config.providers.find((p) => p.id === 'tango')?.baseUrl).toMatch(/\/raas\/v2$/);
    await gw.lookup('tango', 'dormant-holdings', { headers: NO_CACHE });
    expect(gw.sim('tango').stats.apiRequests).toBe(1);
  });
});

describe('?include and other query parameters', () => {
  test('?include=raw adds raw: Tango’s body as Tango sent it', async () => {
    const res = await gw.lookup('tango', 'zanzibar-health', { query: 'include=raw' });
    const body = (await res.json()) as Answer;
    const direct = await fetch(`${gw.sim('tango').baseUrl}/customers/zanzibar-health`, {
      headers: { Authorization: `Basic ${Buffer.from(`${TANGO_SIM_PLATFORM}:${TANGO_SIM_KEY}`).toString('base64')}` },
    });
    expect(body.raw).toEqual(await direct.json());
    expect(body.data.displayName).toBe('Zanzibar Health Group');
  });

  test('without include there is no raw', async () => {
    const body = (await (await gw.lookup('tango', 'zanzibar-health')).json()) as Answer;
    expect(body).not.toHaveProperty('raw');
    expect(Object.keys(body).sort()).toEqual(['data', 'meta']);
  });

  // `balances` became a value of include for Tango (issue 16): an unknown value beside raw is the case now.
  test.each(['include=everything', 'include=raw,everything'])('%s is invalid-request', async (query) => {
    const problem = await expectProblem(await gw.lookup('tango', 'zanzibar-health', { query }), 'invalid-request');
    expect(problem.detail).toMatch(/include/);
  });

  test('unknown query parameters are ignored', async () => {
    const res = await gw.lookup('tango', 'zanzibar-health', { query: 'foo=bar&expand=all' });
    expect(res.status).toBe(200);
  });
});

describe('HEAD', () => {
  test('HEAD answers like GET without a body', async () => {
    const get = await gw.lookup('tango', 'acme-wellness');
    await get.text();
    const head = await gw.lookup('tango', 'acme-wellness', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^application\/json/);
    expect(head.headers.get('etag')).toBe(get.headers.get('etag'));
    expect(head.headers.get('cache-status')).toMatch(/^customer-gateway; hit; ttl=\d+$/);
    expect(await head.text()).toBe('');
  });

  test('HEAD of an invalid id answers 400 without a body', async () => {
    const head = await gw.lookup('tango', 'abc', { method: 'HEAD' });
    expect(head.status).toBe(400);
    expect(await head.text()).toBe('');
  });
});

describe('invalid ids never reach the upstream', () => {
  // Each is the path segment exactly as sent on the wire.
  test.each([
    ['too short', 'abcd'],
    ['too long', 'a'.repeat(101)],
    ['a dot-dot path', '..%2Fx'],
    ['an encoded slash', 'abcde%2Fxyz'],
    ['a space', 'acme%20wellness'],
    ['an underscore', 'acme_wellness'],
    ['unicode (Tango ids are ASCII)', '%C3%A6r%C3%B8sk%C3%B8bing'],
    ['a NUL byte', 'abcde%00'],
    ['invalid percent-encoding', '%E0%A4%A'],
    ['a lone percent sign', 'abcde%'],
  ])('%s is answered 400 invalid-request, Tango never called', async (_name, segment) => {
    const res = await fetch(`${gw.url}/customers/tango/${segment}`);
    expect((await expectProblem(res, 'invalid-request')).provider).toBe('tango');
    expect(gw.sim('tango').stats.requests).toBe(0);
  });

  test('an unencoded ../ in the path names no lookup at all: not-found, Tango never called', async () => {
    // fetch() would resolve the dot segments itself; node:http with a path option sends it exactly as written.
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const { hostname, port } = new URL(gw.url);
      const req = request({ hostname, port, path: '/customers/tango/../x' }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(404);
    expect(JSON.parse(body)).toMatchObject({ type: '/problems/not-found', instance: '/customers/tango/../x' });
    expect(gw.sim('tango').stats.requests).toBe(0);
  });

  test('the longest and shortest valid ids pass the rule (and reach Tango)', async () => {
    await expectProblem(await gw.lookup('tango', 'a'.repeat(100)), 'customer-not-found', { cached: true });
    await expectProblem(await gw.lookup('tango', 'A-9zz'), 'customer-not-found', { cached: true });
    expect(gw.sim('tango').stats.apiRequests).toBe(2);
  });
});

describe('the answer', () => {
  test('is application/json in the common model with meta', async () => {
    const res = await gw.lookup('tango', 'zanzibar-health', { headers: NO_CACHE });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Answer;
    expect(body.data).toMatchObject({
      id: 'tango:zanzibar-health',
      provider: 'tango',
      providerId: 'zanzibar-health',
      type: 'organization',
    });
    expect(body.meta).toMatchObject({ cache: 'miss', ageSeconds: 0, requestId: res.headers.get('x-request-id') });
    expect(new Date((body.meta as unknown as { fetchedAt: string }).fetchedAt).toISOString()).toBe(
      (body.meta as unknown as { fetchedAt: string }).fetchedAt,
    );
  });
});
