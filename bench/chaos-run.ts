/**
 * The chaos run (issue 4 §6), shared by `npm run chaos` (bench/chaos.ts) and its small variant in the tests:
 * the real gateway on loopback in front of every registered provider's simulator, with a mix of faults injected
 * into a share of upstream calls, under a bounded load; every answer is checked against an oracle.
 *
 * The oracle reads each id once from a fault-free twin of the provider's simulator with the adapter's own
 * request and auth, classifies and normalises it with the adapter's own code: a 200 must carry exactly that
 * customer (masked as the gateway masks it), a 404 must be for an id the twin does not know.
 */
import { systemClock } from '../src/core/clock.js';
import { Deadline } from '../src/core/deadline.js';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import type { Server } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { Writable } from 'node:stream';
import axios from 'axios';
import { loadConfig } from '../config/index.js';
import { adapters as registered } from '../providers/index.js';
import { buildApp } from '../src/app.js';
import { createLogger } from '../src/core/logger.js';
import type { Customer } from '../src/core/model.js';
import { maskCustomer } from '../src/core/pii.js';
import { envPrefix, type ProviderAdapter } from '../src/core/provider.js';
import type { FaultRule, SimulatorStats } from '../src/core/simulator.js';
import { defaultClassification } from '../src/core/upstream.js';
import { createServices } from '../src/services.js';

export interface ChaosOptions {
  lookups: number;
  /** Distinct ids across all providers (seeded ids plus ids no upstream knows). */
  ids: number;
  concurrency: number;
  /** Chance that one fault rule applies to an upstream call; twelve rules are installed. */
  faultProbability: number;
  /** Stops the load after this long (the run is then reported as not finished). */
  maxSeconds: number;
  /** What the run is, printed above its tables. */
  label?: string;
  /** Extra gateway env (for example a provider's quota in the test variant). */
  env?: Record<string, string>;
  adapters?: readonly ProviderAdapter[];
  /**
   * The `expired-token` fault, for providers whose upstream issues tokens (default: `faultProbability`, tokens at
   * least 1000 ms old). Only a token at least `minAgeMs` old is expired: a token the gateway has just fetched is not
   * already stale, so the one retry after a refresh is never struck again, and every expired token must end in a
   * refresh and a correct answer, never in `upstream-auth-failed`.
   */
  expiredTokens?: { probability: number; minAgeMs: number };
  /**
   * The simulator processes' script as JavaScript, run by plain node (the test suite passes its run's compiled copy
   * of bench/chaos-upstream.ts); by default bench/chaos-upstream.ts itself, under tsx.
   */
  upstreamScript?: string;
}

export interface ProviderFigures {
  provider: string;
  quota: number;
  /** Lookups answered, customers among them (and how many of those stale), correct customer-not-found answers. */
  lookups: number;
  customers: number;
  stale: number;
  notFound: number;
  /** Problem answers by code (customer-not-found included). */
  problems: Record<string, number>;
  upstreamCalls: number;
  faulted: number;
  /** `expired-token` faults, and the tokens the provider's token endpoint issued (null: no token endpoint). */
  expiredTokens: number;
  tokensIssued: number | null;
  maxCallsInOneSecond: number;
  upstream429s: number;
}

export interface ChaosReport {
  label: string;
  lookups: number;
  finished: boolean;
  seconds: number;
  correct: number;
  stale: number;
  problems: Record<string, number>;
  wrong: number;
  wrongExamples: string[];
  other5xx: number;
  transportErrors: number;
  unhandled: number;
  providers: ProviderFigures[];
  faultShare: number;
  breakerTransitions: number;
  peakRssMiB: number;
  loopDelayP99Ms: number;
}

type Truth = { kind: 'customer'; data: Customer } | { kind: 'not-found' };
type Target = { provider: string; id: string };

const TIMEOUT_MS = 250;

/**
 * Eleven faults, each applied with `p` (together about 1 - (1 - p)^11 of the upstream calls), and a twelfth,
 * expired tokens, for a provider whose upstream issues tokens (Adobe IMS). Static credentials (Tango's Basic,
 * Frontpayment's bearer) do not expire: a refusal of those is a misconfiguration, not weather, and has its own tests.
 */
