/**
 * Browser callers on another origin, in Chromium: a support dashboard's page, served by a small server of its own on
 * a second loopback origin, calls the gateway with an API key (`Authorization: Bearer`): a lookup, a batch (a POST
 * with a JSON body, so a preflight) and a search. Each succeeds when the page's origin is in `CORS_ORIGINS`; from an
 * origin not listed the browser refuses every one of them, although the same requests succeed outside a browser.
 *
 * The page's own Content-Security-Policy allows scripts from itself only and connections to the gateway only, as a
 * real dashboard's would; a CSP violation, a script error or a request leaving loopback fails the test.
 */
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import type { Browser, BrowserContext } from 'playwright-core';
import { describeInBrowser, launchChromium, PATIENT_UPSTREAMS, watchedContext } from '../console/browser-kit.js';
import { fillIndex } from '../linking/indexed-gateway.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { keyFile, newApiKey, sha256Hex } from './fixtures.js';

jest.setTimeout(60_000);

const KEY = newApiKey();

/** What the page's script answers for one call: the status and body, or the error the browser gave. */
interface Outcome {
  status?: number;
  body?: unknown;
  error?: string;
}

/**
 * The dashboard's script: `callGateway(kind)` makes one call the way a dashboard would, with its key, and says what
 * happened. A page script (not an evaluated expression) so that the page's CSP governs it like a real one.
 */
const script = (gateway: string, key: string) => `
const GATEWAY = ${JSON.stringify(gateway)};
const AUTH = { Authorization: 'Bearer ${key}' };
const CALLS = {
  lookup: () => fetch(GATEWAY + '/customers/tango/zanzibar-health', { headers: AUTH }),
  batch: () => fetch(GATEWAY + '/customers/batch', {
    method: 'POST',
    headers: { ...AUTH, 'Content-Type': 'application/json', 'X-Request-Id': 'dashboard-batch-1' },
    body: JSON.stringify({
      lookups: [{ provider: 'tango', id: 'zanzibar-health' }, { provider: 'adobe-vip', id: '9876543210' }],
    }),
  }),
  search: () => fetch(GATEWAY + '/customers/search?email=post%40nordlys.example.no', { headers: AUTH }),
};
window.callGateway = async (kind) => {
  try {
    const res = await CALLS[kind]();
    return { status: res.status, body: await res.json() };
  } catch (error) {
    return { error: String(error) };
  }
};
`;

interface Dashboard {
  origin: string;
  close(): Promise<void>;
}

/** A dashboard's own server: its page and its script, the page's CSP naming the gateway as the one place it calls. */
async function startDashboard(gateway: () => string): Promise<Dashboard> {
  const server: Server = http.createServer((req, res) => {
    if (req.url === '/calls.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(script(gateway(), KEY));
      return;
    }
    res
      .writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': `default-src 'none'; script-src 'self'; connect-src ${gateway()}`,
      })
      .end('<!doctype html><html lang="en"><title>dashboard</title><script src="/calls.js"></script></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describeInBrowser('CORS in a real browser: a dashboard on another origin', () => {
  let gw: TestGateway;
  let listed: Dashboard;
  let unlisted: Dashboard;
  let browser: Browser;
  let context: BrowserContext;
  let problems: string[];

  beforeAll(async () => {
    const gatewayUrl = () => gw.url;
    [listed, unlisted, browser] = await Promise.all([
      startDashboard(gatewayUrl),
      startDashboard(gatewayUrl),
      launchChromium(),
    ]);
    const keys = keyFile([
      { name: 'dashboard', keySha256: [sha256Hex(KEY)], providers: ['*'], scopes: ['customers:search'] },
    ]);
    gw = await startTestGateway({
      env: { ...PATIENT_UPSTREAMS, LOG_LEVEL: 'warn', GATEWAY_API_KEYS: keys, CORS_ORIGINS: listed.origin },
    });
    // Search reads the index: filled as an app would fill it, with the dashboard's key.
    const lookup = gw.lookup.bind(gw);
    gw.lookup = (provider, id, init = {}) =>
      lookup(provider, id, { ...init, headers: { authorization: `Bearer ${KEY}` } });
    await fillIndex(gw);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await listed?.close();
    await unlisted?.close();
  });

  beforeEach(async () => {
    problems = [];
    context = await watchedContext(browser, { width: 800, height: 600 }, { report: (p) => problems.push(p) });
  });
  afterEach(async () => context.close());

  async function callFrom(dashboard: Dashboard, kind: 'lookup' | 'batch' | 'search'): Promise<Outcome> {
    const page = await context.newPage();
    await page.goto(`${dashboard.origin}/`);
    return page.evaluate<Outcome>(`callGateway(${JSON.stringify(kind)})`);
  }

  describe('from an origin in CORS_ORIGINS', () => {
    afterEach(() => expect(problems).toEqual([]));

    test('a lookup succeeds', async () => {
      const outcome = await callFrom(listed, 'lookup');
      expect(outcome).toMatchObject({ status: 200, body: { data: { providerId: 'zanzibar-health' } } });
    });

    test('a batch, a POST with a JSON body and its preflight, succeeds', async () => {
      const outcome = await callFrom(listed, 'batch');
      expect(outcome.status).toBe(200);
      const body = outcome.body as { results: { status: number }[] };
      expect(body.results.map((r) => r.status)).toEqual([200, 200]);
    });

    test('a search succeeds and finds the company in every provider', async () => {
      const outcome = await callFrom(listed, 'search');
      expect(outcome.status).toBe(200);
      const body = outcome.body as { data: { provider: string }[] };
      expect(body.data.map((m) => m.provider).sort()).toEqual(['adobe-vip', 'frontpayment', 'tango']);
    });
  });

  describe('from an origin not listed', () => {
    test.each(['lookup', 'batch', 'search'] as const)('the browser refuses the %s', async (kind) => {
      const outcome = await callFrom(unlisted, kind);
      expect(outcome.status).toBeUndefined();
      expect(outcome.error).toMatch(/^TypeError: Failed to fetch/);
      // What Chromium says about it, and nothing else: no CSP violation, no script error.
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.filter((p) => !/blocked by CORS policy|net::ERR_FAILED/.test(p))).toEqual([]);
    });

    test('outside a browser the same requests succeed: the browser refuses, reading the CORS answer', async () => {
      const auth = { authorization: `Bearer ${KEY}`, origin: unlisted.origin };
      const lookup = await fetch(`${gw.url}/customers/tango/zanzibar-health`, { headers: auth });
      expect(lookup.status).toBe(200);
      expect(lookup.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(`${gw.url}/customers/batch`, {
        method: 'OPTIONS',
        headers: {
          origin: unlisted.origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});
