/**
 * Hostile input (issue 4 §7): hundreds of generated bad requests, sent raw over `node:net` so that nothing
 * normalises the URL on the way. Each must get a 4xx problem document (405 with Allow for a wrong method), no
 * upstream call, no 5xx, and the gateway must still answer a valid lookup afterwards. Every mounted route gets
 * every method it does not serve (405 with exactly its Allow).
 */
import net from 'node:net';
import { adapters } from '../../providers/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends one request exactly as written and reads the whole answer (the connection is closed by us or the server). */
function send(port: number, request: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = (split < 0 ? text : text.slice(0, split)).split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status, headers, body: split < 0 ? '' : text.slice(split + 4) });
    });
    socket.write(request);
  });
}

const get = (target: string, extraHeaders = '') =>
  `GET ${target} HTTP/1.1\r\nHost: localhost\r\n${extraHeaders}Connection: close\r\n\r\n`;

const BAD_IDS = [
  '..',
  '..%2f..%2fetc%2fpasswd',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '%2e%2e%2f%2e%2e',
  '....//....//etc',
  '..%5c..%5cwindows',
  'zanzibar%2Fhealth',
  'zanzibar%2fhealth',
  'zanzibar%5Chealth',
  '%2F',
  'a%2F..%2Fb',
  'zanzibar%00health',
  '%00',
  'zanzibar-health%00',
  '%00%00%00%00%00',
  '%',
  '%zz',
  'abc%',
  '%E0%A4%A',
  '%C0%AF',
  '%ED%A0%80',
  '%FF%FE',
  'zanzibar%G0health',
  'zanzibar%E2%80%AEhealth',
  '%E2%80%8Fzanzibar-health',
  'zanzibar-health%E2%81%A6',
  '%E2%80%AAabcde%E2%80%AC',
  '%EF%BB%BFzanzibar',
  'a'.repeat(10 * 1024),
  '9'.repeat(10 * 1024),
  `${'%41'.repeat(3000)}`,
  '%20%20%20%20%20',
  'zanzibar%20health',
  'zanzibar%09health',
  'zanzibar%0D%0AX-Injected:%201',
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  "1'%20OR%20'1'='1",
  '$%7Bjndi:ldap://x%7D',
  'abc',
  'ab',
];

const BAD_QUERIES = [
  'include[]=raw',
  'include=raw&include=x',
  'include[a]=b',
  'include=',
  'include=%00',
  'include=raw%2Cx',
  'include=../raw',
  'include=RAW',
  `include=${'r'.repeat(8000)}`,
  'include=raw&include[]=raw',
];

/** Every route mounted, with the methods it serves. */
const ROUTES: { path: string; allow: string[] }[] = [
  ...adapters.map((a) => ({ path: `/customers/${a.id}/${a.exampleId}`, allow: ['GET', 'HEAD'] })),
  { path: '/providers', allow: ['GET', 'HEAD'] },
  { path: '/problems/upstream-error', allow: ['GET', 'HEAD'] },
  { path: '/healthz', allow: ['GET', 'HEAD'] },
  { path: '/readyz', allow: ['GET', 'HEAD'] },
  ...adapters.map((a) => ({ path: `/cache/customers/${a.id}/${a.exampleId}`, allow: ['DELETE'] })),
  // The customer lists: their wrong methods are answered before any upstream is asked.
  ...adapters.map((a) => ({ path: `/customers/${a.id}`, allow: ['GET', 'HEAD'] })),
  { path: '/', allow: ['GET', 'HEAD'] },
  { path: '/console', allow: ['GET', 'HEAD'] },
  { path: '/metrics', allow: ['GET', 'HEAD'] },
  { path: '/openapi.json', allow: ['GET', 'HEAD'] },
  { path: '/docs', allow: ['GET', 'HEAD'] },
  { path: '/console/', allow: ['GET', 'HEAD'] },
];
const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'PROPFIND',
  'MKCOL',
  'LOCK',
  'PURGE',
  'SEARCH',
  'COPY',
  'MOVE',
  'UNLOCK',
  'REPORT',
];

interface Hostile {
  name: string;
  request: string;
  /** A wrong method: the answer must be 405 with exactly these methods in Allow (404 if `allow` is empty). */
  allow?: string[];
}

const withMethod = (method: string, path: string) => {
  const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? '{"id":"x"}' : '';
  const headers = `Host: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}`;
  return `${method} ${path} HTTP/1.1\r\n${headers}\r\nConnection: close\r\n\r\n${body}`;
};