function faultMix(p: number, maxBodyBytes: number, expired: { probability: number; minAgeMs: number }): FaultRule[] {
  const rules: FaultRule[] = [
    { fault: { kind: 'status', status: 500 }, probability: p },
    { fault: { kind: 'status', status: 503 }, probability: p },
    { fault: { kind: 'status', status: 510 }, probability: p },
    { fault: { kind: 'status', status: 429, headers: { 'Retry-After': '1' } }, probability: p },
    { fault: { kind: 'reset' }, probability: p },
    { fault: { kind: 'hang' }, probability: p },
    { fault: { kind: 'malformed' }, probability: p },
    { fault: { kind: 'truncated' }, probability: p },
    { fault: { kind: 'slow-body', ms: TIMEOUT_MS * 3 }, probability: p },
    { fault: { kind: 'oversized', bytes: maxBodyBytes * 2 }, probability: p },
    { fault: { kind: 'content-type', contentType: 'text/html' }, probability: p },
  ];
  // Last, so that a call it skips (a token too young) may still meet the others.
  return [...rules, { fault: { kind: 'expired-token', minAgeMs: expired.minAgeMs }, probability: expired.probability }];
}

/** The run's settings: short timeouts so that hangs cost little, short TTLs so that lookups keep reaching upstream. */
function chaosEnv(adapters: readonly ProviderAdapter[], extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    LOG_LEVEL: 'info',
    // All the load comes from one address: the gateway's own per-caller limit (its own tests) would answer most of it.
    GATEWAY_RATE_LIMIT_PER_MINUTE: '0',
    CACHE_TTL_SECONDS: '1',
    CACHE_NOT_FOUND_TTL_SECONDS: '1',
    CACHE_STALE_IF_ERROR_SECONDS: '30',
    UPSTREAM_MAX_BODY_BYTES: String(64 * 1024),
  };
  for (const adapter of adapters) {
    const p = envPrefix(adapter.id);
    Object.assign(env, {
      [`${p}_TIMEOUT_MS`]: String(TIMEOUT_MS),
      [`${p}_DEADLINE_MS`]: '1500',
      [`${p}_RETRIES`]: '2',
      [`${p}_BREAKER_HALF_OPEN_AFTER_MS`]: '1000',
    });
  }
  return { ...env, ...extra };
}

/** Ids per provider: its seeded ids, then ids made from its example id that its upstream does not know. */
function idsFor(adapter: ProviderAdapter, seeds: readonly string[], count: number): string[] {
  const ids = [...new Set([adapter.exampleId, ...seeds])]
    .filter((id) => !adapter.idRule.validate(id).error)
    .slice(0, count);
  for (let n = 1; ids.length < count && n < count * 10; n++) {
    const candidate = `${adapter.exampleId}${String(n).padStart(4, '0')}`;
    if (!adapter.idRule.validate(candidate).error && !ids.includes(candidate)) ids.push(candidate);
  }
  return ids;
}

/**
 * The ids of one provider and what its upstream says about each, read from a fault-free twin simulator with the
 * adapter's own request, auth, classification and normaliser.
 */
async function oracle(adapter: ProviderAdapter, count: number): Promise<Map<string, Truth>> {
  const twin = await adapter.simulator({ rateLimitPerSecond: 0 });
  try {
    const p = envPrefix(adapter.id);
    const config = loadConfig(
      { ...twin.env, GATEWAY_ALLOW_ANONYMOUS: 'true', [`${p}_BASE_URL`]: twin.baseUrl, PROVIDERS: adapter.id },
      [adapter],
    );
    const settings = config.providers[0];
    if (!settings) throw new Error(`no settings for ${adapter.id}`);
    const http = axios.create({ proxy: false });
    const auth = adapter.auth(settings.env, { provider: adapter.id, http, timeoutMs: 5000, clock: systemClock });
    const truth = new Map<string, Truth>();
    for (const id of idsFor(adapter, twin.seedIds, count)) {
      const request = adapter.request(id, { attemptId: `oracle-${id}`, idempotencyKey: `oracle-${id}` });
      const headers = {
        Accept: 'application/json',
        ...request.headers,
        ...(await auth.headers(Deadline.after(systemClock, 5000))),
      };
      const response = await fetch(twin.baseUrl + request.path, { headers });
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const verdict = (adapter.classify?.(response.status, body) ?? defaultClassification(response.status)).verdict;
      if (verdict === 'ok') {
        const customer: Customer = {
          id: `${adapter.id}:${id}`,
          provider: adapter.id,
          providerId: id,
          ...adapter.normalize(body),
        };
        truth.set(id, {
          kind: 'customer',
          data: JSON.parse(JSON.stringify(maskCustomer(customer, adapter.personalData?.data))) as Customer,
        });
      } else if (verdict === 'not-found') {
        truth.set(id, { kind: 'not-found' });
      } else {
        throw new Error(`oracle: ${adapter.id} answered ${response.status} for ${id} without faults`);
      }
    }
    return truth;
  } finally {
    await twin.close();
  }
}

