/**
 * The fleet chaos run (`npm run chaos -- fleet`, and its short form in test/chaos/fleet-chaos.test.ts): three
 * gateway replicas, each a process of its own, on one real redis-server, in front of Tango's simulator (a process of
 * its own, enforcing the rate the gateway is given). Replica b reaches Redis through a TCP proxy (bench/tcp-proxy.ts)
 * that can slow its path. Steady mixed traffic (hits on a warm set, new ids asked at every replica at once, purges of
 * warm ids, batches) runs through seven phases: steady; Redis paused (SIGSTOP); Redis killed and restarted on the
 * same port; every client connection dropped (`CLIENT KILL`); replica b's path slowed past `REDIS_TIMEOUT_MS`; junk
 * written over every shared key; steady again.
 *
 * Judged, each against its bound:
 * - purged data served after the bound: 0. An answer is the purged data when it was loaded (`meta.fetchedAt`)
 *   before a purge of its id was sent; it may be served until 5 s after the purge was answered, or, when a fault
 *   phase began before that, until 5 s after the phase ended (the promise: after Redis is back, no replica serves
 *   purged data for more than 5 s);
 * - answers 5xx other than upstream problems (`upstream-*` codes): 0; answers that are wrong (another customer, a
 *   4xx for a customer that exists): 0; connection errors (no HTTP answer): 0;
 * - the most upstream calls in any 1 s window ≤ the provider's rate; upstream 429s: 0 (the simulator's own figures);
 * - upstream calls per customer ≤ 2 while Redis is up: per customer, within each window where Redis is up and every
 *   replica has had `SETTLE_MS` to get back to sharing after the last fault, and between two purges of it (or junk
 *   written over it); a new id is judged in the window where it was first asked.
 */
import { Redis } from 'ioredis';
import { TestRedis } from '../test/support/redis-server.js';
import { startReplica, type ReplicaProcess } from '../test/support/replicas.js';
import { maxInOneSecond, startUpstream, type Arrival } from './chaos-run.js';
import { TcpProxy } from './tcp-proxy.js';

/** After Redis is back, the longest any replica may serve purged data (docs/fleet.md, promise 1). */
export const PURGE_BOUND_MS = 5000;
/**
 * How long after a fault ends the calls per customer are not judged: a replica reconnects within 2 s (its client's
 * longest retry wait), meanwhile it loads on its own (one load per replica, by design).
 */
const SETTLE_MS = 2500;
const KEY_PREFIX = 'chaos:';

export interface FleetChaosOptions {
  /** Each phase's length. */
  phaseSeconds: number;
  /** The provider's rate (the gateway's TANGO_RATE_LIMIT_PER_SECOND, enforced by the simulator too). */
  rate?: number;
  /** Warm customers, read and purged throughout. */
  warmIds?: number;
  /** Per second: hits, new ids (each asked at the three replicas at once), purges, batches of five. */
  traffic?: { hits: number; newIds: number; purges: number; batches: number };
  /** Every Redis command's timeout at the replicas (REDIS_TIMEOUT_MS). */
  redisTimeoutMs?: number;
  /** The delay added to each direction of replica b's path in the slowed phase (above `redisTimeoutMs`). */
  slowMs?: number;
  /** bench/chaos-upstream.ts as JavaScript for plain node (the tests' compiled copy); else the source, under tsx. */
  upstreamScript?: string;
  /** Progress lines (phase changes). */
  progress?: (line: string) => void;
}

export interface PhaseFigures {
  name: string;
  seconds: number;
  requests: number;
  /** Answers by status (and problem code for problems). */
  answers: Record<string, number>;
  upstreamCalls: number;
  /** The most upstream calls in a 1 s window that starts in this phase. */
  maxCallsInOneSecond: number;
}

export interface FleetChaosReport {
  phases: PhaseFigures[];
  requests: number;
  purges: { sent: number; confirmed: number; pending: number; nothingCached: number };
  junkKeys: number;
  purgedServedAfterBound: number;
  other5xx: number;
  upstreamProblems: number;
  wrong: number;
  connectionErrors: number;
  examples: string[];
  rate: number;
  upstreamCalls: number;
  maxCallsInOneSecond: number;
  upstream429s: number;
  maxCallsPerCustomerWhileUp: number;
  worstCustomer: string;
  seconds: number;
}

