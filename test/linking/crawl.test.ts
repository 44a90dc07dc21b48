/**
 * The index crawl against the simulators: it reads every listed customer into the index within the provider's
 * limit (the Tango simulator answers 429 past it), it resumes from its saved cursor after a failure instead of
 * starting over, and its reads never fill the customer cache.
 */
import { jest } from '@jest/globals';
import { IndexCrawler } from '../../src/linking/crawl.js';
import { memoryCrawlStates } from '../../src/linking/crawl-state.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

jest.setTimeout(60_000);

/** Tango's quota and its simulator's own limit: the crawl's reads and the live lookups share it. */
const RATE = 20;

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    env: { TANGO_RATE_LIMIT_PER_SECOND: String(RATE), TANGO_RETRIES: '0', ADOBE_VIP_RETRIES: '0', LOG_LEVEL: 'info' },
    simulator: (id) => ({ rateLimitPerSecond: id === 'tango' ? RATE : 0 }),
  });
});
afterAll(async () => gw.close());
beforeEach(() => gw.simulators.forEach((s) => s.reset()));

function crawler(pageSize: number) {
  const { providers, lists, linking, clock, logger, metrics } = gw.services;
  const states = memoryCrawlStates();
  return {
    states,
    crawler: new IndexCrawler(
      providers,
      lists,
      linking.feed,
      states,
      { intervalSeconds: 3600, share: 0.5, pageSize },
      clock,
      logger,
      metrics,
    ),
  };
}

test('a crawl of Tango, with live lookups flowing, stays within the limit and indexes every customer', async () => {
  const tango = gw.sim('tango');
  const { crawler: crawl, states } = crawler(5);
  const crawling = crawl.crawl('tango');
  // Live lookups that bypass the cache, so each one needs a quota slot while the crawl runs.
  const live = [];
  for (let i = 0; i < 8; i += 1)
    live.push(gw.lookup('tango', 'zanzibar-health', { headers: { 'cache-control': 'no-cache' } }));
  expect((await Promise.all(live)).map((r) => r.status)).toEqual(Array(8).fill(200));
  expect(await crawling).toBe('finished');
  expect(tango.stats.rateLimited).toBe(0);
  expect(tango.stats.maxPerSecond).toBeLessThanOrEqual(RATE);
  expect(await gw.services.linking.index.count('tango')).toBe(tango.seedIds.length);
  expect((await states.load('tango'))?.finishedAt).toEqual(expect.any(Number));
  // The crawl read around the cache: only the live lookup's customer is cached.
  expect(gw.services.cache.size).toBe(1);
});

test('a crawl cut short by a failure resumes from its saved cursor, not from the first page', async () => {
  const adobe = gw.sim('adobe-vip');
  const { crawler: crawl, states } = crawler(5);
  const customerReads = () =>
    adobe.log.filter((e) => e.method === 'GET' && /^\/v3\/customers\/[^/]+$/.test(e.path)).map((e) => e.path);
  // The first page's customers, in the order the list gives them.
  const firstPage = (
    (await (await fetch(`${gw.url}/customers/adobe-vip?limit=5`)).json()) as { data: { providerId: string }[] }
  ).data.map((c) => c.providerId);
  const secondPage = (
    (await (
      await fetch(`${gw.url}/customers/adobe-vip?limit=5&cursor=${encodeURIComponent(await cursorAfter(5))}`)
    ).json()) as { data: { providerId: string }[] }
  ).data.map((c) => c.providerId);
  adobe.reset();
  // The second customer of the second page fails (Adobe 500, no retries): the crawl stops there.
  adobe.inject({ fault: { kind: 'status', status: 500 }, match: secondPage[1] ?? '' });
  await expect(crawl.crawl('adobe-vip')).rejects.toMatchObject({ code: 'upstream-error' });
  const saved = await states.load('adobe-vip');
  expect(saved?.cursor).toEqual(expect.any(String));
  expect(saved?.finishedAt).toBeNull();
  const readBefore = customerReads();
  expect(readBefore).toHaveLength(7);

  adobe.clearFaults();
  expect(await crawl.crawl('adobe-vip')).toBe('finished');
  const readAfter = customerReads().slice(readBefore.length);
  // Resumed at the second page: none of the first page's customers was read again.
  for (const id of firstPage) expect(readAfter).not.toContain(`/v3/customers/${id}`);
  expect(readAfter).toContain(`/v3/customers/${secondPage[1]}`);
  expect(await gw.services.linking.index.count('adobe-vip')).toBeGreaterThanOrEqual(firstPage.length + 5);
});

/** The gateway cursor after the first `limit` customers of Adobe's list. */
async function cursorAfter(limit: number): Promise<string> {
  const page = (await (await fetch(`${gw.url}/customers/adobe-vip?limit=${limit}`)).json()) as {
    links: { next: string };
  };
  return new URL(page.links.next, gw.url).searchParams.get('cursor') ?? '';
}
