/**
 * A scarce upstream shared fairly: when Tango's quota (1 request per second) is the bottleneck, waiting lookups
 * are served in turn by caller, so one caller's flood of new ids cannot starve another caller. And bypassing the
 * cache (`Cache-Control: no-cache`), which spends upstream calls, needs the scope `cache:bypass`.
 */
import { drive, driveFor, requestsInFlight, upstreamIdle } from '../support/drive-clock.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ManualClock } from '../support/manual-clock.js';
import { until } from '../support/until.js';
import { keyFile, newApiKey, sha256Hex, xApiKey } from '../security/fixtures.js';

const FLOODER = newApiKey();
const OTHER = newApiKey();
const BYPASSER = newApiKey();
const KEYS = keyFile([
  { name: 'flooder', keySha256: [sha256Hex(FLOODER)], providers: ['*'], scopes: [] },
  { name: 'dashboard', keySha256: [sha256Hex(OTHER)], providers: ['*'], scopes: [] },
  { name: 'support', keySha256: [sha256Hex(BYPASSER)], providers: ['*'], scopes: ['cache:bypass'] },
]);

describe('Tango at 1 request per second, one caller flooding it with new ids', () => {
  // The gateway and Tango's simulator, which enforces Tango's own 1 request per second, read one controlled clock.
  // The test moves it in small steps, each once every lookup sent has reached the gateway and nothing is on the
  // wire: a request let go at a slot reaches the simulator within that step, however busy the process is. (On the
  // wall clock the gateway needed a process of its own: the flood's refusals delayed the simulator's reading of a
  // request, and two requests sent 1.1 s apart were once read less than 1 s apart.)
  let gw: TestGateway;
  const clock = new ManualClock();
  beforeAll(async () => {
    gw = await startTestGateway({
      clock,
      env: { PROVIDERS: 'tango', GATEWAY_API_KEYS: KEYS, TANGO_RATE_LIMIT_PER_SECOND: '1' },
      simulator: () => ({ clock }),
    });
  });
  afterAll(async () => gw.close());

  let sent = 0;
  let answered = 0;
  const lookup = (id: string, key: string) => {
    sent += 1;
    return gw.lookup('tango', id, { headers: xApiKey(key) }).finally(() => (answered += 1));
  };
  /** Every lookup sent has reached the gateway (or been answered). */
  const arrived = async () => answered + (await requestsInFlight(gw)) === sent;
  const idle = () => upstreamIdle(gw, 'tango');

  test("another caller's single lookup is answered 200 within two slots (2.2 s)", async () => {
    // 8 lookups a second of ids nobody asked for before, for 5 s: far more than Tango's quota. After 1.5 s, once
    // the flooder has filled the quota's queue, the other caller asks once.
    const flood: Promise<number>[] = [];
    let other: Promise<[Response, number]> | undefined;
    for (let i = 0; i < 40; i++) {
      flood.push(lookup(`flood-${i}`, FLOODER).then((r) => r.status));
      if (i === 12) {
        const asked = clock.now();
        other = lookup('zanzibar-health', OTHER).then((res) => [res, clock.now() - asked]);
      }
      await until(arrived, 10_000, 1);
      await driveFor(clock, 125, idle);
    }
    const statuses = await drive(clock, Promise.all(flood), { ready: idle });
    const [res, ms] = (await other) ?? [];
    expect(res?.status).toBe(200);
    // At most one slot per active caller (two here, 1.1 s apart): the flood's queue is not served first.
    expect(ms).toBeLessThanOrEqual(2 * 1100);
    // The flood is refused at once beyond what its share can serve within a deadline, never sent over the quota.
    expect(statuses.every((s) => s === 404 || s === 503)).toBe(true);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    expect(gw.sim('tango').stats.rateLimited).toBe(0);
  });
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
