/**
 * The fleet's shared mechanisms, each against a real redis-server, with two Fleet objects standing for two
 * replicas: the L2 store, lease coalescing, the slot scheduler, shared tokens, purges, and health.
 *
 * Real time where Redis keeps it: key TTLs and leases expire on Redis's own clock, and the fleet quota's slot
 * script reads Redis's TIME, so those tests wait for it (a lease of 300 ms to 2 s, slots 110 ms apart) and bound
 * it with room for a loaded machine. A load that must still be running while others wait is held by the test
 * until they do, not by a sleep; a waiter's own deadline runs on a controlled clock.
 */
import { systemClock, type Clock } from '../../src/core/clock.js';
import { Deadline } from '../../src/core/deadline.js';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import type { FleetConfig } from '../../config/fleet.js';
import type { CustomerEntry, NotFoundEntry } from '../../src/core/cache.js';
import { balancesKey, customerKey } from '../../src/core/cache-key.js';
import { createLogger } from '../../src/core/logger.js';
import { GatewayError } from '../../src/core/problems.js';
import { Fleet } from '../../src/fleet/fleet.js';
import { LEASE_MS, type SharedLoad } from '../../src/fleet/lease.js';
import { ManualClock } from '../support/manual-clock.js';
import { TestRedis } from '../support/redis-server.js';
import { until } from '../support/until.js';
import { answering } from '../support/fleet-replica.js';

/** The cache keys these tests store under. */
const ZANZIBAR = customerKey('tango', 'zanzibar-health');
const ACME = customerKey('tango', 'acme-wellness');
const ACME_BALANCES = balancesKey(ACME);
const NOBODY = customerKey('tango', 'nobody-here');

let redis: TestRedis;
let raw: Redis;
const fleets: Fleet[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  raw = new Redis(redis.url, { disconnectTimeout: 100 });
});
afterAll(async () => {
  await Promise.all(fleets.map((f) => f.close()));
  raw.disconnect();
  await redis.stop();
});
beforeEach(async () => {
  if (redis.running && raw.status === 'ready') await raw.flushall();
});