function hostileRequests(): Hostile[] {
  const requests: Hostile[] = [];
  const providers = [...adapters.map((a) => a.id), 'no-such-provider', '..', '%2e%2e', 'tango%00'];
  for (const provider of providers) {
    for (const id of BAD_IDS)
      requests.push({ name: `id ${provider}/${id.slice(0, 40)}`, request: get(`/customers/${provider}/${id}`) });
  }
  for (const adapter of adapters) {
    for (const query of BAD_QUERIES)
      requests.push({
        name: `query ${adapter.id} ${query.slice(0, 40)}`,
        request: get(`/customers/${adapter.id}/${adapter.exampleId}?${query}`),
      });
  }
  for (const { path, allow } of ROUTES) {
    for (const method of METHODS) {
      if (!allow.includes(method))
        requests.push({ name: `${method} ${path}`, allow, request: withMethod(method, path) });
    }
  }
  const traversal = [
    '/customers/tango/../../etc/passwd',
    '/customers/../customers/tango/zanzibar-health',
    '/../../etc/passwd',
    '/customers/tango/zanzibar-health/../acme-wellness',
    '//customers//tango',
    '/customers/tango/zanzibar-health/extra',
    '/customers',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/customers%2Ftango%2Fzanzibar-health',
    '/providers/../healthz/x',
    '/problems/%00',
    '/problems/..%2f..%2fetc',
    '/problems/' + 'x'.repeat(5000),
  ];
  for (const path of traversal) requests.push({ name: `path ${path.slice(0, 40)}`, request: get(path) });
  // Over-long and odd headers: node's parser refuses more than 16 KB of headers (431).
  requests.push({
    name: 'one 20 KB header',
    request: get('/customers/tango/zanzibar-health', `X-Long: ${'a'.repeat(20 * 1024)}\r\n`),
  });
  requests.push({
    name: 'many headers over 16 KB',
    request: get(
      '/customers/tango/zanzibar-health',
      Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'b'.repeat(50)}\r\n`).join(''),
    ),
  });
  requests.push({ name: 'a 20 KB request line', request: get(`/customers/tango/${'z'.repeat(20 * 1024)}`) });
  requests.push({ name: 'a header with NUL', request: get('/customers/tango/%00', 'X-Bad: a\u0000b\r\n') });
  requests.push({ name: 'a raw NUL in the path', request: get('/customers/tango/zanzibar\u0000health') });
  requests.push({ name: 'a raw space in the path', request: get('/customers/tango/zanzibar health') });
  requests.push({
    name: 'an unknown method',
    request: 'FOO /customers/tango/zanzibar-health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
  });
  requests.push({
    name: 'garbage instead of HTTP',
    request: '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003garbage\r\n\r\n',
  });
  requests.push({
    name: 'a bad Host and a bad id',
    request: `GET /customers/tango/.. HTTP/1.1\r\nHost: ${'h'.repeat(300)}\r\nConnection: close\r\n\r\n`,
  });
  requests.push({
    name: 'an invalid X-Request-Id and a bad id',
    request: get('/customers/tango/%00', `X-Request-Id: ${'<script>'.repeat(40)}\r\n`),
  });
  return requests;
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => gw.close());

test('300+ bad requests each get a 4xx problem, none reaches an upstream, and the gateway still answers', async () => {
  const port = Number(new URL(gw.url).port);
  const requests = hostileRequests();
  expect(requests.length).toBeGreaterThanOrEqual(300);
  const upstreamBefore = [...gw.simulators.values()].map((s) => s.stats.requests);

  const failures: string[] = [];
  const statuses = new Map<number, number>();
  for (let i = 0; i < requests.length; i += 20) {
    const batch = requests.slice(i, i + 20);
    const answers = await Promise.all(batch.map((r) => send(port, r.request)));
    answers.forEach((answer, j) => {
      const { name, allow, request } = batch[j] as Hostile;
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.status < 400 || answer.status >= 500) return failures.push(`${name}: ${answer.status}`);
      if (!/^application\/problem\+json/.test(answer.headers['content-type'] ?? ''))
        return failures.push(`${name}: ${answer.status} ${answer.headers['content-type']}`);
      // A HEAD answer has no body to read; its status and headers are the problem's.
      if (request.startsWith('HEAD '))
        return allow && answer.status !== (allow.length > 0 ? 405 : 404)
          ? failures.push(`${name}: ${answer.status}`)
          : undefined;
      const problem = JSON.parse(answer.body) as { type?: string; status?: number };
      if (!problem.type?.startsWith('/problems/') || problem.status !== answer.status)
        return failures.push(`${name}: problem ${answer.body.slice(0, 80)}`);
      if (allow?.length === 0 && problem.type !== '/problems/not-found')
        return failures.push(`${name}: ${answer.status} ${problem.type} for a path with no route`);
      if (
        allow &&
        allow.length > 0 &&
        (answer.status !== 405 ||
          [...allow].sort().join(', ') !== (answer.headers.allow ?? '').split(/,\s*/).sort().join(', '))
      ) {
        return failures.push(`${name}: ${answer.status} Allow=${answer.headers.allow}, expected ${allow.join(', ')}`);
      }
      return undefined;
    });
  }
  expect(failures).toEqual([]);
  expect(statuses.get(405)).toBe(requests.filter((r) => r.allow && r.allow.length > 0).length);
  expect(requests.filter((r) => r.allow).length).toBeGreaterThanOrEqual(ROUTES.length * 15);
  expect(statuses.get(431)).toBeGreaterThanOrEqual(2);
  expect([...gw.simulators.values()].map((s) => s.stats.requests)).toEqual(upstreamBefore);

  const res = await gw.lookup('tango', 'zanzibar-health');
  expect(res.status).toBe(200);
  expect(((await res.json()) as { data: { id: string } }).data.id).toBe('tango:zanzibar-health');
});