/** The customer a Tango API path is about (`/customers/<id>`), if any. */
const customerOf = (path: string): string | undefined => {
  const id = /^\/customers\/([^/?]+)/.exec(path)?.[1];
  return id === undefined ? undefined : decodeURIComponent(id);
};

interface Purge {
  id: string;
  sentAt: number;
  /** Until when a replica may still serve the data it purged. */
  clearAfter: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runFleetChaos(options: FleetChaosOptions): Promise<FleetChaosReport> {
  const rate = options.rate ?? 10;
  const warmCount = options.warmIds ?? 20;
  const traffic = options.traffic ?? { hits: 30, newIds: 2, purges: 0.5, batches: 1 };
  const redisTimeoutMs = options.redisTimeoutMs ?? 250;
  const slowMs = options.slowMs ?? Math.max(300, redisTimeoutMs + 50);
  const progress = options.progress ?? (() => undefined);
  const phaseMs = options.phaseSeconds * 1000;

  const redis = await TestRedis.start();
  const proxy = await TcpProxy.start(redis.port);
  // Tango's simulator in a process of its own, enforcing the rate the gateway is given, reporting every call.
  const arrivals: Arrival[] = [];
  const tango = await startUpstream({
    provider: 'tango',
    rateLimitPerSecond: rate,
    faults: [],
    script: options.upstreamScript,
    onArrival: (arrival) => arrivals.push(arrival),
  });
  const rateLimited = async () => (await tango.figures()).stats.rateLimited;
  const replicas: ReplicaProcess[] = [];
  const started = Date.now();
  const report: FleetChaosReport = {
    phases: [],
    requests: 0,
    purges: { sent: 0, confirmed: 0, pending: 0, nothingCached: 0 },
    junkKeys: 0,
    purgedServedAfterBound: 0,
    other5xx: 0,
    upstreamProblems: 0,
    wrong: 0,
    connectionErrors: 0,
    examples: [],
    rate,
    upstreamCalls: 0,
    maxCallsInOneSecond: 0,
    upstream429s: 0,
    maxCallsPerCustomerWhileUp: 0,
    worstCustomer: '',
    seconds: 0,
  };
  const example = (line: string) => {
    if (report.examples.length < 20) report.examples.push(line);
  };
  try {
    const env = {
      PROVIDERS: 'tango',
      GATEWAY_ALLOW_ANONYMOUS: 'true',
      // All the load comes from one address: the gateway's per-caller limit would answer most of it.
      GATEWAY_RATE_LIMIT_PER_MINUTE: '0',
      TANGO_BASE_URL: tango.baseUrl,
      ...tango.env,
      TANGO_RATE_LIMIT_PER_SECOND: String(rate),
      // Longer than the run: a customer's upstream calls come from purges, restarts and junk, not from expiry.
      CACHE_TTL_SECONDS: '600',
      FLEET_SIZE: '3',
      REDIS_TIMEOUT_MS: String(redisTimeoutMs),
      REDIS_KEY_PREFIX: KEY_PREFIX,
      CACHE_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString('base64'),
      INDEX_KEY: Buffer.alloc(32, 7).toString('base64'),
      // The crawl would read Tango's list and every customer on it: calls that are not the traffic's.
      INDEX_CRAWL_INTERVAL_SECONDS: '0',
    };
    replicas.push(
      ...(await Promise.all([
        startReplica({ ...env, REDIS_URL: redis.url }),
        startReplica({ ...env, REDIS_URL: proxy.url }),
        startReplica({ ...env, REDIS_URL: redis.url }),
      ])),
    );
    const names = ['a', 'b', 'c'];
    const ready = async () => {
      const states = await Promise.all(
        replicas.map(async (r) => ((await (await fetch(`${r.url}/readyz`)).json()) as { status: string }).status),
      );
      return states.every((s) => s === 'ready');
    };
    for (const end = Date.now() + 30_000; !(await ready()); await sleep(50))
      if (Date.now() > end) throw new Error('the replicas did not share Redis within 30 s');

    // The warm set, loaded through a (one call each), then read at b and c; b and c each make a first upstream call
    // of their own, out of the measured window (a replica's first request runs its path cold: docs/fleet.md).
    const warm = Array.from({ length: warmCount }, (_, i) => `synthetic-${i + 1}`);
    for (const [i, replica] of replicas.entries()) {
      const first = await fetch(`${replica.url}/customers/tango/synthetic-${900 + i}`);
      if (first.status !== 200) throw new Error(`warm-up: ${names[i]} answered ${first.status}`);
    }
    for (const replica of replicas)
      await Promise.all(warm.map((id) => fetch(`${replica.url}/customers/tango/${id}`).then((r) => r.text())));
    // A new second of the simulator's before measuring.
    await sleep(1100);

    const measuredFrom = Date.now();
    const arrivalsBefore = arrivals.length;
    const rateLimitedBefore = await rateLimited();
    const purges = new Map<string, Purge[]>();
    const purging = new Set<string>();
    /** Windows where Redis is up and the replicas have had time to share again: [from, to). */
    const upWindows: [number, number][] = [];
    let phase: PhaseFigures = {
      name: '',
      seconds: 0,
      requests: 0,
      answers: {},
      upstreamCalls: 0,
      maxCallsInOneSecond: 0,
    };
    let faultStartedAt: number | undefined;
    let lastFaultEnd = 0;

    const count = (key: string) => {
      phase.answers[key] = (phase.answers[key] ?? 0) + 1;
    };
    /** Judges one customer answered 200 (a lookup or a batch item) at `receivedAt`. */
    const judgeCustomer = (where: string, id: string, data: unknown, meta: unknown, receivedAt: number) => {
      const got = (data as { id?: string } | undefined)?.id;
      if (got !== `tango:${id}`) {
        report.wrong += 1;
        example(`${phase.name}: ${where} ${id}: 200 with customer ${String(got)}`);
        return;
      }
      const fetchedAt = Date.parse((meta as { fetchedAt?: string } | undefined)?.fetchedAt ?? '');
      for (const purge of purges.get(id) ?? [])
        if (fetchedAt < purge.sentAt && receivedAt > purge.clearAfter) {
          // A fault under way: the bound runs from when it ends (and the purge's is moved then).
          if (faultStartedAt !== undefined && purge.clearAfter > faultStartedAt) continue;
          report.purgedServedAfterBound += 1;
          example(
            `${phase.name}: ${where} ${id}: served data loaded ${purge.sentAt - fetchedAt} ms before a purge, ` +
              `${receivedAt - purge.clearAfter} ms past the bound`,
          );
          return;
        }
    };
    /** Judges a problem answer; true when it is one the run accepts (an upstream problem). */
    const judgeProblem = (where: string, status: number, text: string): void => {
      let code = 'not a problem document';
      let detail = '';
      try {
        const problem = JSON.parse(text) as { type?: string; detail?: string };
        code = (problem.type ?? '').replace('/problems/', '');
        detail = problem.detail ?? '';
      } catch {
        // Counted below as what it is.
      }
      count(`${status} ${code}`);
      if (status >= 500 && code.startsWith('upstream-')) {
        report.upstreamProblems += 1;
        example(`${phase.name}: ${where}: ${status} ${code} (${detail})`);
      } else if (status >= 500) {
        report.other5xx += 1;
        example(`${phase.name}: ${where}: ${status} ${code} (${detail})`);
      } else {
        report.wrong += 1;
        example(`${phase.name}: ${where}: ${status} ${code}`);
      }
    };
    const send = async (where: string, url: string, init?: RequestInit): Promise<Response | undefined> => {
      report.requests += 1;
      phase.requests += 1;
      try {
        return await fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
      } catch (error) {
        report.connectionErrors += 1;
        count('no answer');
        example(`${phase.name}: ${where}: no answer (${(error as Error).message})`);
        return undefined;
      }
    };

    const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;
    const replicaAt = () => {
      const i = Math.floor(Math.random() * replicas.length);
      return { name: names[i] as string, url: (replicas[i] as ReplicaProcess).url };
    };

    const lookup = async (at: { name: string; url: string }, id: string) => {
      const res = await send(`${at.name} GET ${id}`, `${at.url}/customers/tango/${id}`);
      if (!res) return;
      const text = await res.text();
      if (res.status !== 200) return judgeProblem(`${at.name} GET ${id}`, res.status, text);
      count('200');
      const body = JSON.parse(text) as { data: unknown; meta: unknown };
      judgeCustomer(`${at.name} GET`, id, body.data, body.meta, Date.now());
    };
    let nextNew = 0;
    /** When each new id was first asked (at the three replicas at once). */
    const askedAt = new Map<string, number>();
    const operations = {
      hits: () => lookup(replicaAt(), pick(warm)),
      newIds: async () => {
        const id = `synthetic-${100_000 + nextNew++}`;
        askedAt.set(id, Date.now());
        await Promise.all(
          replicas.map((_, i) => lookup({ name: names[i] as string, url: replicas[i]?.url ?? '' }, id)),
        );
      },
      purges: async () => {
        const id = pick(warm.filter((w) => !purging.has(w)));
        const at = replicaAt();
        purging.add(id);
        const sentAt = Date.now();
        report.purges.sent += 1;
        const res = await send(`${at.name} DELETE ${id}`, `${at.url}/cache/customers/tango/${id}`, {
          method: 'DELETE',
        });
        purging.delete(id);
        if (!res) return;
        const text = await res.text();
        if (res.status === 204) report.purges.confirmed += 1;
        else if (res.status === 202) report.purges.pending += 1;
        // Nothing cached for it here nor in Redis (dropped after a reconnect, Redis restarted): still published.
        else if (res.status === 404 && text.includes('/problems/not-found')) report.purges.nothingCached += 1;
        else return judgeProblem(`${at.name} DELETE ${id}`, res.status, text);
        count(String(res.status));
        // The bound runs from the answer; a fault phase under way moves it to 5 s after the phase ends.
        const list = purges.get(id) ?? [];
        list.push({ id, sentAt, clearAfter: Date.now() + PURGE_BOUND_MS });
        purges.set(id, list);
      },
      batches: async () => {
        const ids = [...new Set(Array.from({ length: 5 }, () => pick(warm)))];
        const at = replicaAt();
        const res = await send(`${at.name} batch`, `${at.url}/customers/batch`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ lookups: ids.map((id) => ({ provider: 'tango', id })) }),
        });
        if (!res) return;
        const text = await res.text();
        if (res.status !== 200) return judgeProblem(`${at.name} batch`, res.status, text);
        count('200 batch');
        const { results } = JSON.parse(text) as {
          results: { status: number; data?: unknown; meta?: unknown; problem?: unknown }[];
        };
        const receivedAt = Date.now();
        results.forEach((result, i) => {
          const id = ids[i] as string;
          if (result.status === 200) judgeCustomer(`${at.name} batch`, id, result.data, result.meta, receivedAt);
          else judgeProblem(`${at.name} batch item ${id}`, result.status, JSON.stringify(result.problem ?? {}));
        });
      },
    };

    // Open-loop traffic: each kind at its rate, whatever the answers' latency, until stopped.
    const inFlight = new Set<Promise<void>>();
    let running = true;
    const load = (async () => {
      const credit = { hits: 0, newIds: 0, purges: 0, batches: 0 };
      let last = Date.now();
      while (running) {
        await sleep(50);
        const now = Date.now();
        for (const kind of Object.keys(credit) as (keyof typeof credit)[]) {
          credit[kind] += (traffic[kind] * (now - last)) / 1000;
          for (; credit[kind] >= 1; credit[kind] -= 1) {
            const op = operations[kind]().catch((error: unknown) => {
              report.wrong += 1;
              example(`${phase.name}: ${kind}: the run itself failed: ${(error as Error).message}`);
            });
            inFlight.add(op);
            void op.finally(() => inFlight.delete(op));
          }
        }
        last = now;
      }
    })();

    const killClients = async () => {
      const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      try {
        await admin.call('CLIENT', 'KILL', 'TYPE', 'normal');
        await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      } finally {
        admin.disconnect();
      }
    };
    const junkWrites: number[] = [];
    const junk = async () => {
      junkWrites.push(Date.now());
      const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      const values = ['null', 'garbage', '{"kind":"customer","version":', '[]', Buffer.from([0xff, 0x00, 0x13])];
      try {
        let cursor = '0';
        do {
          const [next, keys] = await admin.scan(cursor, 'MATCH', `${KEY_PREFIX}*`, 'COUNT', 500);
          cursor = next;
          for (const key of keys) await admin.set(key, pick(values));
          report.junkKeys += keys.length;
        } while (cursor !== '0');
      } finally {
        admin.disconnect();
      }
    };

    const phases: {
      name: string;
      fault: boolean;
      start?: () => Promise<void> | void;
      mid?: () => Promise<void> | void;
      end?: () => Promise<void> | void;
    }[] = [
      { name: 'steady', fault: false },
      { name: 'Redis paused', fault: true, start: () => redis.pause(), end: () => redis.resume() },
      { name: 'Redis killed, restarted', fault: true, start: () => redis.kill(), mid: () => redis.restart() },
      { name: 'connections dropped', fault: true, start: killClients, mid: killClients },
      {
        name: `b's path slowed ${slowMs} ms`,
        fault: true,
        start: () => proxy.delay(slowMs),
        end: () => proxy.restore(),
      },
      { name: 'junk over shared keys', fault: false, start: junk, mid: junk },
      { name: 'steady again', fault: false },
    ];
    const arrivalsAt = () => arrivals.length;
    const phaseBounds: [number, number][] = [];
    for (const step of phases) {
      const begun = Date.now();
      const calls = arrivalsAt();
      phase = { name: step.name, seconds: 0, requests: 0, answers: {}, upstreamCalls: 0, maxCallsInOneSecond: 0 };
      report.phases.push(phase);
      progress(`fleet chaos: ${step.name}`);
      if (step.fault) faultStartedAt = begun;
      await step.start?.();
      await sleep(phaseMs / 2);
      await step.mid?.();
      await sleep(Math.max(0, begun + phaseMs - Date.now()));
      await step.end?.();
      const ended = Date.now();
      if (step.fault) {
        lastFaultEnd = ended;
        // Purged data may be served until 5 s after Redis is back, for every purge whose bound had not passed when
        // the fault began.
        for (const list of purges.values())
          for (const purge of list)
            if (purge.clearAfter > (faultStartedAt ?? ended))
              purge.clearAfter = Math.max(purge.clearAfter, ended + PURGE_BOUND_MS);
        faultStartedAt = undefined;
      } else upWindows.push([Math.max(begun, lastFaultEnd + SETTLE_MS), ended]);
      phase.seconds = (ended - begun) / 1000;
      phase.upstreamCalls = arrivalsAt() - calls;
      phaseBounds.push([begun, ended]);
    }
    running = false;
    await load;
    await Promise.all(inFlight);
    // Purges made in the last phase are still judged: answers came in until here.
    report.seconds = (Date.now() - measuredFrom) / 1000;

    const measured = arrivals.slice(arrivalsBefore);
    report.upstreamCalls = measured.length;
    report.maxCallsInOneSecond = maxInOneSecond(measured.map((a) => a.at));
    report.upstream429s = (await rateLimited()) - rateLimitedBefore;
    const times = measured.map((a) => a.at).sort((x, y) => x - y);
    if (process.env.CHAOS_FLEET_DEBUG) {
      const worst = times.find(
        (t) => times.filter((u) => u >= t && u < t + 1000).length === report.maxCallsInOneSecond,
      );
      const phaseAt = (t: number) => report.phases[phaseBounds.findIndex(([from, to]) => t >= from && t < to)]?.name;
      for (const a of measured.filter((x) => worst !== undefined && x.at >= worst - 500 && x.at < worst + 1500))
        progress(`${a.at - (worst ?? 0)} ms ${a.path} (${phaseAt(a.at) ?? ''})`);
      progress(`phase bounds: ${phaseBounds.map(([f, t]) => `${f - (worst ?? 0)}..${t - (worst ?? 0)}`).join(', ')}`);
    }
    phaseBounds.forEach(([from, to], i) => {
      const figures = report.phases[i];
      if (figures)
        figures.maxCallsInOneSecond = Math.max(
          0,
          ...times.filter((t) => t >= from && t < to).map((t) => times.filter((u) => u >= t && u < t + 1000).length),
        );
    });
    // Calls per customer while Redis is up: per window, per customer, between two purges of it.
    const perCustomer = new Map<string, number>();
    for (const arrival of measured) {
      const id = customerOf(arrival.path);
      const window = upWindows.findIndex(([from, to]) => arrival.at >= from && arrival.at < to);
      if (id === undefined || window < 0) continue;
      // A new id asked before the window began was asked during a fault, or while its replicas were getting back to
      // sharing: each replica may have loaded it alone, and those loads reach the upstream when their turn in the
      // quota comes, which may be after the fault. Its calls are not the shared load's.
      const asked = askedAt.get(id);
      if (asked !== undefined && asked < (upWindows[window] as [number, number])[0]) continue;
      // A purge, or junk written over its entry, is a reason to load it again: each starts a new count.
      const epoch = (purges.get(id) ?? []).filter((p) => p.sentAt <= arrival.at).length;
      const junked = junkWrites.filter((at) => at <= arrival.at).length;
      const where = phases.filter((p) => !p.fault)[window]?.name ?? window;
      const key = `${id} (${where}, after ${epoch} purges and ${junked} junk writes)`;
      const n = (perCustomer.get(key) ?? 0) + 1;
      perCustomer.set(key, n);
      if (n > report.maxCallsPerCustomerWhileUp) {
        report.maxCallsPerCustomerWhileUp = n;
        report.worstCustomer = key;
      }
    }
    return report;
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    await tango.close();
    await proxy.close();
    await redis.stop();
    report.seconds ||= (Date.now() - started) / 1000;
  }
}