function startFleet(
  overrides: Partial<FleetConfig> = {},
  clock: Clock = systemClock,
): { fleet: Fleet; logs: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', destination, adapters: [] });
  // A generous command timeout: these tests are about what is shared, and a 200 ms one was once exceeded by a SET on
  // a loaded machine (a fresh clone's CI run, three browsers starting). No test here waits for it.
  const fleet = new Fleet(
    {
      redis: { kind: 'single', url: redis.url },
      keyPrefix: 'test:',
      timeoutMs: 2000,
      size: 2,
      encryptionKey: undefined,
      ...overrides,
    },
    logger,
    clock,
  );
  fleets.push(fleet);
  return { fleet, logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

async function ready(...list: Fleet[]): Promise<void> {
  // Generous: connecting and subscribing usually takes milliseconds, but once took over 5 s on a loaded machine.
  const end = Date.now() + 15_000;
  while (!list.every((f) => f.health === 'up' && f.events.listening)) {
    if (Date.now() > end) throw new Error('fleet did not connect');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function customerEntry(id: string, withClear = false): CustomerEntry {
  const now = Date.now();
  const masked = {
    data: JSON.stringify({ id: `tango:${id}`, nationalId: '*******2345' }),
    etag: '"v1.m"',
    clearNationalId: false,
  };
  const clear = withClear
    ? { data: JSON.stringify({ id: `tango:${id}`, nationalId: '01017012345' }), etag: '"v1.c"', clearNationalId: true }
    : masked;
  return {
    kind: 'customer',
    version: 'v1',
    rawText: `{"customerIdentifier":"${id}"}`,
    fetchedAt: now,
    freshUntil: now + 60_000,
    staleUntil: now + 120_000,
    bytes: 1,
    masked,
    clear,
  };
}

describe('the L2 store', () => {
  test('an entry one replica wrote is read by another: same views and ETags, kept while fresh', async () => {
    const a = startFleet().fleet;
    const b = startFleet().fleet;
    await ready(a, b);
    const entry = customerEntry('zanzibar-health', true);
    expect(await a.cache.set(ZANZIBAR, entry)).toBe(true);
    const read = (await b.cache.get(ZANZIBAR)) as CustomerEntry;
    expect(read.masked).toEqual(entry.masked);
    expect(read.clear).toEqual(entry.clear);
    expect(read.rawText).toBe(entry.rawText);
    expect(read.version).toBe(entry.version);
    expect([read.fetchedAt, read.freshUntil, read.staleUntil]).toEqual([
      entry.fetchedAt,
      entry.freshUntil,
      entry.staleUntil,
    ]);
    const keys = await raw.keys('*');
    expect(keys).toHaveLength(1);
    // No customer id in the key: provider and a digest.
    expect(keys[0]).toMatch(/^test:\{c:tango:[A-Za-z0-9_-]{22}\}$/);
    expect(keys[0]).not.toContain('zanzibar');
    // No replica takes an expired entry from the L2: it lives in Redis for its fresh minute only.
    const ttl = await raw.pttl(keys[0] ?? '');
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  test('a customer without a national id is stored with one view that serves both', async () => {
    const a = startFleet().fleet;
    await ready(a);
    await a.cache.set(ACME, customerEntry('acme-wellness'));
    const read = (await a.cache.get(ACME)) as CustomerEntry;
    expect(read.clear).toBe(read.masked);
  });

  test('a partial balances answer keeps its note at another replica (meta.partial, Cache-Status detail)', async () => {
    const a = startFleet().fleet;
    const b = startFleet().fleet;
    await ready(a, b);
    const partial = {
      missing: ['balances'] as ['balances'],
      problem: 'upstream-error',
      detail: 'The upstream answered 503.',
    };
    await a.cache.set(ACME_BALANCES, { ...customerEntry('acme-wellness'), partial });
    const read = (await b.cache.get(ACME_BALANCES)) as CustomerEntry;
    expect(read.partial).toEqual(partial);
  });

  test('a cached customer-not-found is shared for its own lifetime, with its problem', async () => {
    const a = startFleet().fleet;
    const b = startFleet().fleet;
    await ready(a, b);
    const now = Date.now();
    const entry: NotFoundEntry = {
      kind: 'not-found',
      error: new GatewayError('customer-not-found', {
        provider: 'tango',
        detail: 'No such customer.',
        upstreamStatus: 404,
      }),
      fetchedAt: now,
      freshUntil: now + 30_000,
      bytes: 256,
    };
    await a.cache.set(NOBODY, entry);
    const read = (await b.cache.get(NOBODY)) as NotFoundEntry;
    expect(read.kind).toBe('not-found');
    expect(read.error).toMatchObject({
      code: 'customer-not-found',
      provider: 'tango',
      upstreamStatus: 404,
      message: 'No such customer.',
    });
    expect(await raw.pttl((await raw.keys('*'))[0] ?? '')).toBeLessThanOrEqual(30_000);
  });

  test('CACHE_ENCRYPTION_KEY seals values: no clear text in Redis; replicas with the key read them', async () => {
    const key = randomBytes(32);
    const a = startFleet({ encryptionKey: key }).fleet;
    const b = startFleet({ encryptionKey: key }).fleet;
    const other = startFleet({ encryptionKey: randomBytes(32) }).fleet;
    const plain = startFleet().fleet;
    await ready(a, b, other, plain);
    await a.cache.set(ZANZIBAR, customerEntry('zanzibar-health', true));
    const [stored] = await raw.keys('*');
    const value = await raw.getBuffer(stored ?? '');
    expect(value?.toString('latin1')).not.toContain('01017012345');
    expect(value?.toString('latin1')).not.toContain('zanzibar');
    expect(((await b.cache.get(ZANZIBAR)) as CustomerEntry).clear.data).toContain('01017012345');
    // Another key names the entry differently, and could not open it anyway.
    expect(await other.cache.get(ZANZIBAR)).toBeUndefined();
    expect(await plain.cache.get(ZANZIBAR)).toBeUndefined();
    // A sealed value moved under another key does not open there (the key is authenticated with it).
    await raw.set(a.cache.redisKey(ACME), value ?? '');
    expect(await b.cache.get(ACME)).toBeUndefined();
  });

  test('a plain value planted under a key is not trusted by replicas that encrypt', async () => {
    const a = startFleet({ encryptionKey: randomBytes(32) }).fleet;
    const plain = startFleet().fleet;
    await ready(a, plain);
    await plain.cache.set(ZANZIBAR, customerEntry('zanzibar-health'));
    await raw.copy(plain.cache.redisKey(ZANZIBAR), a.cache.redisKey(ZANZIBAR));
    expect(await a.cache.get(ZANZIBAR)).toBeUndefined();
  });
});

describe('lease coalescing', () => {
  /**
   * One name's load, shared by the replicas' runs: it loads until the test calls `finish` (with an error: it fails),
   * and counts the loads and the waiters' reads of the stored result (a waiter reads once it listens for the
   * holder's outcome).
   */
  function heldLoad(name: string) {
    const stored = new Map<string, string>();
    const count = { loads: 0, reads: 0 };
    let finish: (error?: Error) => void = () => undefined;
    const gate = new Promise<void>((resolve, reject) => (finish = (error) => (error ? reject(error) : resolve())));
    const load: SharedLoad<string> = {
      read: async () => {
        count.reads += 1;
        return stored.get(name);
      },
      load: async () => {
        count.loads += 1;
        await gate;
        stored.set(name, 'value');
        return 'value';
      },
      share: (error) => (error instanceof GatewayError ? { code: error.code, detail: error.message } : undefined),
      rebuild: (failure) => new GatewayError(failure.code as 'upstream-error', { detail: failure.detail }),
      timeout: () => new GatewayError('upstream-timeout', { detail: 'timed out' }),
    };
    return { load, count, finish };
  }

  test('concurrent loads of one name at two replicas run once; the others are notified and read it', async () => {
    const a = startFleet().fleet;
    const b = startFleet().fleet;
    await ready(a, b);
    const { load, count, finish } = heldLoad('k1');
    const running = Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).coalescer.run('k1', Deadline.after(systemClock, 5000), load),
      ),
    );
    // One of them loads; the other 19 wait for it.
    await until(() => count.loads === 1 && count.reads >= 19, 10_000, 1);
    finish();
    const results = await running;
    expect(count.loads).toBe(1);
    expect(results.every((r) => r.value === 'value')).toBe(true);
    expect(results.filter((r) => r.by === 'loaded')).toHaveLength(1);
  });

  test('a failure of the holder reaches the waiters as the same problem, without a second load', async () => {
    const a = startFleet().fleet;
    const b = startFleet().fleet;
    await ready(a, b);
    const { load, count, finish } = heldLoad('k2');
    const holder = a.coalescer.run('k2', Deadline.after(systemClock, 5000), load);
    await until(() => count.loads === 1, 10_000, 1);
    const waiter = b.coalescer.run('k2', Deadline.after(systemClock, 5000), load);
    await until(() => count.reads === 1, 10_000, 1);
    finish(new GatewayError('upstream-error', { detail: 'The upstream answered 503.', upstreamStatus: 503 }));
    await Promise.all([
      expect(holder).rejects.toMatchObject({ code: 'upstream-error' }),
      expect(waiter).rejects.toMatchObject({ code: 'upstream-error', message: 'The upstream answered 503.' }),
    ]);
    expect(count.loads).toBe(1);
  });

  test('when the holder dies its lease expires and a waiter takes over', async () => {
    const b = startFleet().fleet;
    await ready(b);
    // A holder that took the lease and died: nobody renews it, and Redis expires it after LEASE_MS of its own time.
    await raw.set('test:lease:{k3}', 'dead-holder', 'PX', LEASE_MS);
    const { load, count, finish } = heldLoad('k3');
    finish();
    const started = Date.now();
    const result = await b.coalescer.run('k3', Deadline.after(systemClock, 5000), load);
    expect(result.by).toBe('loaded');
    expect(count.loads).toBe(1);
    // It waited for the lease to expire, not for its deadline (5 s); the upper bound leaves room for a waiter's
    // recheck (500 ms) on a loaded machine.
    expect(Date.now() - started).toBeGreaterThanOrEqual(LEASE_MS - 100);
    expect(Date.now() - started).toBeLessThan(4500);
  });

  test('a waiter whose deadline passes while another replica loads gives up with its timeout problem', async () => {
    const a = startFleet().fleet;
    // The waiting replica's deadline and its waits run on a clock the test moves.
    const clock = new ManualClock();
    const b = startFleet({}, clock).fleet;
    await ready(a, b);
    const { load, count, finish } = heldLoad('k4');
    const holder = a.coalescer.run('k4', Deadline.after(systemClock, 5000), load);
    await until(() => count.loads === 1, 10_000, 1);
    const waiter = b.coalescer.run('k4', Deadline.after(clock, 300), load);
    await until(() => count.reads === 1, 10_000, 1);
    let waiting = true;
    const gaveUp = expect(waiter.finally(() => (waiting = false))).rejects.toMatchObject({ code: 'upstream-timeout' });
    await clock.advance(299);
    expect(waiting).toBe(true);
    await clock.advance(1);
    await gaveUp;
    // The holder is still loading: only the waiter's deadline ended it.
    expect(count.loads).toBe(1);
    finish();
    await holder;
  });
});

describe('the fleet quota', () => {
  test('two replicas share one schedule: grants are spaced (1000 + 100) / rate ms apart on the whole', async () => {
    const a = startFleet().fleet;
    const b = startFleet().fleet;
    await ready(a, b);
    const qa = await answering(a.quota('tango', 10));
    const qb = await answering(b.quota('tango', 10));
    expect(qa.spacingMs).toBe(110);
    const [seconds, micros] = await raw.time();
    const redisStart = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const started = performance.now();
    const grants: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        await (i % 2 ? qa : qb).acquire(Date.now() + 5000, `caller-${i}`);
        grants.push(performance.now());
      }),
    );
    // On Redis's clock: eight slots handed out, one spacing apart (a slot woken late is let go and another
    // taken, which only moves the schedule further).
    const nextFree = Number(await raw.get('test:quota:{tango}'));
    expect(nextFree - redisStart).toBeGreaterThanOrEqual(8 * 110 - 5);
    // Here: the last grant came no sooner than seven spacings after the first could (timers fire late, never
    // early; a few ms of rounding allowed). Measured from before asking, so a late first grant cannot shrink it.
    expect(Math.max(...grants) - started).toBeGreaterThanOrEqual(7 * 110 - 10);
    expect(await raw.exists('test:quota:{tango}')).toBe(1);
  });

  test('a lookup whose slot would come after its deadline is refused at once with provider-unavailable', async () => {
    // A fleet of one: with FLEET_SIZE=2 and the other replica not yet heard from (the roster is new after each test's
    // FLUSHALL), the schedule would leave that replica's share free and space the slots 2.2 s apart, not 1.1 s.
    const a = startFleet({ size: 1 }).fleet;
    await ready(a);
    const q = await answering(a.quota('tango', 1));
    await q.acquire(Date.now() + 5000, 'c');
    const started = Date.now();
    await expect(q.acquire(Date.now() + 200, 'c')).rejects.toMatchObject({
      code: 'provider-unavailable',
      retryAfterSeconds: 2,
    });
    // At once: the slot script answered from Redis's clock that the next slot is 1.1 s away; waiting for it, or for
    // the 200 ms deadline, would take longer than this bound (wall time, as Redis keeps it).
    expect(Date.now() - started).toBeLessThan(150);
  });
});

