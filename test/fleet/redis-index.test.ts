/**
 * The blind index in Redis, against a real redis-server: the same behaviour as the embedded index (found by
 * identifiers and name words, refreshed, removed, expired, capped, counted), shared by every replica on the Redis,
 * with nothing in clear in any key or value, a TTL on every key, and junk read as a miss.
 */
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/core/logger.js';
import { RedisIndex } from '../../src/fleet/redis-index.js';
import { FleetRedis, RedisUnavailable } from '../../src/fleet/redis.js';
import { POSTING_CAP } from '../../src/linking/blind-index.js';
import { IndexKeys } from '../../src/linking/index-keys.js';
import { ManualClock } from '../support/manual-clock.js';
import { TestRedis } from '../support/redis-server.js';
import { until } from '../support/until.js';
import type { RecordFeatures, RecordRef, RecordSummary } from '../../src/linking/types.js';
import { adobe, features, FJORDLINE, refsOf, summaryOf, tango } from '../support/index-records.js';

const PREFIX = 'ixt:';
const TTL_SECONDS = 3600;
const KEY = Buffer.alloc(32, 3);

let server: TestRedis;
let raw: Redis;
const clock = new ManualClock();
const connections: FleetRedis[] = [];
let index: RedisIndex;
/** A second replica's index on the same Redis. */
let other: RedisIndex;

async function connect(): Promise<FleetRedis> {
  const logger = createLogger({
    level: 'silent',
    adapters: [],
    destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
  });
  const redis = new FleetRedis({
    topology: { kind: 'single', url: server.url },
    keyPrefix: PREFIX,
    timeoutMs: 2000,
    logger,
    clock,
  });
  connections.push(redis);
  await until(() => redis.health === 'up', 15_000);
  return redis;
}

beforeAll(async () => {
  server = await TestRedis.start();
  raw = new Redis(server.url);
  index = new RedisIndex(await connect(), new IndexKeys(KEY), { ttlSeconds: TTL_SECONDS });
  other = new RedisIndex(await connect(), new IndexKeys(KEY), { ttlSeconds: TTL_SECONDS });
});
beforeEach(async () => {
  await raw.flushall();
});
afterAll(async () => {
  await Promise.all(connections.map((redis) => redis.close()));
  raw.disconnect();
  await server.stop();
});

