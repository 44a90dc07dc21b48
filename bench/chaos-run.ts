/**
 * The chaos run (issue 4 §6), shared by `npm run chaos` (bench/chaos.ts) and its small variant in the tests:
 * the real gateway on loopback in front of every registered provider's simulator, with a mix of faults injected
 * into a share of upstream calls, under a bounded load; every answer is checked against an oracle.
 *
 * The oracle reads each id once from a fault-free twin of the provider's simulator with the adapter's own
 * request and auth, classifies and normalises it with the adapter's own code: a 200 must carry exactly that
 * customer (masked as the gateway masks it), a 404 must be for an id the twin does not know.
 */
import type { AddressInfo } from 'node:net';
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
import type { FaultRule, Simulator, SimulatorOptions } from '../src/core/simulator.js';
import { defaultClassification } from '../src/core/upstream.js';
import { startSandbox } from '../src/sandbox.js';
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
  /** Extra gateway env (for example a provider's quota in the test variant). */
  env?: Record<string, string>;
  adapters?: readonly ProviderAdapter[];
}

export interface ProviderFigures {
  provider: string;
  quota: number;
  upstreamCalls: number;
  faulted: number;
  maxCallsInOneSecond: number;
  upstream429s: number;
}

export interface ChaosReport {
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

const TIMEOUT_MS = 250;

/** Twelve faults, each applied with `p`; together they hit about 1 - (1 - p)^12 of the upstream calls. */
function faultMix(p: number, maxBodyBytes: number): FaultRule[] {
  return [
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
    { fault: { kind: 'expired-token' }, probability: p },
    { fault: { kind: 'content-type', contentType: 'text/html' }, probability: p },
  ];
}

/** The settings of the run: short timeouts so that hangs cost little, short TTLs so that lookups keep reaching upstream. */
function chaosEnv(adapters: readonly ProviderAdapter[], extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    LOG_LEVEL: 'info',
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
  const ids = [...new Set([adapter.exampleId, ...seeds])].filter((id) => !adapter.idRule.validate(id).error).slice(0, count);
  for (let n = 1; ids.length < count && n < count * 10; n++) {
    const candidate = `${adapter.exampleId}${String(n).padStart(4, '0')}`;
    if (!adapter.idRule.validate(candidate).error && !ids.includes(candidate)) ids.push(candidate);
  }
  return ids;
}

/** What the upstream says about each id, read from a fault-free twin simulator with the adapter's own code. */
async function oracle(adapter: ProviderAdapter, ids: readonly string[]): Promise<{ truth: Map<string, Truth>; seeds: readonly string[] }> {
  const twin = await adapter.simulator({ rateLimitPerSecond: 0 });
  try {
    const p = envPrefix(adapter.id);
    const config = loadConfig({ ...twin.env, [`${p}_BASE_URL`]: twin.baseUrl, PROVIDERS: adapter.id }, [adapter]);
    const settings = config.providers[0];
    if (!settings) throw new Error(`no settings for ${adapter.id}`);
    const http = axios.create({ proxy: false });
    const auth = adapter.auth(settings.env, { provider: adapter.id, http, timeoutMs: 5000 });
    const truth = new Map<string, Truth>();
    for (const id of ids) {
      const request = adapter.request(id, { attemptId: `oracle-${id}`, idempotencyKey: `oracle-${id}` });
      const headers = { Accept: 'application/json', ...request.headers, ...(await auth.headers(AbortSignal.timeout(5000))) };
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
        const customer: Customer = { id: `${adapter.id}:${id}`, provider: adapter.id, providerId: id, ...adapter.normalize(body) };
        truth.set(id, { kind: 'customer', data: JSON.parse(JSON.stringify(maskCustomer(customer))) as Customer });
      } else if (verdict === 'not-found') {
        truth.set(id, { kind: 'not-found' });
      } else {
        throw new Error(`oracle: ${adapter.id} answered ${response.status} for ${id} without faults`);
      }
    }
    return { truth, seeds: twin.seedIds };
  } finally {
    await twin.close();
  }
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