describe('shared tokens', () => {
  const token = (value: string) => ({ value, refreshAt: Date.now() + 60_000, expiresAt: Date.now() + 120_000 });

  test('one token fetch for the fleet: the lease holder fetches, the others wait and read its token', async () => {
    const a = startFleet().fleet;
    const b = startFleet().fleet;
    await ready(a, b);
    const [sa, sb] = [a.tokens.store('cred', 1000), b.tokens.store('cred', 1000)];
    const first = await sa.get();
    expect(first).toBeUndefined();
    // b asks while a fetches: it waits for a's token instead of fetching its own.
    const waiting = sb.get();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await sa.set(token('tok-1'));
    expect((await waiting)?.value).toBe('tok-1');
    // The credential's name is a digest; the token itself is never in a key.
    expect((await raw.keys('*')).some((k) => k.includes('tok-1'))).toBe(false);
  });

  test('a refusal at one replica deletes the token for the fleet and every replica drops its copy', async () => {
    const a = startFleet().fleet;
    const b = startFleet().fleet;
    await ready(a, b);
    const [sa, sb] = [a.tokens.store('cred1', 1000), b.tokens.store('cred1', 1000)];
    expect(await sa.get()).toBeUndefined();
    await sa.set(token('tok-1'));
    expect((await sb.get())?.value).toBe('tok-1');
    await sa.drop(token('tok-1'));
    // b no longer holds it, and Redis neither: b is the one to fetch the next token.
    await until(async () => (await sb.get()) === undefined, 3000);
  });

  test('refusing an old token does not delete the newer one another replica fetched', async () => {
    const a = startFleet().fleet;
    await ready(a);
    const sa = a.tokens.store('cred2', 1000);
    expect(await sa.get()).toBeUndefined();
    await sa.set(token('tok-new'));
    await sa.drop(token('tok-old'));
    expect((await sa.get())?.value).toBe('tok-new');
  });

  test('a replica that took the lease and died: after the lease runs out, a waiter fetches', async () => {
    const b = startFleet().fleet;
    await ready(b);
    const sb = b.tokens.store('cred3', 300);
    await raw.set(`test:lease:token:{cred3}`, 'dead-holder', 'PX', 300);
    const started = Date.now();
    expect(await sb.get()).toBeUndefined();
    // It waited for Redis to expire the lease (300 ms of Redis's time, less what passed before it asked).
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });
});