/** Every key under the prefix. */
async function keyspace(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await raw.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

/** Every text Redis holds under the key: hash fields and values, sorted set members. */
async function textsOf(key: string): Promise<string[]> {
  const type = await raw.type(key);
  if (type === 'hash') return Object.entries(await raw.hgetall(key)).flat();
  if (type === 'zset') return raw.zrange(key, '0', '-1');
  throw new Error(`unexpected ${type} at ${key}`);
}

test('a record is found by each of its identifiers, with its summary', async () => {
  await index.put(tango('fjordline-7'), FJORDLINE, summaryOf('Fjordline Shipping', 17));
  for (const [feature, value] of [
    ['email', 'post@fjordline.no'],
    ['phone', '+4755123456'],
    ['orgNumber', 'NO:923609016'],
  ] as const) {
    await expect(index.holders(feature, value, 5)).resolves.toEqual([
      { ref: tango('fjordline-7'), summary: summaryOf('Fjordline Shipping', 17) },
    ]);
  }
  await expect(index.holders('email', 'post@fjordline.com', 5)).resolves.toEqual([]);
  await expect(index.holders('phone', 'post@fjordline.no', 5)).resolves.toEqual([]);
});

test('a record put by one replica is found, counted and removed by another', async () => {
  await index.put(tango('fjordline-7'), FJORDLINE, summaryOf('Fjordline Shipping'));
  await expect(other.holders('orgNumber', 'NO:923609016', 5).then(refsOf)).resolves.toEqual([tango('fjordline-7')]);
  await expect(other.withNameTokens(['fjordline'], 5).then(refsOf)).resolves.toEqual([tango('fjordline-7')]);
  await expect(other.count('tango')).resolves.toBe(1);
  await other.remove(tango('fjordline-7'));
  await expect(index.holders('orgNumber', 'NO:923609016', 5)).resolves.toEqual([]);
  await expect(index.count('tango')).resolves.toBe(0);
});

test('every holder of a shared identifier is found, the most recently put first, at most `limit`', async () => {
  const shared = features({ emails: ['faktura@regnskap.no'] });
  for (const id of ['a', 'b', 'c', 'd']) {
    await index.put(tango(id), shared, summaryOf(id));
    await clock.advance(1);
  }
  await expect(index.holders('email', 'faktura@regnskap.no', 10).then(refsOf)).resolves.toEqual(
    ['d', 'c', 'b', 'a'].map(tango),
  );
  await expect(index.holders('email', 'faktura@regnskap.no', 2).then(refsOf)).resolves.toEqual(['d', 'c'].map(tango));
});

test('name words find the records holding them, those holding more of the words first', async () => {
  await index.put(tango('shipping'), features({ name: 'nordic shipping' }), summaryOf('Nordic Shipping'));
  await index.put(adobe('fjordline'), features({ name: 'fjordline shipping' }), summaryOf('Fjordline Shipping'));
  await index.put(tango('fjord'), features({ name: 'fjord bakeri' }), summaryOf('Fjord Bakeri'));
  await expect(index.withNameTokens(['fjordline', 'shipping'], 10).then(refsOf)).resolves.toEqual([
    adobe('fjordline'),
    tango('shipping'),
  ]);
  await expect(index.withNameTokens(['fjordline', 'shipping'], 1).then(refsOf)).resolves.toEqual([adobe('fjordline')]);
  await expect(index.withNameTokens(['fjord'], 10).then(refsOf)).resolves.toEqual([tango('fjord')]);
  await expect(index.withNameTokens([], 10)).resolves.toEqual([]);
});

test('a record put again keeps only its new identifiers and name words, and its new summary', async () => {
  await index.put(tango('fjordline'), FJORDLINE, summaryOf('Fjordline Shipping', 1));
  const moved = features({ emails: ['kontakt@fjordline.no'], phones: ['+4755123456'], name: 'fjordline cruise' });
  await other.put(tango('fjordline'), moved, summaryOf('Fjordline Cruise', 2));
  await expect(index.holders('email', 'post@fjordline.no', 5)).resolves.toEqual([]);
  await expect(index.holders('orgNumber', 'NO:923609016', 5)).resolves.toEqual([]);
  await expect(index.withNameTokens(['shipping'], 5)).resolves.toEqual([]);
  await expect(index.holders('email', 'kontakt@fjordline.no', 5)).resolves.toEqual([
    { ref: tango('fjordline'), summary: summaryOf('Fjordline Cruise', 2) },
  ]);
  await expect(index.holders('phone', '+4755123456', 5).then(refsOf)).resolves.toEqual([tango('fjordline')]);
  await expect(index.count('tango')).resolves.toBe(1);
  // The terms it no longer holds are gone from Redis, not only hidden: the lists of its four terms remain.
  expect((await keyspace()).filter((key) => key.startsWith(`${PREFIX}ix:k:`))).toHaveLength(4);
});

test('a removed record leaves no key and no posting behind; the other records stay', async () => {
  await index.put(tango('fjordline'), FJORDLINE, summaryOf('Fjordline Shipping'));
  await index.put(tango('other'), features({ phones: ['+4755123456'], name: 'other' }), summaryOf('Other'));
  const before = await keyspace();
  await index.remove(tango('fjordline'));
  await expect(index.holders('email', 'post@fjordline.no', 5)).resolves.toEqual([]);
  await expect(index.holders('phone', '+4755123456', 5).then(refsOf)).resolves.toEqual([tango('other')]);
  await expect(index.count('tango')).resolves.toBe(1);
  const after = await keyspace();
  // Its record hash and the lists of the terms only it held are gone; the shared phone's list remains.
  expect(before.length - after.length).toBe(1 + 4);
  for (const key of after) {
    if (key.includes(':ix:k:')) expect(await raw.zcard(key)).toBe(1);
  }
  await index.remove(tango('never-indexed'));
  await expect(index.count('tango')).resolves.toBe(1);
});

test('records are counted per provider', async () => {
  await index.put(tango('a'), features({ name: 'a' }), summaryOf('A'));
  await index.put(tango('b'), features({ name: 'b' }), summaryOf('B'));
  await other.put(tango('a'), features({ name: 'a' }), summaryOf('A'));
  await index.put(adobe('a'), features({ name: 'a' }), summaryOf('A'));
  await expect(index.count('tango')).resolves.toBe(2);
  await expect(index.count('adobe-vip')).resolves.toBe(1);
  await expect(index.count('frontpayment')).resolves.toBe(0);
});

test('a record expires its TTL after its last put, unless it is put again', async () => {
  await index.put(tango('quiet'), features({ emails: ['quiet@x.no'], name: 'quiet' }), summaryOf('Quiet'));
  await index.put(tango('seen'), features({ emails: ['seen@x.no'] }), summaryOf('Seen'));
  await clock.advance((TTL_SECONDS - 10) * 1000);
  await index.put(tango('seen'), features({ emails: ['seen@x.no'] }), summaryOf('Seen'));
  await expect(index.holders('email', 'quiet@x.no', 5).then(refsOf)).resolves.toEqual([tango('quiet')]);
  await clock.advance(11_000);
  await expect(index.holders('email', 'quiet@x.no', 5)).resolves.toEqual([]);
  await expect(index.withNameTokens(['quiet'], 5)).resolves.toEqual([]);
  await expect(index.holders('email', 'seen@x.no', 5).then(refsOf)).resolves.toEqual([tango('seen')]);
  await expect(index.count('tango')).resolves.toBe(1);
  await clock.advance(TTL_SECONDS * 1000);
  await expect(index.count('tango')).resolves.toBe(0);
});

test('every key the index writes has a TTL no longer than INDEX_TTL_SECONDS', async () => {
  await index.put(tango('fjordline'), FJORDLINE, summaryOf('Fjordline Shipping'));
  await index.put(adobe('a'), features({ emails: ['post@fjordline.no'], name: 'a' }), summaryOf('A'));
  await index.count('tango');
  const keys = await keyspace();
  expect(keys.length).toBeGreaterThan(0);
  for (const key of keys) {
    const ttl = await raw.pttl(key);
    expect([key, ttl > 0 && ttl <= TTL_SECONDS * 1000]).toEqual([key, true]);
  }
});

test('no identifier, name, display name or provider id appears in any key or value in Redis', async () => {
  const records: [RecordRef, RecordFeatures, RecordSummary][] = [
    [tango('zanzibar-health'), FJORDLINE, summaryOf('Fjordline Shipping')],
    [
      { provider: 'frontpayment', providerId: '3f1c9d2e-4b1f' },
      features({ emails: ['ola.nordmann@example.no'], phones: ['+4791234567'], name: 'ola nordmann' }),
      { ...summaryOf('Ola Nordmann'), type: 'individual' },
    ],
  ];
  for (const [ref, recordFeatures, summary] of records) await index.put(ref, recordFeatures, summary);
  const clear = [
    'zanzibar',
    '3f1c9d2e',
    'fjordline',
    'Fjordline',
    'shipping',
    '55123456',
    '923609016',
    'ola',
    'Ola',
    'nordmann',
    'example.no',
    '91234567',
  ];
  const keys = await keyspace();
  for (const key of keys) {
    const texts = [key, ...(await textsOf(key))];
    for (const text of texts) for (const value of clear) expect([key, text.includes(value)]).toEqual([key, false]);
  }
  // Provider names are not personal: they name the per-provider lists, and nothing else.
  expect(keys.filter((key) => !/^ixt:ix:[rk]:[\w-]{22}$/.test(key))).toEqual([
    'ixt:ix:p:frontpayment',
    'ixt:ix:p:tango',
  ]);
});

test(`a posting list keeps the ${POSTING_CAP} most recently put holders`, async () => {
  const ids = Array.from({ length: POSTING_CAP + 6 }, (_, i) => `r${i}`);
  for (const id of ids) {
    await index.put(tango(id), features({ emails: ['post@shared.no', `${id}@x.no`] }), summaryOf(id));
    await clock.advance(1);
  }
  const found = refsOf(await index.holders('email', 'post@shared.no', 1000));
  expect(found).toEqual(ids.slice(6).reverse().map(tango));
  await expect(index.holders('email', 'r0@x.no', 5).then(refsOf)).resolves.toEqual([tango('r0')]);
});

describe('junk in Redis is a miss', () => {
  const recordKeyOf = async () => {
    const [key] = (await keyspace()).filter((name) => name.startsWith(`${PREFIX}ix:r:`));
    if (!key) throw new Error('no record stored');
    return key;
  };

  beforeEach(async () => {
    await index.put(tango('fjordline'), FJORDLINE, summaryOf('Fjordline Shipping'));
  });

  test('the record as stored reads back (the checks are not too strict)', async () => {
    await expect(index.holders('email', 'post@fjordline.no', 5).then(refsOf)).resolves.toEqual([tango('fjordline')]);
  });

  test.each<[string, Record<string, string>]>([
    ['a summary that does not open', { summary: 'bm90IHNlYWxlZA' }],
    ['a reference that does not open', { ref: 'bm90IHNlYWxlZA' }],
    ['an empty summary', { summary: '' }],
    ['terms that are not hashes', { keys: 'post@fjordline.no' }],
    ['terms without the one it was found by', { keys: 'AAAAAAAAAAAAAAAAAAAAAA' }],
  ])('a record with %s', async (_case, fields) => {
    await raw.hset(await recordKeyOf(), fields);
    await expect(index.holders('email', 'post@fjordline.no', 5)).resolves.toEqual([]);
  });

  test('a record that lost a field', async () => {
    await raw.hdel(await recordKeyOf(), 'ref');
    await expect(index.holders('email', 'post@fjordline.no', 5)).resolves.toEqual([]);
  });

  test('a record sealed under another INDEX_KEY (rotated) reads as absent, and a put replaces it', async () => {
    const rotated = new RedisIndex(connections[0] as FleetRedis, IndexKeys.random(), { ttlSeconds: TTL_SECONDS });
    await expect(rotated.holders('email', 'post@fjordline.no', 5)).resolves.toEqual([]);
    await rotated.put(tango('fjordline'), FJORDLINE, summaryOf('Fjordline Shipping'));
    await expect(rotated.holders('email', 'post@fjordline.no', 5).then(refsOf)).resolves.toEqual([tango('fjordline')]);
  });

  test('a record copied under another record’s key does not answer for it', async () => {
    const source = await recordKeyOf();
    await index.put(tango('other'), features({ emails: ['post@fjordline.no'] }), summaryOf('Other'));
    const target = (await keyspace()).find((key) => key.startsWith(`${PREFIX}ix:r:`) && key !== source) ?? '';
    await raw.hset(target, await raw.hgetall(source));
    await expect(index.holders('email', 'post@fjordline.no', 5).then(refsOf)).resolves.toEqual([tango('fjordline')]);
  });

  test('a posting list of another type makes the put reject: the caller learns it was not stored whole', async () => {
    const [key] = (await keyspace()).filter((name) => name.startsWith(`${PREFIX}ix:k:`));
    await raw.del(key ?? '');
    await raw.set(key ?? '', 'junk');
    await expect(index.put(tango('x'), FJORDLINE, summaryOf('X'))).rejects.toBeInstanceOf(RedisUnavailable);
  });
});

test('with Redis out of reach, every call rejects with RedisUnavailable', async () => {
  const closed = await connect();
  await closed.close();
  const offline = new RedisIndex(closed, new IndexKeys(KEY), { ttlSeconds: TTL_SECONDS });
  await expect(offline.put(tango('a'), FJORDLINE, summaryOf('A'))).rejects.toBeInstanceOf(RedisUnavailable);
  await expect(offline.holders('email', 'post@fjordline.no', 5)).rejects.toBeInstanceOf(RedisUnavailable);
  await expect(offline.withNameTokens(['fjordline'], 5)).rejects.toBeInstanceOf(RedisUnavailable);
  await expect(offline.count('tango')).rejects.toBeInstanceOf(RedisUnavailable);
  await expect(offline.remove(tango('a'))).rejects.toBeInstanceOf(RedisUnavailable);
});
