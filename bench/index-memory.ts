/**
 * The embedded blind index's memory: fills a MemoryIndex with synthetic records (one e-mail, one phone, one
 * organisation number and three name tokens each, ids shaped like the three providers') and prints the bytes per
 * record, as RSS growth and as heap growth after a full collection. Run with
 * `npx tsx --expose-gc bench/index-memory.ts` (BENCH_INDEX_RECORDS, BENCH_INDEX_MAX_RECORDS).
 */
import { systemClock } from '../src/core/clock.js';
import { IndexKeys } from '../src/linking/index-keys.js';
import { MemoryIndex } from '../src/linking/memory-index.js';
import type { RecordFeatures, RecordRef, RecordSummary } from '../src/linking/types.js';

const RECORDS = Number(process.env.BENCH_INDEX_RECORDS ?? 100_000);
/** The index's bound: the records it is filled with (a full index), as the cache's memory bench does. */
const MAX_RECORDS = Number(process.env.BENCH_INDEX_MAX_RECORDS ?? RECORDS);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc: npx tsx --expose-gc bench/index-memory.ts');

/** Words of company names: a few very common (`holding`), more fairly common, most rare (a family name). */
const word = (pool: string, size: number, n: number) => `${pool}${(n * 7919) % size}`;

function record(n: number): { ref: RecordRef; features: RecordFeatures; summary: RecordSummary } {
  const kind = n % 3;
  const providerId =
    kind === 0
      ? `acct-${(1_000_000 + n).toString(36)}-${n % 97}`
      : kind === 1
        ? String(1_005_000_000 + n)
        : `${(0x10000000 + n).toString(16)}-4b1f-9c2d-8e7a-${(0x100000000000 + n * 31).toString(16)}`;
  const provider = ['tango', 'adobe-vip', 'frontpayment'][kind] ?? 'tango';
  const tokens = [word('rare', 60_000, n), word('mid', 2_000, n), word('common', 60, n)];
  const name = tokens.join(' ');
  return {
    ref: { provider, providerId },
    features: {
      identifiers: [
        { feature: 'email', value: `post.${n}@${tokens[0]}-${tokens[1]}.no`, path: 'email' },
        { feature: 'phone', value: `+47${40_000_000 + n}`, path: 'phone' },
        { feature: 'orgNumber', value: `NO:${900_000_000 + n}`, path: 'organization.registrationNumber' },
      ],
      name: { value: name, path: 'organization.name' },
      country: { value: 'NO', path: 'addresses[0].country' },
      cities: [],
      postalCodes: [],
    },
    summary: {
      displayName: `${name.toUpperCase()} AS`,
      type: 'organization',
      status: 'active',
      indexedAt: systemClock.now(),
      name,
      country: 'NO',
    },
  };
}

const settle = async () => {
  // V8 returns the pages the fill's garbage took once the heap has been quiet for a while.
  for (let i = 0; i < 12; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
};

const keys = IndexKeys.random();
await settle();
const before = process.memoryUsage();
const index = new MemoryIndex(keys, systemClock, { maxRecords: MAX_RECORDS, ttlSeconds: 86_400 });
const started = performance.now();
for (let n = 0; n < RECORDS; n++) {
  const { ref, features, summary } = record(n);
  await index.put(ref, features, summary);
}
const fillSeconds = (performance.now() - started) / 1000;
await settle();
const after = process.memoryUsage();

const probe = record(RECORDS - 1);
const found = await index.holders('email', probe.features.identifiers[0]?.value ?? '', 5);
if (found.length !== 1 || index.size !== RECORDS) throw new Error('the index does not hold what was put');

const perRecord = (a: number, b: number) => ((b - a) / RECORDS).toFixed(0);
console.log(`records ${RECORDS} (bound ${MAX_RECORDS}), filled in ${fillSeconds.toFixed(1)} s`);
console.log(`RSS growth:  ${perRecord(before.rss, after.rss)} bytes per record (target ≤ 400)`);
console.log(`heap growth: ${perRecord(before.heapUsed, after.heapUsed)} bytes per record (after gc)`);
console.log(`heap total:  ${perRecord(before.heapTotal, after.heapTotal)} bytes per record (the heap pages V8 keeps)`);
console.log(`external:    ${perRecord(before.external, after.external)} bytes per record`);
