/**
 * The blind index in this process: records found by their identifiers and name words, refreshed, removed, evicted
 * when the bound is reached and expired on the gateway's clock, each taking its postings and its count with it.
 */
import { POSTING_CAP } from '../../src/linking/blind-index.js';
import { IndexKeys } from '../../src/linking/index-keys.js';
import { MemoryIndex } from '../../src/linking/memory-index.js';
import { ManualClock } from '../support/manual-clock.js';
import { adobe, features, FJORDLINE, refsOf, summaryOf, tango } from '../support/index-records.js';

const TTL_SECONDS = 3600;

function setup(maxRecords = 1000) {
  const clock = new ManualClock();
  const index = new MemoryIndex(IndexKeys.random(), clock, { maxRecords, ttlSeconds: TTL_SECONDS });
  return { clock, index };
}

test('a record is found by each of its identifiers, with its summary', async () => {
  const { index } = setup();
  await index.put(tango('fjordline'), FJORDLINE, summaryOf('Fjordline Shipping', 17));
  for (const [feature, value] of [
    ['email', 'post@fjordline.no'],
    ['phone', '+4755123456'],
    ['orgNumber', 'NO:923609016'],
  ] as const) {
    await expect(index.holders(feature, value, 5)).resolves.toEqual([
      { ref: tango('fjordline'), summary: summaryOf('Fjordline Shipping', 17) },
    ]);
  }
});

test('a value no record holds, or held as another feature, finds nothing', async () => {
  const { index } = setup();
  await index.put(tango('fjordline'), FJORDLINE, summaryOf('Fjordline Shipping'));
  await expect(index.holders('email', 'post@fjordline.com', 5)).resolves.toEqual([]);
  await expect(index.holders('phone', 'post@fjordline.no', 5)).resolves.toEqual([]);
});

test('every holder of a shared identifier is found, the most recently put first, at most `limit`', async () => {
  const { index } = setup();
  const shared = features({ emails: ['faktura@regnskap.no'] });
  for (const id of ['a', 'b', 'c', 'd']) await index.put(tango(id), shared, summaryOf(id));
  await expect(index.holders('email', 'faktura@regnskap.no', 10).then(refsOf)).resolves.toEqual(
    ['d', 'c', 'b', 'a'].map(tango),
  );
  await expect(index.holders('email', 'faktura@regnskap.no', 2).then(refsOf)).resolves.toEqual(['d', 'c'].map(tango));
});

test('name words find the records holding them, those holding more of the words first', async () => {
  const { index } = setup();
  await index.put(tango('shipping'), features({ name: 'nordic shipping' }), summaryOf('Nordic Shipping'));
  await index.put(adobe('fjordline'), features({ name: 'fjordline shipping' }), summaryOf('Fjordline Shipping'));
  await index.put(tango('fjord'), features({ name: 'fjord bakeri' }), summaryOf('Fjord Bakeri'));
  await expect(index.withNameTokens(['fjordline', 'shipping'], 10).then(refsOf)).resolves.toEqual([
    adobe('fjordline'),
    tango('shipping'),
  ]);
  await expect(index.withNameTokens(['fjordline', 'shipping'], 1).then(refsOf)).resolves.toEqual([adobe('fjordline')]);
  // A word is a whole word: `fjord` is not `fjordline`.
  await expect(index.withNameTokens(['fjord'], 10).then(refsOf)).resolves.toEqual([tango('fjord')]);
  await expect(index.withNameTokens(['bakeri', 'bakeri'], 10).then(refsOf)).resolves.toEqual([tango('fjord')]);
  await expect(index.withNameTokens([], 10)).resolves.toEqual([]);
});

test('a record put again keeps only its new identifiers and name words, and its new summary', async () => {
  const { index } = setup();
  await index.put(tango('fjordline'), FJORDLINE, summaryOf('Fjordline Shipping', 1));
  const moved = features({ emails: ['kontakt@fjordline.no'], phones: ['+4755123456'], name: 'fjordline cruise' });
  await index.put(tango('fjordline'), moved, summaryOf('Fjordline Cruise', 2));
  await expect(index.holders('email', 'post@fjordline.no', 5)).resolves.toEqual([]);
  await expect(index.holders('orgNumber', 'NO:923609016', 5)).resolves.toEqual([]);
  await expect(index.withNameTokens(['shipping'], 5)).resolves.toEqual([]);
  await expect(index.holders('email', 'kontakt@fjordline.no', 5)).resolves.toEqual([
    { ref: tango('fjordline'), summary: summaryOf('Fjordline Cruise', 2) },
  ]);
  await expect(index.holders('phone', '+4755123456', 5).then(refsOf)).resolves.toEqual([tango('fjordline')]);
  await expect(index.withNameTokens(['cruise'], 5).then(refsOf)).resolves.toEqual([tango('fjordline')]);
  await expect(index.count('tango')).resolves.toBe(1);
});

