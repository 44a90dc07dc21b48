/**
 * Every metric name the alert rules and the dashboard query is one the gateway really exposes: read from a running
 * gateway's /metrics after traffic that makes every lazily registered metric appear (lookups, upstream attempts,
 * quota waits and refusals, Redis, a crawl, searches, links). A metric renamed in the code, or misspelt in a query,
 * fails here instead of leaving an alert that never fires or an empty panel.
 */
import { jest } from '@jest/globals';
import { A, F } from '../fixtures/linked-set.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { TestRedis } from '../support/redis-server.js';
import { until } from '../support/until.js';
import { dashboardQueries, parseQuery, recordedNames, ruleQueries, type Query } from './queries.js';

jest.setTimeout(60_000);

/** Series Prometheus makes for every target itself, not the gateway. */
const SCRAPE_SERIES = new Set(['up']);
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

let redis: TestRedis;
let gw: TestGateway;
let exposed: Map<string, string>;

beforeAll(async () => {
  redis = await TestRedis.start();
  gw = await startTestGateway({
    env: {
      REDIS_URL: redis.url,
      REDIS_TIMEOUT_MS: '1000',
      REDIS_KEY_PREFIX: 'metric-names:',
      INDEX_KEY: Buffer.alloc(32, 7).toString('base64'),
      // Tango's quota at one request a second, and a deadline too short to wait for a second slot: of lookups sent
      // at once, the first waits 0 s and the others are refused.
      TANGO_RATE_LIMIT_PER_SECOND: '1',
      TANGO_DEADLINE_MS: '1000',
      TANGO_TIMEOUT_MS: '500',
      TANGO_RETRIES: '0',
      LOG_LEVEL: 'info',
    },
  });
  await until(() => gw.services.fleet?.redis.usable === true, 10_000);
  const tango = gw.sim('tango').seedIds.slice(0, 3);
  const statuses = (await Promise.all(tango.map((id) => gw.lookup('tango', id)))).map((r) => r.status);
  expect(statuses).toContain(200);
  expect(statuses).toContain(503);
  expect((await gw.lookup('adobe-vip', A.nordlys.providerId)).status).toBe(200);
  // Frontpayment's record, which only lookups index, is the candidate the links request weighs.
  expect((await gw.lookup('frontpayment', F.nordlys.providerId)).status).toBe(200);
  await gw.services.linking.feed.settled();
  expect(await gw.services.linking.crawler.crawl('adobe-vip')).toBe('finished');
  expect((await fetch(`${gw.url}/customers/search?email=post%40nordlys.example.no`)).status).toBe(200);
  expect((await fetch(`${gw.url}/customers/adobe-vip/${A.nordlys.providerId}/links`)).status).toBe(200);
  exposed = familiesOf(await (await fetch(`${gw.url}/metrics`)).text());
});
afterAll(async () => {
  await gw?.close();
  await redis?.kill();
});

/** Metric families of a text exposition, by name, with their type (`# TYPE name type`). */
function familiesOf(exposition: string): Map<string, string> {
  const families = new Map<string, string>();
  for (const line of exposition.split('\n')) {
    const [hash, keyword, name, type] = line.split(' ');
    if (hash === '#' && keyword === 'TYPE' && name && type) families.set(name, type);
  }
  return families;
}

/** Why `name` is not a series the gateway exposes, or undefined when it is. */
function unknownName(name: string, recorded: Set<string>): string | undefined {
  if (recorded.has(name) || SCRAPE_SERIES.has(name)) return undefined;
  const type = exposed.get(name);
  if (type === 'histogram') return `${name} is a histogram: query its _bucket, _sum or _count`;
  if (type !== undefined) return undefined;
  const suffix = HISTOGRAM_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix && exposed.get(name.slice(0, -suffix.length)) === 'histogram') return undefined;
  return `${name} is not exposed by the gateway`;
}

function check(queries: Query[]): string[] {
  const recorded = recordedNames();
  const problems: string[] = [];
  for (const { where, expr } of queries) {
    const { metrics, errors } = parseQuery(expr);
    for (const error of errors) problems.push(`${where}: does not parse near ${JSON.stringify(error)}`);
    if (metrics.length === 0) problems.push(`${where}: selects no metric`);
    for (const name of metrics) {
      const why = unknownName(name, recorded);
      if (why) problems.push(`${where}: ${why}`);
    }
  }
  return problems;
}

test('the traffic made every metric the gateway registers on first use appear', () => {
  for (const name of [
    'upstream_request_duration_seconds',
    'upstream_quota_wait_seconds',
    'upstream_quota_refusals_total',
    'circuit_breaker_state',
    'fleet_redis_up',
    'redis_command_duration_seconds',
    'redis_command_errors_total',
    'index_records',
    'index_crawl_records_total',
    'index_crawl_last_finished_timestamp_seconds',
    'search_requests_total',
    'link_candidates_total',
  ])
    expect([name, exposed.has(name)]).toEqual([name, true]);
});

test('every metric the alert rules query is one the gateway exposes', () => {
  const queries = ruleQueries();
  expect(queries.length).toBeGreaterThan(20);
  expect(check(queries)).toEqual([]);
});

test('every metric the dashboard queries is one the gateway exposes', () => {
  const queries = dashboardQueries();
  expect(queries.length).toBeGreaterThan(20);
  expect(check(queries)).toEqual([]);
});

test('a renamed metric, a histogram queried without its suffix, or a query that does not parse is reported', () => {
  expect(
    check([
      { where: 'renamed', expr: 'sum(rate(cache_lookup_total[5m]))' },
      { where: 'bare histogram', expr: 'rate(http_server_request_duration_seconds[5m])' },
      { where: 'broken', expr: 'sum by (provider (rate(cache_lookups_total[5m]))' },
      { where: 'fine', expr: 'histogram_quantile(0.9, rate(upstream_quota_wait_seconds_bucket[$__rate_interval]))' },
    ]),
  ).toEqual([
    'renamed: cache_lookup_total is not exposed by the gateway',
    'bare histogram: http_server_request_duration_seconds is a histogram: query its _bucket, _sum or _count',
    expect.stringMatching(/^broken: does not parse near /),
  ]);
});
