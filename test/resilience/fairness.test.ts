/**
 * A scarce upstream shared fairly: when Tango's quota (1 request per second) is the bottleneck, waiting lookups
 * are served in turn by caller, so one caller's flood of new ids cannot starve another caller. And bypassing the
 * cache (`Cache-Control: no-cache`), which spends upstream calls, needs the scope `cache:bypass`.
 */
import { tangoSimulator } from '../../providers/tango/simulator.js';
import type { Simulator } from '../../src/core/simulator.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { startReplica, type ReplicaProcess } from '../support/replicas.js';
import { keyFile, newApiKey, sha256Hex, xApiKey } from '../security/fixtures.js';

const FLOODER = newApiKey();
const OTHER = newApiKey();
const BYPASSER = newApiKey();
const KEYS = keyFile([
  { name: 'flooder', keySha256: [sha256Hex(FLOODER)], providers: ['*'], scopes: [] },
  { name: 'dashboard', keySha256: [sha256Hex(OTHER)], providers: ['*'], scopes: [] },
  { name: 'support', keySha256: [sha256Hex(BYPASSER)], providers: ['*'], scopes: ['cache:bypass'] },
]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Tango at 1 request per second, one caller flooding it with new ids', () => {
  // The gateway runs in a process of its own: in this one, its busy moments (the flood's refusals) would delay the
  // simulator's reading of a request, and two requests sent 1.1 s apart could then be read less than 1 s apart
  // (seen once with five jest workers). Tango's simulator here enforces its own 1 request per second.
  let sim: Simulator;
  let gateway: ReplicaProcess;
  beforeAll(async () => {
    sim = await tangoSimulator({});
    gateway = await startReplica({
      PROVIDERS: 'tango',
      GATEWAY_API_KEYS: KEYS,
      TANGO_BASE_URL: sim.baseUrl,
      ...sim.env,
      TANGO_RATE_LIMIT_PER_SECOND: '1',
    });
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await sim?.close();
  });
  const lookup = (id: string, key: string) => fetch(`${gateway.url}/customers/tango/${id}`, { headers: xApiKey(key) });

  test("another caller's single lookup is answered 200 within 3.5 s", async () => {
    // About 8 lookups a second of ids nobody asked for before, for 5 s: far more than Tango's quota.
    const flood: Promise<number>[] = [];
    const flooding = (async () => {
      for (let i = 0; i < 40; i++) {
        flood.push(lookup(`flood-${i}-${Date.now()}`, FLOODER).then((r) => r.status));
        await sleep(125);
      }
    })();
    // Once the flooder has filled the quota's queue.
    await sleep(1500);
    const started = performance.now();
    const res = await lookup('zanzibar-health', OTHER);
    const ms = performance.now() - started;
    expect(res.status).toBe(200);
    // At most about one slot per active caller (two here, 1.1 s apart) plus the call itself.
    expect(ms).toBeLessThan(3500);
    await flooding;
    const statuses = await Promise.all(flood);
    // The flood is refused at once beyond what its share can serve within a deadline, never sent over the quota.
    expect(statuses.every((s) => s === 404 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(sim.stats.rateLimited).toBe(0);
  }, 20_000);
});

describe('Cache-Control: no-cache needs the scope cache:bypass', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { GATEWAY_API_KEYS: KEYS } });
  });
  afterAll(async () => gw.close());
  const noCache = (key: string) => ({ headers: { ...xApiKey(key), 'Cache-Control': 'no-cache' } });

  test('without it: a plain lookup (a hit here), Cache-Status and meta say the bypass was not granted', async () => {
    expect((await gw.lookup('tango', 'acme-wellness', { headers: xApiKey(OTHER) })).status).toBe(200);
    const calls = gw.sim('tango').stats.apiRequests;
    const res = await gw.lookup('tango', 'acme-wellness', noCache(OTHER));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-status')).toMatch(/^customer-gateway; hit; ttl=\d+; bypass=not-granted$/);
    const body = (await res.json()) as { meta: { cache: string; cacheBypass?: string } };
    expect(body.meta).toMatchObject({ cache: 'hit', cacheBypass: 'not-granted' });
    expect(gw.sim('tango').stats.apiRequests).toBe(calls);
  });

  test('with it, the fresh entry is skipped: one more upstream call, fwd=request, no bypass note', async () => {
    const calls = gw.sim('tango').stats.apiRequests;
    const res = await gw.lookup('tango', 'acme-wellness', noCache(BYPASSER));
    expect(res.headers.get('cache-status')).toBe('customer-gateway; fwd=request; stored');
    expect(((await res.json()) as { meta: Record<string, unknown> }).meta.cacheBypass).toBeUndefined();
    expect(gw.sim('tango').stats.apiRequests).toBe(calls + 1);
  });

  test('a plain lookup without no-cache carries no bypass note', async () => {
    const res = await gw.lookup('tango', 'acme-wellness', { headers: xApiKey(OTHER) });
    expect(res.headers.get('cache-status')).toMatch(/^customer-gateway; hit; ttl=\d+$/);
  });
});
