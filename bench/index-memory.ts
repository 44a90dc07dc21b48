/**
 * The embedded blind index's memory: fills a MemoryIndex with synthetic records (one e-mail, one phone, one
 * organisation number and three name tokens each, ids shaped like the three providers') and measures the bytes
 * per record, as RSS growth and as heap growth after a full collection. `npm run bench -- search` runs it as the
 * `index-memory` target (bench/target.ts); on its own, `npx tsx --expose-gc bench/index-memory.ts` prints the
 * figures (BENCH_INDEX_RECORDS, BENCH_INDEX_MAX_RECORDS).
 */
import { pathToFileURL } from 'node:url';
import { systemClock } from '../src/core/clock.js';
import { IndexKeys } from '../src/linking/index-keys.js';
import { MemoryIndex } from '../src/linking/memory-index.js';
import type { RecordFeatures, RecordRef, RecordSummary } from '../src/linking/types.js';

/** Words of company names: a few very common (`holding`), more fairly common, most rare (a family name). */
const word = (pool: string, size: number, n: number) => `${pool}${(n * 7919) % size}`;

/** The e-mail of synthetic record `n`, normalised (as search normalises what it is asked for). */
export function syntheticEmail(n: number): string {
  return `post.${n}@${word('rare', 60_000, n)}-${word('mid', 2_000, n)}.no`;
}

/** Synthetic record `n`: a third of them each provider's, with the ids' shapes of that provider. */
export function syntheticRecord(
  n: number,
  indexedAt = systemClock.now(),
): { ref: RecordRef; features: RecordFeatures; summary: RecordSummary } {
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
        { feature: 'email', value: syntheticEmail(n), path: 'email' },
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
      indexedAt,
      name,
      country: 'NO',
    },
  };
}

export interface IndexMemoryFigures {
  records: number;
  maxRecords: number;
  fillSeconds: number;
  rssBefore: number;
  rssAfter: number;
  heapBefore: number;
  heapAfter: number;
  heapTotalBefore: number;
  heapTotalAfter: number;
  externalBefore: number;
  externalAfter: number;
}

/**
 * Fills a MemoryIndex bounded at `maxRecords` with `records` synthetic records and measures the process before and
 * after, each time once V8 has settled. Needs `--expose-gc`.
 */
export async function measureIndexMemory(records: number, maxRecords = records): Promise<IndexMemoryFigures> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc: npx tsx --expose-gc bench/index-memory.ts');
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
  const index = new MemoryIndex(keys, systemClock, { maxRecords, ttlSeconds: 86_400 });
  const started = performance.now();
  for (let n = 0; n < records; n++) {
    const { ref, features, summary } = syntheticRecord(n);
    await index.put(ref, features, summary);
  }
  const fillSeconds = (performance.now() - started) / 1000;
  await settle();
  const after = process.memoryUsage();
  const found = await index.holders('email', syntheticEmail(records - 1), 5);
  if (found.length !== 1 || index.size !== Math.min(records, maxRecords))
    throw new Error('the index does not hold what was put');
  return {
    records,
    maxRecords,
    fillSeconds,
    rssBefore: before.rss,
    rssAfter: after.rss,
    heapBefore: before.heapUsed,
    heapAfter: after.heapUsed,
    heapTotalBefore: before.heapTotal,
    heapTotalAfter: after.heapTotal,
    externalBefore: before.external,
    externalAfter: after.external,
  };
}

// Run on its own: the figures.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const records = Number(process.env.BENCH_INDEX_RECORDS ?? 100_000);
  const f = await measureIndexMemory(records, Number(process.env.BENCH_INDEX_MAX_RECORDS ?? records));
  const perRecord = (a: number, b: number) => ((b - a) / f.records).toFixed(0);
  console.log(`records ${f.records} (bound ${f.maxRecords}), filled in ${f.fillSeconds.toFixed(1)} s`);
  console.log(`RSS growth:  ${perRecord(f.rssBefore, f.rssAfter)} bytes per record (target ≤ 400)`);
  console.log(`heap growth: ${perRecord(f.heapBefore, f.heapAfter)} bytes per record (after gc)`);
  console.log(
    `heap total:  ${perRecord(f.heapTotalBefore, f.heapTotalAfter)} bytes per record (the heap pages V8 keeps)`,
  );
  console.log(`external:    ${perRecord(f.externalBefore, f.externalAfter)} bytes per record`);
}