interface UpstreamFigures {
  stats: SimulatorStats;
  tokensIssued: number | null;
}

/** An API request the upstream received, on its own clock (with `onArrival`). */
export interface Arrival {
  at: number;
  path: string;
}

export interface Upstream {
  baseUrl: string;
  env: Record<string, string>;
  figures(): Promise<UpstreamFigures>;
  close(): Promise<void>;
}

export interface UpstreamOptions {
  provider: string;
  rateLimitPerSecond: number;
  faults: readonly FaultRule[];
  /** bench/chaos-upstream.ts as JavaScript for plain node (the tests' compiled copy); else the source, under tsx. */
  script?: string;
  /** Told of every API request the upstream receives. */
  onArrival?: (arrival: Arrival) => void;
}

/** Starts one provider's simulator with its faults in a child process (bench/chaos-upstream.ts). */
export async function startUpstream(options: UpstreamOptions): Promise<Upstream> {
  const { provider, rateLimitPerSecond, faults, script, onArrival } = options;
  const child = spawn(
    process.execPath,
    [
      ...(script ? [script] : ['--import', 'tsx', resolvePath(process.cwd(), 'bench/chaos-upstream.ts')]),
      JSON.stringify({ provider, rateLimitPerSecond, faults, arrivals: onArrival !== undefined }),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  // The first line says where it listens; with `onArrival`, each line after it is one request it received.
  const started = await new Promise<{ origin: string; baseUrl: string; env: Record<string, string> }>(
    (resolveStart, reject) => {
      let pending = '';
      let first = true;
      child.stdout.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (first) {
            first = false;
            resolveStart(JSON.parse(line) as { origin: string; baseUrl: string; env: Record<string, string> });
          } else onArrival?.(JSON.parse(line) as Arrival);
        }
      });
      child.once('exit', (code) => reject(new Error(`the ${provider} upstream exited (${code}) before it listened`)));
    },
  );
  return {
    baseUrl: started.baseUrl,
    env: started.env,
    figures: async () => (await (await fetch(`${started.origin}/__simulator/faults`)).json()) as UpstreamFigures,
    close: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The most arrivals within any sliding second. */
export function maxInOneSecond(arrivals: readonly number[]): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let max = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= 1000) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

