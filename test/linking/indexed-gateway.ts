/**
 * A test gateway whose search index holds every record of the labelled linked set (test/fixtures/linked-set.ts):
 * the providers that can list are crawled, and Frontpayment's records, which only lookups feed, are looked up.
 */
import { records } from '../fixtures/linked-set.js';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../support/gateway.js';

export async function indexedGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const gw = await startTestGateway(options);
  await fillIndex(gw);
  return gw;
}

export async function fillIndex(gw: TestGateway): Promise<void> {
  const { crawler, index } = gw.services.linking;
  expect(await crawler.crawl('tango')).toBe('finished');
  expect(await crawler.crawl('adobe-vip')).toBe('finished');
  const lookedUp = records.filter((r) => r.provider === 'frontpayment');
  for (const record of lookedUp) {
    const res = await gw.lookup(record.provider, record.providerId);
    expect(res.status).toBe(200);
  }
  // A lookup feeds the index once its answer has gone.
  await gw.services.linking.feed.settled();
  expect(await index.count('frontpayment')).toBeGreaterThanOrEqual(lookedUp.length);
}