/** The bounds that failed, empty when the run kept every promise. */
export function failedFleetMusts(report: FleetChaosReport): string[] {
  const failed: string[] = [];
  if (report.purgedServedAfterBound > 0)
    failed.push(`purged data served after the bound ${report.purgedServedAfterBound} times`);
  if (report.other5xx > 0) failed.push(`${report.other5xx} answers 5xx other than upstream problems`);
  if (report.wrong > 0) failed.push(`${report.wrong} wrong answers`);
  if (report.connectionErrors > 0) failed.push(`${report.connectionErrors} requests without an answer`);
  if (report.maxCallsInOneSecond > report.rate)
    failed.push(`${report.maxCallsInOneSecond} upstream calls in one second, rate ${report.rate}`);
  if (report.upstream429s > 0) failed.push(`${report.upstream429s} upstream 429s`);
  if (report.maxCallsPerCustomerWhileUp > 2)
    failed.push(`${report.maxCallsPerCustomerWhileUp} upstream calls for ${report.worstCustomer} while Redis was up`);
  return failed;
}

export function fleetChaosTable(report: FleetChaosReport): string {
  const holds = (ok: boolean) => (ok ? 'holds' : '**FAILS**');
  const rows: [string, string, string, boolean][] = [
    [
      'purged data served after the bound (5 s after Redis is back)',
      String(report.purgedServedAfterBound),
      '0',
      report.purgedServedAfterBound === 0,
    ],
    ['answers 5xx other than upstream problems', String(report.other5xx), '0', report.other5xx === 0],
    ['wrong answers (another customer, an unexpected 4xx)', String(report.wrong), '0', report.wrong === 0],
    ['connection errors (no HTTP answer)', String(report.connectionErrors), '0', report.connectionErrors === 0],
    [
      'most upstream calls in any 1 s window',
      String(report.maxCallsInOneSecond),
      `≤ ${report.rate}`,
      report.maxCallsInOneSecond <= report.rate,
    ],
    ['upstream 429s', String(report.upstream429s), '0', report.upstream429s === 0],
    [
      'upstream calls per customer while Redis is up (most)',
      `${report.maxCallsPerCustomerWhileUp}${report.worstCustomer ? ` (${report.worstCustomer})` : ''}`,
      '≤ 2',
      report.maxCallsPerCustomerWhileUp <= 2,
    ],
  ];
  const figures = [
    '| figure | value | bound | |',
    '|---|---|---|---|',
    ...rows.map(([figure, value, bound, ok]) => `| ${figure} | ${value} | ${bound} | ${holds(ok)} |`),
  ];
  const answers = (a: Record<string, number>) =>
    Object.entries(a)
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ');
  const phases = [
    '| phase | seconds | requests | answers | upstream calls | most in 1 s |',
    '|---|---|---|---|---|---|',
    ...report.phases.map((p) =>
      [p.name, p.seconds.toFixed(1), p.requests, answers(p.answers), p.upstreamCalls, p.maxCallsInOneSecond]
        .map((cell) => ` ${cell} |`)
        .join('')
        .replace(/^/, '|'),
    ),
  ];
  const summary =
    `${report.requests} requests in ${report.seconds.toFixed(1)} s; ${report.upstreamCalls} upstream calls; ` +
    `purges: ${report.purges.sent} sent, ${report.purges.confirmed} answered 204, ${report.purges.pending} 202, ` +
    `${report.purges.nothingCached} 404 (nothing cached); ` +
    `junk written over ${report.junkKeys} keys; upstream problems answered: ${report.upstreamProblems}`;
  return [...figures, '', ...phases, '', summary].join('\n');
}
