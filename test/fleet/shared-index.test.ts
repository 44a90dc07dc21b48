/**
 * Two replicas sharing one search index in a real redis-server: what one replica's lookup put in the index, the
 * other's search finds; a purge at either takes it out for both; and one replica at a time crawls a provider.
 * Replica a runs the simulators; replica b is pointed at the same ones, as a second pod would be.
 */
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { A, F } from '../fixtures/linked-set.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { TestRedis } from '../support/redis-server.js';
import { until } from '../support/until.js';

jest.setTimeout(60_000);

let redis: TestRedis;
let a: TestGateway;
let b: TestGateway;

// A loaded test machine must not be mistaken for a failing Redis (see two-replicas.test.ts).
const FLEET_ENV = {
  PROVIDERS: 'adobe-vip,frontpayment',
  REDIS_TIMEOUT_MS: '1000',
  REDIS_KEY_PREFIX: 'shared-index:',
  INDEX_KEY: Buffer.alloc(32, 9).toString('base64'),
  LOG_LEVEL: 'info',
};

beforeAll(async () => {
  redis = await TestRedis.start();
  a = await startTestGateway({ env: { ...FLEET_ENV, REDIS_URL: redis.url } });
  const upstreams = Object.assign(
    {},
    ...[...a.simulators.entries()].map(([id, sim]) => ({
      [`${id === 'adobe-vip' ? 'ADOBE_VIP' : 'FRONTPAYMENT'}_BASE_URL`]: sim.baseUrl,
      ...sim.env,
    })),
  ) as Record<string, string>;
  b = await startTestGateway({
    env: { ...FLEET_ENV, REDIS_URL: redis.url, GATEWAY_ALLOW_ANONYMOUS: 'true', ...upstreams },
  });
  await until(() => a.services.fleet?.redis.usable === true && b.services.fleet?.redis.usable === true, 10_000);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.kill();
});

interface SearchBody {
  data: { id: string }[];
  meta: { coverage: Record<string, { source: string; records: number; crawledAt: string | null }> };
}
async function search(on: TestGateway, query: string): Promise<SearchBody> {
  const res = await fetch(`${on.url}/customers/search?${query}`);
  const text = await res.text();
  expect(res.status === 200 ? '' : text).toBe('');
  return JSON.parse(text) as SearchBody;
}

test('what one replica looked up, the other replica’s search finds; a purge at either removes it', async () => {
  const query = 'orgNumber=913728467';
  expect((await search(b, query)).data).toEqual([]);
  expect((await a.lookup('frontpayment', F.nordlys.providerId)).status).toBe(200);
  await until(async () => (await search(b, query)).data.length === 1, 10_000);
  expect((await search(b, query)).data.map((m) => m.id)).toEqual([`frontpayment:${F.nordlys.providerId}`]);

  const purged = await fetch(`${b.url}/cache/customers/frontpayment/${F.nordlys.providerId}`, { method: 'DELETE' });
  expect(purged.status).toBe(204);
  expect((await search(a, query)).data).toEqual([]);
});

test('one replica crawls a provider at a time; the other sees the crawl in its coverage', async () => {
  const claimed = await b.services.linking.crawls.claim('adobe-vip', 30_000);
  expect(claimed).toBe(true);
  // While b holds the crawl, a's crawl of the same provider leaves it to b.
  expect(await a.services.linking.crawler.crawl('adobe-vip')).toBe('claimed-elsewhere');
  await b.services.linking.crawls.release('adobe-vip');
  expect(await a.services.linking.crawler.crawl('adobe-vip')).toBe('finished');
  const coverage = (await search(b, 'email=post%40nordlys.example.no')).meta.coverage;
  const indexed = await a.services.linking.index.count('adobe-vip');
  expect(indexed).toBeGreaterThan(0);
  expect(coverage['adobe-vip']).toMatchObject({ source: 'crawl', records: indexed });
  expect(Date.parse(coverage['adobe-vip']?.crawledAt ?? '')).not.toBeNaN();
  expect((await search(b, 'email=post%40nordlys.example.no')).data.map((m) => m.id)).toContain(
    `adobe-vip:${A.nordlys.providerId}`,
  );
});

test('no identifier, name or term is stored in clear in Redis', async () => {
  const client = new Redis(redis.url);
  const dump: string[] = [];
  for (const key of await client.keys('shared-index:ix:*')) {
    dump.push(key);
    const type = await client.type(key);
    if (type === 'string') dump.push((await client.get(key)) ?? '');
    if (type === 'hash') dump.push(...Object.values(await client.hgetall(key)));
    if (type === 'set') dump.push(...(await client.smembers(key)));
    if (type === 'zset') dump.push(...(await client.zrange(key, '0', '-1')));
  }
  client.disconnect();
  const text = dump.join('\n').toLowerCase();
  expect(text.length).toBeGreaterThan(0);
  for (const clear of ['nordlys', 'post@', '913728467', '77601234', 'tromso', 'tromsø'] as const)
    expect(text).not.toContain(clear);
});

test('with Redis gone, search and links answer 200 and say the index could not be read', async () => {
  await redis.kill();
  const res = await fetch(`${b.url}/customers/search?orgNumber=913728467`);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ data: [], meta: { count: 0, index: 'unavailable' } });
  // The record itself still answers (from the upstream), its links say why there are none.
  const links = await fetch(`${b.url}/customers/adobe-vip/${A.nordlys.providerId}/links`);
  expect(links.status).toBe(200);
  expect(await links.json()).toMatchObject({ data: { links: [] }, meta: { index: 'unavailable', unavailable: [] } });
});
