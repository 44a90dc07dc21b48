/**
 * The fleet on Redis behind Sentinel, through a failover: a primary, its replica and a sentinel (real
 * redis-servers), two gateway replicas configured with `REDIS_SENTINELS` under steady lookups, and a Tango
 * simulator. The primary is killed (SIGKILL, as a crash); the sentinel promotes the replica. Asserted: no lookup
 * answers a 5xx (the upstream is healthy: every lookup answers 200), one upstream call per customer for the fleet
 * while Redis is up (before the kill and after the fleet is back), and the fleet shares again within
 * `BACK_WITHIN_MS` of the promotion: `/readyz` says the fleet's Redis is up at both replicas, and a customer looked
 * up at one is a hit at the other through the L2.
 */
import { jest } from '@jest/globals';
import { tangoSimulator } from '../../providers/tango/simulator.js';
import type { Simulator } from '../../src/core/simulator.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { DOWN_AFTER_MS, TestRedisSentinel } from '../support/redis-sentinel.js';
import { until } from '../support/until.js';
import { tangoOAuthEnv } from '../support/tango-oauth-env.js';

// Startup (three redis processes, two replicas) takes a few seconds, the failover DOWN_AFTER_MS and a vote more.
jest.setTimeout(60_000);

/**
 * From the sentinels naming the new primary to the fleet sharing again. Each connection reconnects at most 2 s
 * after its last try (its retry strategy's longest wait), asking the sentinel for the primary each time; then the
 * event connection subscribes again. 2 s of reconnect and the rest for a loaded 2-core machine running other
 * suites: on a quiet one it is well under 1 s.
 */
const BACK_WITHIN_MS = 6000;
/** From the kill to the promotion: the sentinel's DOWN_AFTER_MS, then its vote and `REPLICAOF NO ONE`. */
const PROMOTED_WITHIN_MS = 20_000;

let set: TestRedisSentinel;
let sim: Simulator;
let a: TestGateway;
let b: TestGateway;

function replica(): Promise<TestGateway> {
  return startTestGateway({
    env: {
      ...tangoOAuthEnv(sim),
      // No upstream quota: the test is about Redis, and lookups must not wait for Tango's slots.
      TANGO_RATE_LIMIT_PER_SECOND: '0',
      FLEET_SIZE: '2',
      ...set.env,
      REDIS_KEY_PREFIX: 'sent:',
      INDEX_KEY: Buffer.alloc(32, 7).toString('base64'),
      // A loaded test machine must not be mistaken for a failing Redis (see two-replicas.test.ts).
      REDIS_TIMEOUT_MS: '1000',
      LOG_LEVEL: 'info',
    },
  });
}

/** Customers looked up before the kill, and again under the steady lookups. */
const SEEN = ['synthetic-101', 'synthetic-102', 'synthetic-103'];

/** Upstream calls for one Tango customer so far. */
const callsFor = (id: string) => sim.log.filter((r) => r.path === `/customers/${id}`).length;

const readiness = async (gw: TestGateway) =>
  (await (await fetch(`${gw.url}/readyz`)).json()) as { status: string; fleet?: Record<string, unknown> };
const fleetUp = async (gw: TestGateway) =>
  gw.services.fleet?.events.listening === true && (await readiness(gw)).fleet?.redis === 'up';

/** Each customer looked up at both replicas at once: one upstream call each, for the fleet. */
async function oneCallEach(ids: readonly string[]): Promise<void> {
  const before = ids.map(callsFor);
  const answers = await Promise.all(ids.flatMap((id) => [a.lookup('tango', id), b.lookup('tango', id)]));
  expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
  expect(ids.map((id, i) => callsFor(id) - (before[i] ?? 0))).toEqual(ids.map(() => 1));
}

beforeAll(async () => {
  set = await TestRedisSentinel.start();
  sim = await tangoSimulator({ rateLimitPerSecond: 0 });
  [a, b] = await Promise.all([replica(), replica()]);
  // Connecting through the sentinel and subscribing take milliseconds on a quiet machine.
  await until(async () => (await fleetUp(a)) && (await fleetUp(b)), 15_000, 20);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await sim?.close();
  await set?.stop();
});

test('the primary dies, the sentinel promotes its replica: no 5xx, the fleet shares again within seconds', async () => {
  expect((await readiness(a)).fleet).toMatchObject({ redis: 'up', topology: 'sentinel', events: 'subscribed' });
  await oneCallEach(SEEN);

  // Steady lookups at both replicas, from before the kill to after the fleet is back: customers seen before and
  // new ones, one after the other per replica.
  const statuses: number[] = [];
  let running = true;
  const steady = [a, b].map(async (gw, lane) => {
    for (let n = 0; running; n++) {
      const id =
        n % 3 === 0 ? (SEEN[(n / 3) % SEEN.length] ?? 'synthetic-101') : `synthetic-${2000 + lane * 10_000 + n}`;
      statuses.push((await gw.lookup('tango', id)).status);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  await until(() => statuses.length >= 20, 10_000);

  const killedAt = Date.now();
  await set.primary.kill();
  await until(async () => (await set.primaryPort()) === set.replica.port, PROMOTED_WITHIN_MS, 50);
  const promotedAt = Date.now();
  // Not before the sentinel could have called the primary down: the failover really happened, through Sentinel.
  expect(promotedAt - killedAt).toBeGreaterThanOrEqual(DOWN_AFTER_MS);

  // Back to sharing: both replicas' connections on the new primary, events subscribed, and an entry one replica
  // stores is a hit at the other.
  let probe = 0;
  await until(
    async () => {
      if (!((await fleetUp(a)) && (await fleetUp(b)))) return false;
      const id = `synthetic-${90_000 + probe++}`;
      if ((await a.lookup('tango', id)).status !== 200) return false;
      return /; hit; /.test((await b.lookup('tango', id)).headers.get('cache-status') ?? '');
    },
    BACK_WITHIN_MS,
    20,
  );
  const backAt = Date.now();
  running = false;
  await Promise.all(steady);

  // Every lookup answered, through the kill, the promotion and the reconnection: the upstream was healthy.
  expect(statuses.length).toBeGreaterThan(20);
  expect(statuses.filter((status) => status !== 200)).toEqual([]);
  // While Redis is up again, one upstream call per customer for the fleet.
  await oneCallEach(['synthetic-301', 'synthetic-302', 'synthetic-303']);
  for (const gw of [a, b]) {
    expect((await readiness(gw)).fleet).toMatchObject({ redis: 'up', topology: 'sentinel', events: 'subscribed' });
    // What the operator reads in each replica's log: the loss, then sharing again and the L1 dropped.
    const messages = gw.logs().map((line) => String(line.msg));
    expect(messages.filter((message) => message.includes('will not reconnect'))).toEqual([]);
    const lost = messages.indexOf('redis: unavailable, serving from local state');
    expect(lost).toBeGreaterThan(-1);
    expect(messages.slice(lost)).toEqual(
      expect.arrayContaining([
        'redis: sharing state with the fleet',
        'redis: listening to the fleet again: cached copies dropped (purges may have been missed)',
      ]),
    );
  }
  // The measured times, for docs/fleet.md (the assertions above hold the bounds).
  process.stdout.write(
    `sentinel failover: promoted ${promotedAt - killedAt} ms after the kill, sharing ${backAt - promotedAt} ms after\n`,
  );
});