/** A deterministic shuffle (mulberry32), so that runs are comparable. */
function shuffled<T>(items: readonly T[], seed = 42): T[] {
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const adapters = options.adapters ?? registered;
  let unhandled = 0;
  const onUnhandled = () => {
    unhandled += 1;
  };
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);

  const config = loadConfig(chaosEnv(adapters, options.env), adapters);
  const faults = faultMix(
    options.faultProbability,
    config.upstreamMaxBodyBytes,
    options.expiredTokens ?? { probability: options.faultProbability, minAgeMs: 1000 },
  );
  // Each upstream enforces the quota the gateway is configured to respect (else its upstream's documented limit),
  // so that a gateway that overran its quota would meet the upstream's own 429.
  const upstreams = await Promise.all(
    config.providers.map((settings) =>
      startUpstream({
        provider: settings.id,
        rateLimitPerSecond: settings.rateLimitPerSecond,
        faults,
        script: options.upstreamScript,
      }),
    ),
  );
  const providers = config.providers.map((settings, i) => {
    const upstream = upstreams[i] as Upstream;
    return Object.freeze({
      ...settings,
      baseUrl: upstream.baseUrl,
      env: Object.freeze({ ...settings.env, ...upstream.env }),
    });
  });
  const gatewayConfig = Object.freeze({ ...config, providers: Object.freeze(providers) });
  let breakerTransitions = 0;
  const logSink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      breakerTransitions += (chunk.toString('utf8').match(/"breaker":/g) ?? []).length;
      done();
    },
  });
  const services = createServices(
    gatewayConfig,
    adapters,
    createLogger({ level: 'info', adapters, destination: logSink }),
  );
  const server: Server = await new Promise((resolve) => {
    const s = buildApp(services).listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  try {
    // Ids and the truth about each, per provider.
    const perProvider = Math.max(1, Math.floor(options.ids / config.providers.length));
    const truth = new Map<string, Truth>();
    const lookups: Target[] = [];
    const share = Math.ceil(options.lookups / config.providers.length);
    for (const settings of config.providers) {
      const adapter = adapters.find((a) => a.id === settings.id) as ProviderAdapter;
      const known = await oracle(adapter, perProvider);
      const customers: Target[] = [];
      const unknown: Target[] = [];
      for (const [id, t] of known) {
        truth.set(`${adapter.id}:${id}`, t);
        (t.kind === 'customer' ? customers : unknown).push({ provider: adapter.id, id });
      }
      // As in real traffic, most lookups are for customers that exist: three in four, the rest for unknown ids.
      const next = { customers: 0, unknown: 0 };
      for (let n = 0; n < share; n++) {
        const target =
          n % 4 === 3 || customers.length === 0
            ? unknown[next.unknown++ % unknown.length]
            : customers[next.customers++ % customers.length];
        if (target) lookups.push(target);
      }
    }
    const plan = shuffled(lookups).slice(0, options.lookups);
    const report: ChaosReport = {
      label: options.label ?? '',
      lookups: 0,
      finished: true,
      seconds: 0,
      correct: 0,
      stale: 0,
      problems: {},
      wrong: 0,
      wrongExamples: [],
      other5xx: 0,
      transportErrors: 0,
      unhandled: 0,
      providers: [],
      faultShare: 0,
      breakerTransitions: 0,
      peakRssMiB: 0,
      loopDelayP99Ms: 0,
    };
    const figures = new Map<string, ProviderFigures>();
    const before = await Promise.all(upstreams.map((u) => u.figures()));
    config.providers.forEach((settings, i) => {
      figures.set(settings.id, {
        provider: settings.id,
        quota: settings.rateLimitPerSecond,
        lookups: 0,
        customers: 0,
        stale: 0,
        notFound: 0,
        problems: {},
        upstreamCalls: 0,
        faulted: 0,
        expiredTokens: 0,
        tokensIssued: before[i]?.tokensIssued ?? null,
        maxCallsInOneSecond: 0,
        upstream429s: 0,
      });
    });
    const wrong = (what: string) => {
      report.wrong += 1;
      if (report.wrongExamples.length < 10) report.wrongExamples.push(what);
    };
    const staleBound = config.cache.ttlSeconds + config.cache.staleIfErrorSeconds;

    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    let peakRss = process.memoryUsage.rss();
    const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 50);
    const started = Date.now();
    const stopAt = started + options.maxSeconds * 1000;
    let next = 0;

    const one = async (target: Target, index: number): Promise<void> => {
      const key = `${target.provider}:${target.id}`;
      const mine = figures.get(target.provider) as ProviderFigures;
      // One lookup in ten asks past the cache, as a support agent's refresh does.
      const headers: Record<string, string> = index % 10 === 0 ? { 'Cache-Control': 'no-cache' } : {};
      let res: Response;
      try {
        res = await fetch(`${url}/customers/${target.provider}/${encodeURIComponent(target.id)}`, {
          headers,
          signal: AbortSignal.timeout(15_000),
        });
      } catch {
        report.transportErrors += 1;
        return;
      }
      report.lookups += 1;
      mine.lookups += 1;
      const text = await res.text();
      const expected = truth.get(key);
      if (res.status === 200) {
        const body = JSON.parse(text) as { data: unknown; meta: { cache: string; ageSeconds: number } };
        if (expected?.kind !== 'customer') return wrong(`${key}: 200 for an id the upstream does not know`);
        if (!isDeepStrictEqual(body.data, expected.data))
          return wrong(`${key}: 200 with data that is not this customer's`);
        if (body.meta.cache === 'stale') {
          if (body.meta.ageSeconds > staleBound)
            return wrong(`${key}: stale answer ${body.meta.ageSeconds} s old (bound ${staleBound} s)`);
          report.stale += 1;
          mine.stale += 1;
        } else if (body.meta.ageSeconds > config.cache.ttlSeconds) {
          const { cache, ageSeconds } = body.meta;
          return wrong(`${key}: a ${cache} answer ${ageSeconds} s old, past the ${config.cache.ttlSeconds} s TTL`);
        }
        report.correct += 1;
        mine.customers += 1;
        return;
      }
      if (!/^application\/problem\+json/.test(res.headers.get('content-type') ?? ''))
        return wrong(`${key}: ${res.status} that is not a problem document`);
      const problem = JSON.parse(text) as { type: string };
      const code = problem.type.replace('/problems/', '');
      report.problems[code] = (report.problems[code] ?? 0) + 1;
      mine.problems[code] = (mine.problems[code] ?? 0) + 1;
      if (res.status >= 500 && ![502, 503, 504].includes(res.status)) report.other5xx += 1;
      if (code === 'customer-not-found') {
        if (expected?.kind !== 'not-found') return wrong(`${key}: customer-not-found for an existing customer`);
        report.correct += 1;
        mine.notFound += 1;
        return;
      }
      // The only problems upstream weather may cause, each with its own status; 503s say when to come back.
      const status = WEATHER[code];
      if (status === undefined || (code === 'upstream-auth-failed' && mine.tokensIssued !== null))
        return wrong(`${key}: ${res.status} ${code}, which no injected fault explains`);
      if (status !== res.status) return wrong(`${key}: ${code} answered with status ${res.status}`);
      if (res.status === 503 && !/^\d+$/.test(res.headers.get('retry-after') ?? ''))
        return wrong(`${key}: 503 ${code} without Retry-After`);
      return undefined;
    };

    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < plan.length) {
          if (Date.now() > stopAt) {
            report.finished = false;
            return;
          }
          const index = next++;
          await one(plan[index] as Target, index);
        }
      }),
    );
    clearInterval(rssTimer);
    loop.disable();
    report.seconds = (Date.now() - started) / 1000;
    report.peakRssMiB = Math.round((peakRss / 1024 / 1024) * 10) / 10;
    report.loopDelayP99Ms = Math.round((loop.percentile(99) / 1e6) * 10) / 10;

    // Let the last background work (a hang being cut, a refresh) settle before reading the figures.
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS * 2));
    let calls = 0;
    let faulted = 0;
    const after = await Promise.all(upstreams.map((u) => u.figures()));
    config.providers.forEach((settings, i) => {
      const { stats, tokensIssued } = after[i] as UpstreamFigures;
      const mine = figures.get(settings.id) as ProviderFigures;
      calls += stats.apiRequests;
      faulted += stats.faults;
      Object.assign(mine, {
        upstreamCalls: stats.apiRequests,
        faulted: stats.faults,
        expiredTokens: stats.faultKinds['expired-token'] ?? 0,
        tokensIssued: tokensIssued === null ? null : tokensIssued - (before[i]?.tokensIssued ?? 0),
        maxCallsInOneSecond: stats.maxPerSecond,
        upstream429s: stats.rateLimited,
      });
      report.providers.push(mine);
    });
    report.faultShare = calls === 0 ? 0 : faulted / calls;
    report.unhandled = unhandled;
    report.breakerTransitions = breakerTransitions;
    return report;
  } finally {
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await services.close();
    await Promise.all(upstreams.map((u) => u.close()));
  }
}