test('a removed record is found by nothing and no longer counted; the other records stay', async () => {
  const { index } = setup();
  await index.put(tango('fjordline'), FJORDLINE, summaryOf('Fjordline Shipping'));
  await index.put(tango('other'), features({ phones: ['+4755123456'], name: 'other shipping' }), summaryOf('Other'));
  await index.remove(tango('fjordline'));
  await expect(index.holders('email', 'post@fjordline.no', 5)).resolves.toEqual([]);
  await expect(index.holders('orgNumber', 'NO:923609016', 5)).resolves.toEqual([]);
  await expect(index.holders('phone', '+4755123456', 5).then(refsOf)).resolves.toEqual([tango('other')]);
  await expect(index.withNameTokens(['fjordline', 'shipping'], 5).then(refsOf)).resolves.toEqual([tango('other')]);
  await expect(index.count('tango')).resolves.toBe(1);
  await index.remove(tango('never-indexed'));
  await expect(index.count('tango')).resolves.toBe(1);
});

test('records are counted per provider', async () => {
  const { index } = setup();
  await index.put(tango('a'), features({ name: 'a' }), summaryOf('A'));
  await index.put(tango('b'), features({ name: 'b' }), summaryOf('B'));
  await index.put(tango('a'), features({ name: 'a' }), summaryOf('A'));
  await index.put(adobe('a'), features({ name: 'a' }), summaryOf('A'));
  await expect(index.count('tango')).resolves.toBe(2);
  await expect(index.count('adobe-vip')).resolves.toBe(1);
  await expect(index.count('frontpayment')).resolves.toBe(0);
});

test('at the bound, the least recently put record goes, with its postings and its count', async () => {
  const { index } = setup(2);
  await index.put(tango('first'), features({ emails: ['first@x.no'], name: 'shared words' }), summaryOf('First'));
  await index.put(adobe('second'), features({ emails: ['second@x.no'], name: 'shared' }), summaryOf('Second'));
  // Seen again: now the most recently put, so the second goes first.
  await index.put(tango('first'), features({ emails: ['first@x.no'], name: 'shared words' }), summaryOf('First'));
  await index.put(tango('third'), features({ emails: ['third@x.no'] }), summaryOf('Third'));
  await expect(index.holders('email', 'second@x.no', 5)).resolves.toEqual([]);
  await expect(index.withNameTokens(['shared'], 5).then(refsOf)).resolves.toEqual([tango('first')]);
  await expect(index.holders('email', 'first@x.no', 5).then(refsOf)).resolves.toEqual([tango('first')]);
  await expect(index.count('adobe-vip')).resolves.toBe(0);
  await expect(index.count('tango')).resolves.toBe(2);
  expect(index.size).toBe(2);
});

test('a record expires its TTL after its last put, unless it is put again', async () => {
  const { clock, index } = setup();
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
  expect(index.size).toBe(0);
});

test(`a posting list keeps the ${POSTING_CAP} latest holders; the others keep their other terms`, async () => {
  const { index } = setup();
  const ids = Array.from({ length: POSTING_CAP + 6 }, (_, i) => `r${i}`);
  for (const id of ids)
    await index.put(tango(id), features({ emails: ['post@shared.no', `${id}@x.no`] }), summaryOf(id));
  const found = refsOf(await index.holders('email', 'post@shared.no', 1000));
  expect(found).toHaveLength(POSTING_CAP);
  expect(found).toEqual(ids.slice(6).reverse().map(tango));
  await expect(index.holders('email', 'r0@x.no', 5).then(refsOf)).resolves.toEqual([tango('r0')]);
  // The dropped holders leave the index cleanly.
  for (const id of ids) await index.remove(tango(id));
  await expect(index.holders('email', 'post@shared.no', 1000)).resolves.toEqual([]);
  await expect(index.count('tango')).resolves.toBe(0);
});

test('a provider id holding any character, the separator included, comes back as it went in', async () => {
  const { index } = setup();
  const odd = { provider: 'frontpayment', providerId: 'a:b/ø\u0000c' };
  await index.put(odd, features({ emails: ['odd@x.no'] }), summaryOf('Odd'));
  await expect(index.holders('email', 'odd@x.no', 5).then(refsOf)).resolves.toEqual([odd]);
});
