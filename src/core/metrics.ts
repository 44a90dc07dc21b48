/**
 * Prometheus metrics (prom-client) on a registry of their own per services instance, so that several
 * gateways in one process (tests) never share or collide on series. Every metric the gateway exports is
 * named here; call sites use the named methods, never prom-client directly.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { schemaDriftOf, type SchemaDeclaration } from './schema-drift.js';

/** Seconds: from a cache hit (sub-millisecond) to a lookup that spends its whole deadline. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const MISNAMED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * Seconds, finer than the request buckets: a Redis command on a local network answers well within a millisecond,
 * and REDIS_TIMEOUT_MS cuts it off (50 ms by default).
 */
const REDIS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

/** Distinct `field` label values per provider and drift metric; past it, new fields are counted as `other`. */
export const MAX_DRIFT_FIELDS_PER_PROVIDER = 100;

export type CacheLookupOutcome = 'hit' | 'miss' | 'stale' | 'collapsed';
export type TokenFetchOutcome = 'ok' | 'refused' | 'failed';
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CacheSize {
  readonly size: number;
  readonly bytes: number;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;

  private readonly httpDuration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Time to answer an inbound request, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly inFlight = new Gauge({
    name: 'http_server_requests_in_flight',
    help: 'Inbound requests being answered right now (during a shutdown: those still draining).',
    registers: [this.registry],
  });
  private readonly upstreamDuration = new Histogram({
    name: 'upstream_request_duration_seconds',
    help:
      'Time of one upstream attempt, by provider and outcome (the verdict, or the problem code of a transport ' +
      'failure).',
    labelNames: ['provider', 'outcome'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly upstreamRetries = new Counter({
    name: 'upstream_retries_total',
    help: 'Upstream attempts beyond the first of a lookup (retries and the token-refresh retry).',
    labelNames: ['provider'] as const,
    registers: [this.registry],
  });
  private readonly cacheLookups = new Counter({
    name: 'cache_lookups_total',
    help:
      'Customer lookups by cache outcome: hit (fresh), miss (went upstream), collapsed (joined a fetch in ' +
      'flight), stale (served after an upstream failure).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly tokenFetches = new Counter({
    name: 'token_fetches_total',
    help: 'Token requests to an OAuth token endpoint, by provider and outcome (ok, refused, failed).',
    labelNames: ['provider', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly schemaUnknown = new Counter({
    name: 'upstream_schema_unknown_fields_total',
    help:
      'Fields in fresh upstream bodies that the adapter does not know, by provider and field path (capped; the ' +
      'rest is "other").',
    labelNames: ['provider', 'field'] as const,
    registers: [this.registry],
  });
  private readonly schemaMissing = new Counter({
    name: 'upstream_schema_missing_fields_total',
    help:
      'Fields the adapter expects that a fresh upstream body lacked, by provider and field path (capped; the ' +
      'rest is "other").',
    labelNames: ['provider', 'field'] as const,
    registers: [this.registry],
  });
  private readonly driftLabels = new Map<string, Set<string>>();
  /** Metrics registered on first use, so that a provider without a quota shows no empty series. */
  private readonly lazy = new Map<string, Counter | Gauge | Histogram>();

  constructor(cache: CacheSize) {
    collectDefaultMetrics({ register: this.registry });
    // prom-client's `nodejs_active_{handles,requests,resources}_total` are gauges named like counters
    // (`promtool check metrics` flags them); their per-type gauges without the suffix carry the same counts.
    for (const name of MISNAMED_DEFAULT_METRICS) this.registry.removeSingleMetric(name);
    new Gauge({
      name: 'cache_entries',
      help: 'Entries held by the customer cache (customers and not-found answers, fresh or within their stale window).',
      registers: [this.registry],
      collect() {
        this.set(cache.size);
      },
    });
    new Gauge({
      name: 'cache_bytes',
      help: 'Bytes counted against CACHE_MAX_BYTES by the customer cache.',
      registers: [this.registry],
      collect() {
        this.set(cache.bytes);
      },
    });
  }

  /** The text exposition for `GET /metrics`. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  httpRequestStarted(): void {
    this.inFlight.inc();
  }

  httpRequest(route: string, method: string, status: number, seconds: number): void {
    this.inFlight.dec();
    this.httpDuration.observe({ route, method, status: String(status) }, seconds);
  }

  /** One upstream attempt that reached the wire (or failed trying); `attempt` counts from 1 within a lookup. */
  upstreamAttempt(provider: string, outcome: string, seconds: number, attempt: number): void {
    this.upstreamDuration.observe({ provider, outcome }, seconds);
    if (attempt > 1) this.upstreamRetries.inc({ provider });
  }

  cacheLookup(outcome: CacheLookupOutcome): void {
    this.cacheLookups.inc({ outcome });
  }

  tokenFetch(provider: string, outcome: TokenFetchOutcome): void {
    this.tokenFetches.inc({ provider, outcome });
  }

  /** Walks one fresh upstream body against the adapter's declaration (called once per fetch, never on hits). */
  schemaDrift(provider: string, schema: SchemaDeclaration, body: unknown): void {
    const drift = schemaDriftOf(schema, body);
    for (const field of drift.unknown)
      this.schemaUnknown.inc({ provider, field: this.driftLabel('unknown', provider, field) });
    for (const field of drift.missing)
      this.schemaMissing.inc({ provider, field: this.driftLabel('missing', provider, field) });
  }

  /** The breaker's state per provider as a 0/1 gauge per state (`circuit_breaker_state{provider,state}`). */
  breakerState(provider: string, state: BreakerState): void {
    const gauge = this.metric(
      'circuit_breaker_state',
      () =>
        new Gauge({
          name: 'circuit_breaker_state',
          help: 'Circuit breaker state per provider: 1 for the current state, 0 for the others.',
          labelNames: ['provider', 'state'],
          registers: [this.registry],
        }),
    );
    for (const s of ['closed', 'open', 'half-open'] as const) gauge.set({ provider, state: s }, s === state ? 1 : 0);
  }

  /**
   * An attempt waited `seconds` for the provider's quota slot (`upstream_quota_wait_seconds`; only providers
   * with a quota).
   */
  quotaWait(provider: string, seconds: number): void {
    this.metric(
      'upstream_quota_wait_seconds',
      () =>
        new Histogram({
          name: 'upstream_quota_wait_seconds',
          help: 'Time lookups waited for the provider’s upstream quota (rate limit and concurrency).',
          labelNames: ['provider'],
          buckets: DURATION_BUCKETS,
          registers: [this.registry],
        }),
    ).observe({ provider }, seconds);
  }

  /** One Redis command of the fleet's shared state: its latency, and whether it failed (timeout, connection down). */
  redisCommand(command: string, seconds: number, failed: boolean): void {
    this.metric(
      'redis_command_duration_seconds',
      () =>
        new Histogram({
          name: 'redis_command_duration_seconds',
          help: 'Time of one Redis command of the fleet’s shared state, by command.',
          labelNames: ['command'],
          buckets: REDIS_BUCKETS,
          registers: [this.registry],
        }),
    ).observe({ command }, seconds);
    const errors = this.metric(
      'redis_command_errors_total',
      () =>
        new Counter({
          name: 'redis_command_errors_total',
          help: 'Redis commands that failed (timeout, connection down, server error), by command.',
          labelNames: ['command'],
          registers: [this.registry],
        }),
    );
    errors.inc({ command }, failed ? 1 : 0);
  }

  /** Redis refused one of the fleet's scripts (`fleet_redis_script_errors_total`). */
  redisScriptError(script: string): void {
    this.metric(
      'fleet_redis_script_errors_total',
      () =>
        new Counter({
          name: 'fleet_redis_script_errors_total',
          help: 'Scripts Redis refused to run (junk in a key, EVAL refused), by script; the replica falls back.',
          labelNames: ['script'],
          registers: [this.registry],
        }),
    ).inc({ script });
  }

  /** 1 while the fleet's Redis answers, 0 while the replica runs degraded on its own (`fleet_redis_up`). */
  redisUp(up: boolean): void {
    this.metric(
      'fleet_redis_up',
      () =>
        new Gauge({
          name: 'fleet_redis_up',
          help: 'Whether this replica shares state through Redis (1) or runs degraded on its own (0).',
          registers: [this.registry],
        }),
    ).set(up ? 1 : 0);
  }

  /**
   * The blind index's size per provider, read when scraped (`index_records`). `count` answers from memory or from
   * Redis; a provider it cannot count keeps its last value.
   */
  indexSize(providers: readonly string[], count: (provider: string) => Promise<number>): void {
    new Gauge({
      name: 'index_records',
      help: 'Customer records in the blind index behind search and links, by provider.',
      labelNames: ['provider'],
      registers: [this.registry],
      async collect() {
        for (const provider of providers) {
          const records = await count(provider).catch(() => undefined);
          if (records !== undefined) this.set({ provider }, records);
        }
      },
    });
  }

  /** One record the crawl read into the index, or could not read (`index_crawl_records_total`). */
  crawlRecord(provider: string, outcome: 'indexed' | 'failed'): void {
    this.metric(
      'index_crawl_records_total',
      () =>
        new Counter({
          name: 'index_crawl_records_total',
          help: 'Records the index crawl read (indexed) or could not read (failed), by provider.',
          labelNames: ['provider', 'outcome'],
          registers: [this.registry],
        }),
    ).inc({ provider, outcome });
  }

  /** A crawl of the provider finished (`index_crawl_last_finished_timestamp_seconds`). */
  crawlFinished(provider: string, at: number): void {
    this.metric(
      'index_crawl_last_finished_timestamp_seconds',
      () =>
        new Gauge({
          name: 'index_crawl_last_finished_timestamp_seconds',
          help: 'When the last complete crawl of the provider finished (Unix time).',
          labelNames: ['provider'],
          registers: [this.registry],
        }),
    ).set({ provider }, Math.floor(at / 1000));
  }

  /** A search by one kind of key (never its value) and how it ended (`search_requests_total`). */
  searchRequest(key: string, outcome: 'matches' | 'none' | 'invalid'): void {
    this.metric(
      'search_requests_total',
      () =>
        new Counter({
          name: 'search_requests_total',
          help: 'Customer searches by the kind of key searched (email, phone, orgNumber, name) and outcome.',
          labelNames: ['key', 'outcome'],
          registers: [this.registry],
        }),
    ).inc({ key, outcome });
  }

  /** One candidate a links request weighed: its band, `none`, or `unavailable` (`link_candidates_total`). */
  linkCandidate(outcome: 'same' | 'possible' | 'none' | 'unavailable'): void {
    this.metric(
      'link_candidates_total',
      () =>
        new Counter({
          name: 'link_candidates_total',
          help: 'Candidates weighed by links requests, by outcome (same, possible, none, unavailable).',
          labelNames: ['outcome'],
          registers: [this.registry],
        }),
    ).inc({ outcome });
  }

  private metric<M extends Counter | Gauge | Histogram>(name: string, create: () => M): M {
    let metric = this.lazy.get(name);
    if (!metric) this.lazy.set(name, (metric = create()));
    return metric as M;
  }

  private driftLabel(kind: 'unknown' | 'missing', provider: string, field: string): string {
    const key = `${kind}:${provider}`;
    let seen = this.driftLabels.get(key);
    if (!seen) this.driftLabels.set(key, (seen = new Set()));
    if (seen.has(field)) return field;
    if (seen.size >= MAX_DRIFT_FIELDS_PER_PROVIDER) return 'other';
    seen.add(field);
    return field;
  }
}