/** The problems that upstream faults, the breaker and the quota may cause, with their statuses (the problem table). */
const WEATHER: Record<string, number> = {
  'upstream-error': 502,
  'upstream-invalid-response': 502,
  // Only for static credentials; a provider with a token endpoint must refresh an expired token and go on.
  'upstream-auth-failed': 502,
  'upstream-rate-limited': 503,
  'provider-unavailable': 503,
  'upstream-timeout': 504,
};

/** Below this many upstream calls the faulted share is reported but too noisy to judge. */
export const MIN_CALLS_TO_JUDGE_FAULT_SHARE = 100;
/** A provider's own share is judged from this many calls on (at 43% expected, 30% is 3.5+ standard deviations off). */
export const MIN_CALLS_TO_JUDGE_PROVIDER_SHARE = 200;

/** The "must" lines that failed, empty when the run passed. */
export function failedMusts(report: ChaosReport, minFaultShare = 0.3): string[] {
  const failed: string[] = [];
  if (!report.finished) failed.push('the load did not finish within its time bound');
  if (report.wrong > 0) failed.push(`${report.wrong} wrong answers`);
  if (report.other5xx > 0) failed.push(`${report.other5xx} 5xx answers other than 502/503/504`);
  if (report.unhandled > 0) failed.push(`${report.unhandled} unhandled rejections or exceptions`);
  if (report.transportErrors > 0)
    failed.push(`${report.transportErrors} lookups without an HTTP answer (crash or hang)`);
  for (const p of report.providers) {
    if (p.quota > 0 && p.maxCallsInOneSecond > p.quota)
      failed.push(`${p.provider}: ${p.maxCallsInOneSecond} calls in one second, quota ${p.quota}`);
    if (p.upstream429s > 0)
      failed.push(`${p.provider}: the upstream's own rate limit answered 429 ${p.upstream429s} times`);
    // Each provider's oracle must have been put to work: customers served, unknown ids answered as such (judged
    // where enough calls reached the upstream; Tango at 1/s in a 10 s run makes about ten).
    if (p.upstreamCalls >= MIN_CALLS_TO_JUDGE_FAULT_SHARE && p.customers === 0)
      failed.push(`${p.provider}: no lookup answered a customer, so the oracle judged none`);
    if (p.upstreamCalls >= MIN_CALLS_TO_JUDGE_FAULT_SHARE && p.notFound === 0)
      failed.push(`${p.provider}: no lookup answered customer-not-found for an unknown id`);
    if (p.upstreamCalls >= MIN_CALLS_TO_JUDGE_PROVIDER_SHARE && p.faulted / p.upstreamCalls < minFaultShare) {
      const share = percent(p.faulted / p.upstreamCalls);
      failed.push(`${p.provider}: faults hit ${share} of its upstream calls, under ${minFaultShare * 100}%`);
    }
    if (p.tokensIssued !== null && p.expiredTokens > 0 && p.tokensIssued === 0)
      failed.push(`${p.provider}: ${p.expiredTokens} expired tokens but no token refreshed`);
  }
  const calls = report.providers.reduce((sum, p) => sum + p.upstreamCalls, 0);
  if (calls >= MIN_CALLS_TO_JUDGE_FAULT_SHARE && report.faultShare < minFaultShare)
    failed.push(`faults hit ${percent(report.faultShare)} of upstream calls, under ${minFaultShare * 100}%`);
  return failed;
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

const codes = (problems: Record<string, number>) =>
  Object.entries(problems)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `${code}: ${n}`)
    .join(', ') || 'none';