  const env = chaosEnv(adapters, options.env);
  const config = loadConfig(env, adapters);
  // Each simulator enforces the quota the gateway is configured to respect (else its upstream's documented limit),
  // so that a gateway that overran its quota would meet the upstream's own 429.
  const simulatorOptions = (id: string): SimulatorOptions => {
    const quota = config.providers.find((p) => p.id === id)?.rateLimitPerSecond ?? 0;
    return quota > 0 ? { rateLimitPerSecond: quota } : {};
  };
  const sandbox = await startSandbox(config, adapters, simulatorOptions);
  let breakerTransitions = 0;
  const logSink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      breakerTransitions += (chunk.toString('utf8').match(/"breaker":/g) ?? []).length;
      done();
    },
  });
  const services = createServices(sandbox.config, adapters, createLogger({ level: 'info', destination: logSink }));
  const server: Server = await new Promise((resolve) => {
    const s = buildApp(services).listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  try {
    // Ids and the truth about each, per provider.
    const perProvider = Math.max(1, Math.floor(options.ids / adapters.length));
    const truth = new Map<string, Truth>();
    const targets: { provider: string; id: string }[] = [];
    for (const adapter of adapters) {
      const sim = sandbox.simulators.get(adapter.id);
      const ids = idsFor(adapter, sim?.seedIds ?? [], perProvider);
      const known = await oracle(adapter, ids);
      for (const id of ids) {
        const t = known.truth.get(id);
        if (t) truth.set(`${adapter.id}:${id}`, t);
        targets.push({ provider: adapter.id, id });
      }
    }

    const arrivals = new Map<string, number[]>();
    for (const [id, sim] of sandbox.simulators) {
      const list: number[] = [];
      arrivals.set(id, list);
      sim.onApiRequest = (at) => list.push(at);
      for (const rule of faultMix(options.faultProbability, config.upstreamMaxBodyBytes)) sim.inject(rule);
    }

    const plan = shuffled(Array.from({ length: options.lookups }, (_, i) => targets[i % targets.length] as { provider: string; id: string }));
    const report: ChaosReport = {
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

    const one = async (target: { provider: string; id: string }, index: number): Promise<void> => {
      const key = `${target.provider}:${target.id}`;
      // One lookup in ten asks past the cache, as a support agent's refresh does.
      const headers: Record<string, string> = index % 10 === 0 ? { 'Cache-Control': 'no-cache' } : {};
      let res: Response;
      try {
        res = await fetch(`${url}/customers/${target.provider}/${encodeURIComponent(target.id)}`, { headers, signal: AbortSignal.timeout(15_000) });
      } catch {
        report.transportErrors += 1;
        return;
      }
      report.lookups += 1;
      const text = await res.text();
      const expected = truth.get(key);
      if (res.status === 200) {
        const body = JSON.parse(text) as { data: unknown; meta: { cache: string; ageSeconds: number } };
        if (expected?.kind !== 'customer') return wrong(`${key}: 200 for an id the upstream does not know`);
        if (!isDeepStrictEqual(body.data, expected.data)) return wrong(`${key}: 200 with data that is not this customer's`);
        if (body.meta.cache === 'stale') {
          report.stale += 1;
          if (body.meta.ageSeconds > staleBound) return wrong(`${key}: stale answer ${body.meta.ageSeconds} s old (bound ${staleBound} s)`);
        }
        report.correct += 1;
        return;
      }
      if (!/^application\/problem\+json/.test(res.headers.get('content-type') ?? '')) return wrong(`${key}: ${res.status} that is not a problem document`);
      const problem = JSON.parse(text) as { type: string };
      const code = problem.type.replace('/problems/', '');
      report.problems[code] = (report.problems[code] ?? 0) + 1;
      if (res.status >= 500 && ![502, 503, 504].includes(res.status)) report.other5xx += 1;
      if (code === 'customer-not-found') {
        if (expected?.kind === 'not-found') report.correct += 1;
        else wrong(`${key}: customer-not-found for an existing customer`);
      }
    };

    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < plan.length) {
          if (Date.now() > stopAt) {
            report.finished = false;
            return;
          }
          const index = next++;
          await one(plan[index] as { provider: string; id: string }, index);
        }
      }),
    );
    clearInterval(rssTimer);
    loop.disable();
    report.seconds = (Date.now() - started) / 1000;
    report.peakRssMiB = Math.round((peakRss / 1024 / 1024) * 10) / 10;
    report.loopDelayP99Ms = Math.round((loop.percentile(99) / 1e6) * 10) / 10;

    let calls = 0;
    let faulted = 0;
    for (const settings of sandbox.config.providers) {
      const sim = sandbox.simulators.get(settings.id) as Simulator;
      calls += sim.stats.apiRequests;
      faulted += sim.stats.faults;
      report.providers.push({
        provider: settings.id,
        quota: settings.rateLimitPerSecond,
        upstreamCalls: sim.stats.apiRequests,
        faulted: sim.stats.faults,
        maxCallsInOneSecond: maxInOneSecond(arrivals.get(settings.id) ?? []),
        upstream429s: sim.stats.rateLimited,
      });
    }
    report.faultShare = calls === 0 ? 0 : faulted / calls;
    // Let the last background work (a hang being cut, a refresh) settle before counting unhandled errors.
    await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS * 2));
    report.unhandled = unhandled;
    report.breakerTransitions = breakerTransitions;
    return report;
  } finally {
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    services.close();
    await sandbox.close();
  }
}