describe('purges and health', () => {
  test('a purge deletes the L2 entry and reaches every replica before it resolves', async () => {
    const a = startFleet().fleet;
    const b = startFleet().fleet;
    await ready(a, b);
    const seen: string[] = [];
    b.onPurge((key) => seen.push(key));
    await a.cache.set(ZANZIBAR, customerEntry('zanzibar-health'));
    // Every Fleet of this file still open listens on the channel: PUBLISH counts them all.
    const listening = fleets.filter((f) => f.events.listening).length;
    expect(await a.purge([ZANZIBAR])).toEqual({
      shared: true,
      existed: true,
      replicas: { confirmed: listening, expected: 2 },
    });
    expect(await b.cache.get(ZANZIBAR)).toBeUndefined();
    await until(() => seen.length > 0, 2000, 5);
    expect(seen).toEqual(['tango:zanzibar-health']);
  });

  test('Redis killed: fail fast, quota at its share, transitions logged once; restarted: sharing resumes', async () => {
    const { fleet: a, logs } = startFleet();
    await ready(a);
    const q = a.quota('frontpayment', 20);
    await redis.kill();
    await until(() => a.health === 'degraded', 3000);
    expect(a.health).toBe('degraded');
    const started = Date.now();
    expect(await a.cache.get(ZANZIBAR)).toBeUndefined();
    expect(await a.cache.set(ZANZIBAR, customerEntry('zanzibar-health'))).toBe(false);
    // Share of 20/s over a fleet of 2: 10/s locally, so two slots are 110 ms apart. The first waits until the fleet's
    // schedule has stopped counting this replica: at most 2,010 ms after its last word, sent before the kill (a word
    // may arrive 500 ms late, counts 300 ms, then two slots of 55 ms and the upstream's 1,100 ms window pass). Wall
    // time: this fleet's clock is the system's, since its failing over follows ioredis's own timers; the bound is that
    // hold and one slot, and a second of room for a loaded machine (not the 5 s deadline: it fails fast).
    await q.acquire(Date.now() + 5000, 'c');
    await q.acquire(Date.now() + 5000, 'c');
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(Date.now() - started).toBeLessThan(2010 + 110 + 1000);
    expect(await a.purge([ZANZIBAR])).toEqual({ shared: false, existed: false });

    await redis.restart();
    raw.disconnect();
    raw = new Redis(redis.url, { disconnectTimeout: 100 });
    await ready(a);
    // Another key: ZANZIBAR's purge, pending while Redis was down, is sent now and refuses writes of it for a while.
    expect(await a.cache.set(ACME, customerEntry('acme-wellness'))).toBe(true);
    expect(await a.cache.get(ACME)).toBeDefined();
    const transitions = logs().filter((l) => l.redis !== undefined);
    expect(transitions.map((l) => l.redis)).toEqual(['up', 'degraded', 'up']);
  });
});