export function chaosTable(report: ChaosReport): string {
  const rows: [string, string][] = [
    [
      'lookups answered',
      `${report.lookups} in ${report.seconds.toFixed(1)} s${report.finished ? '' : ' (stopped at the time bound)'}`,
    ],
    [
      'correct answers (exact customer, or customer-not-found for an unknown id)',
      `${report.correct} (${report.stale} of them stale)`,
    ],
    ['problems by code', codes(report.problems)],
    ['wrong answers (must be 0)', String(report.wrong)],
    ['5xx other than 502/503/504 (must be 0)', String(report.other5xx)],
    ['unhandled rejections and crashes (must be 0)', String(report.unhandled + report.transportErrors)],
    ['upstream calls faulted (must be ≥ 30%)', percent(report.faultShare)],
    ['circuit breaker transitions', String(report.breakerTransitions)],
    ['peak RSS', `${report.peakRssMiB} MiB`],
    ['event-loop delay p99 (gateway and load generator share the process)', `${report.loopDelayP99Ms} ms`],
  ];
  const summary = ['| figure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)];
  const columns = [
    'provider',
    'lookups',
    'customers (stale)',
    'not found',
    'problems by code',
    'upstream calls (faulted)',
    'max calls in 1 s vs quota',
    'upstream 429s',
    'expired tokens → tokens fetched',
  ];
  const row = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  const perProvider = [
    row(columns),
    row(columns.map(() => '---')).replaceAll(' ', ''),
    ...report.providers.map((p) => {
      const problems = Object.fromEntries(Object.entries(p.problems).filter(([code]) => code !== 'customer-not-found'));
      const share = p.upstreamCalls === 0 ? '' : `, ${percent(p.faulted / p.upstreamCalls)}`;
      const tokens = p.tokensIssued === null ? 'static credentials' : `${p.expiredTokens} → ${p.tokensIssued}`;
      return row([
        p.provider,
        p.lookups,
        `${p.customers} (${p.stale})`,
        p.notFound,
        codes(problems),
        `${p.upstreamCalls} (${p.faulted}${share})`,
        `${p.maxCallsInOneSecond} vs ${p.quota > 0 ? `${p.quota}/s` : 'unlimited'}`,
        p.upstream429s,
        tokens,
      ]);
    }),
  ];
  return [...(report.label ? [`**${report.label}**`, ''] : []), ...summary, '', ...perProvider].join('\n');
}