/** The "must" lines that failed, empty when the run passed. */
/** Below this many upstream calls the faulted share is reported but too noisy to judge. */
export const MIN_CALLS_TO_JUDGE_FAULT_SHARE = 100;

export function failedMusts(report: ChaosReport, minFaultShare = 0.3): string[] {
  const failed: string[] = [];
  if (!report.finished) failed.push('the load did not finish within its time bound');
  if (report.wrong > 0) failed.push(`${report.wrong} wrong answers`);
  if (report.other5xx > 0) failed.push(`${report.other5xx} 5xx answers other than 502/503/504`);
  if (report.unhandled > 0) failed.push(`${report.unhandled} unhandled rejections or exceptions`);
  if (report.transportErrors > 0) failed.push(`${report.transportErrors} lookups without an HTTP answer (crash or hang)`);
  for (const p of report.providers) {
    if (p.quota > 0 && p.maxCallsInOneSecond > p.quota) failed.push(`${p.provider}: ${p.maxCallsInOneSecond} calls in one second, quota ${p.quota}`);
    if (p.upstream429s > 0) failed.push(`${p.provider}: the upstream's own rate limit answered 429 ${p.upstream429s} times`);
  }
  const calls = report.providers.reduce((sum, p) => sum + p.upstreamCalls, 0);
  if (calls >= MIN_CALLS_TO_JUDGE_FAULT_SHARE && report.faultShare < minFaultShare) failed.push(`faults hit ${(report.faultShare * 100).toFixed(1)}% of upstream calls, under ${minFaultShare * 100}%`);
  return failed;
}

export function chaosTable(report: ChaosReport): string {
  const rows: [string, string][] = [
    ['lookups answered', `${report.lookups} in ${report.seconds.toFixed(1)} s${report.finished ? '' : ' (stopped at the time bound)'}`],
    ['correct answers (exact customer, or customer-not-found for an unknown id)', `${report.correct} (${report.stale} of them stale)`],
    ['problems by code', Object.entries(report.problems).sort().map(([code, n]) => `${code}: ${n}`).join(', ') || 'none'],
    ['wrong answers (must be 0)', String(report.wrong)],
    ['5xx other than 502/503/504 (must be 0)', String(report.other5xx)],
    ['unhandled rejections and crashes (must be 0)', String(report.unhandled + report.transportErrors)],
    ['upstream calls faulted', `${(report.faultShare * 100).toFixed(1)}%`],
    ...report.providers.map((p): [string, string] => [
      `${p.provider}: upstream calls, max in any 1 s vs quota`,
      `${p.upstreamCalls} calls (${p.faulted} faulted), max ${p.maxCallsInOneSecond}/s vs quota ${p.quota > 0 ? `${p.quota}/s` : 'unlimited'}, upstream's own 429s: ${p.upstream429s}`,
    ]),
    ['circuit breaker transitions', String(report.breakerTransitions)],
    ['peak RSS', `${report.peakRssMiB} MiB`],
    ['event-loop delay p99 (gateway and load generator share the process)', `${report.loopDelayP99Ms} ms`],
  ];
  return ['| figure | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}
