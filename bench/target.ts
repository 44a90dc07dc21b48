/**
 * A benchmark target, run in its own process so that the load generator and the server under test do not
 * share an event loop. bench/run.ts compiles it (tsconfig.bench.json) and forks it with `<kind>`; it reports
 * `{ ready: … }` over IPC.
 *   simulators  every provider's simulator, upstream rate limits as documented unless BENCH_SIM_NO_LIMIT=1
 *   gateway     the full gateway (buildApp + services) with the environment it is given
 *   bare-http   a bare node:http server answering BENCH_BODY
 *   bare-express a bare express 5 route answering BENCH_BODY (on the gateway's own server when
 *               BENCH_GATEWAY_SERVER=1: requests born on express's prototypes, src/http-server.ts)
 *   indexed-gateway the gateway, its search index filled before it reports ready: BENCH_INDEX_SYNTHETIC synthetic
 *               records put straight into the index (the real index code: in memory, or in Redis with REDIS_URL),
 *               then a crawl of each provider in BENCH_INDEX_CRAWL; it answers the parent's `{ ask }` messages
 *               (`count` of a provider's records, `crawl-start`, `crawled`: the crawl's records by provider)
 *   memory      fills the gateway's cache through real lookups and reports RSS and cache figures
 *   index-memory fills an embedded blind index with BENCH_INDEX_RECORDS synthetic records (bench/index-memory.ts)
 *               and reports RSS and heap figures
 *   hangers     BENCH_HANG_RATE lookups per second of new ids under BENCH_HANG_URL (with BENCH_HANG_HEADERS),
 *               between the parent's 'start' and 'pause'; on 'stop' reports how many were sent and their statuses
 *   log-line    writes a cache hit's request-log line BENCH_LOG_LINES times per round through the request log's
 *               writer, through the gateway's logger itself (every redaction path on every value) and through pino
 *               without redaction, rounds taking turns, and reports each round's µs per line
 */
import { Deadline } from '../src/core/deadline.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { pino, type DestinationStream } from 'pino';
import { loadConfig } from '../config/index.js';
import { adapters } from '../providers/index.js';
import { buildApp } from '../src/app.js';
import { createGatewayServer } from '../src/http-server.js';
import { createLogger, lineWriter } from '../src/core/logger.js';
import { ProcessLifecycle } from '../src/middleware/draining.js';
import { createServices, type Services } from '../src/services.js';
import { measureIndexMemory, syntheticRecord } from './index-memory.js';

const kind = process.argv[2];
const send = (message: unknown) => process.send?.(message);
// The parent asks a server's CPU time (user + system, µs) around a measured run: a figure steadier than latency.
process.on('message', (command) => {
  if (command === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({ cpu: user + system });
  }
});

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

async function main(): Promise<void> {
  if (kind === 'simulators') {
    const noLimit = process.env.BENCH_SIM_NO_LIMIT === '1';
    const sims = await Promise.all(
      adapters.map(async (a) => [a.id, await a.simulator(noLimit ? { rateLimitPerSecond: 0 } : {})] as const),
    );
    send({
      ready: Object.fromEntries(sims.map(([id, s]) => [id, { baseUrl: s.baseUrl, origin: s.origin, env: s.env }])),
    });
    return;
  }
  if (kind === 'gateway') {
    const { port } = await serveGateway();
    send({ ready: { port } });
    return;
  }
  if (kind === 'indexed-gateway') {
    const { port, services } = await serveGateway();
    const { linking } = services;
    const synthetic = Number(process.env.BENCH_INDEX_SYNTHETIC ?? 0);
    // With REDIS_URL the index is in Redis: its connection first.
    const redis = services.fleet?.redis;
    for (const end = Date.now() + 10_000; redis && !redis.usable;) {
      if (Date.now() > end) throw new Error('Redis is not connected');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const started = performance.now();
    let next = 0;
    // Several puts at a time: the index in Redis then fills in pipelined round trips, as a busy replica feeds it.
    // A put that Redis did not take within REDIS_TIMEOUT_MS (a loaded machine) is put again once Redis is usable:
    // the fill only prepares the measurement.
    const put = async (n: number) => {
      const { ref, features, summary } = syntheticRecord(n, services.clock.now());
      for (const end = Date.now() + 60_000; ;) {
        try {
          return await linking.index.put(ref, features, summary);
        } catch (error) {
          if (!redis || Date.now() > end) throw error;
          // A replica that saw a few failures in a row pauses its commands for a second: wait that out.
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    };
    const putter = async () => {
      while (next < synthetic) await put(next++);
    };
    await Promise.all(Array.from({ length: 4 }, putter));
    const fillSeconds = (performance.now() - started) / 1000;
    for (const provider of (process.env.BENCH_INDEX_CRAWL ?? '').split(',').filter(Boolean)) {
      const outcome = await linking.crawler.crawl(provider);
      if (outcome !== 'finished') throw new Error(`the crawl of ${provider} ended ${outcome}`);
    }
    process.on('message', (message: { ask?: string; provider?: string }) => {
      const answer = (value: unknown) => send({ answer: message.ask, value });
      if (message.ask === 'count') void linking.index.count(message.provider ?? '').then(answer);
      if (message.ask === 'crawl-start') {
        linking.crawler.start();
        answer(true);
      }
      if (message.ask === 'crawled') void crawledRecords(services).then(answer);
    });
    send({ ready: { port, fillSeconds } });
    return;
  }
  if (kind === 'bare-http' || kind === 'bare-express') {
    const body = process.env.BENCH_BODY ?? '';
    const headers = JSON.parse(process.env.BENCH_HEADERS ?? '{}') as Record<string, string>;
    let server: http.Server;
    if (kind === 'bare-http') {
      server = http.createServer((_req, res) => {
        res.writeHead(200, headers);
        res.end(body);
      });
    } else {
      const app = express();
      app.get('/customers/:provider/:id', (_req, res) => {
        res.set(headers).end(body);
      });
      server =
        process.env.BENCH_GATEWAY_SERVER === '1'
          ? createGatewayServer(app, { maxHeaderBytes: 16384 })
          : http.createServer(app);
    }
    send({ ready: { port: await listen(server) } });
    return;
  }
  if (kind === 'memory') {
    const count = Number(process.env.BENCH_MEMORY_COUNT ?? 100000);
    const config = loadConfig(process.env, adapters);
    const logger = createLogger({
      level: 'silent',
      adapters,
      destination: new Writable({ write: (_c, _e, done) => done() }),
    });
    const services = createServices(config, adapters, logger);
    const tango = services.providers.get('tango');
    if (!tango) throw new Error('tango is not enabled');
    global.gc?.();
    const before = process.memoryUsage();
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const n = next++;
        await services.lookup.lookup(tango, `synthetic-${n}`, {
          requestId: 'bench',
          callerKey: 'bench',
          noCache: false,
          deadline: Deadline.after(services.clock, tango.deadlineMs),
        });
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: 8 }, worker));
    // Let V8 return the pages that the fill's garbage took: its memory reducer starts after 8 s of quiet,
    // as it would in a gateway between bursts.
    for (let i = 0; i < 12; i++) {
      global.gc?.();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const after = process.memoryUsage();
    send({
      ready: {
        lookups: count,
        seconds: (performance.now() - started) / 1000,
        rssBefore: before.rss,
        rssAfter: after.rss,
        heapBefore: before.heapUsed,
        heapAfter: after.heapUsed,
        entries: services.cache.size,
        cacheBytes: services.cache.bytes,
        maxBytes: config.cache.maxBytes,
      },
    });
    await services.close();
    process.exit(0);
  }
  if (kind === 'index-memory') {
    const records = Number(process.env.BENCH_INDEX_RECORDS ?? 100_000);
    send({ ready: await measureIndexMemory(records) });
    process.exit(0);
  }
  if (kind === 'hangers') {
    // Open loop, as independent callers behave: a new lookup of a new id every 1/rate s, each waiting as long as
    // it takes. (Closed-loop callers that re-ask the moment a 503 comes back would be a flood, not a hang.)
    const prefix = process.env.BENCH_HANG_URL ?? '';
    const headers = JSON.parse(process.env.BENCH_HANG_HEADERS ?? '{}') as Record<string, string>;
    const agent = new http.Agent({ keepAlive: true });
    const statuses: Record<string, number> = {};
    let sent = 0;
    let inFlight = 0;
    let timer: NodeJS.Timeout | undefined;
    let pausing = false;
    const answered = (status: string) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
      inFlight -= 1;
      if (pausing && inFlight === 0) {
        pausing = false;
        send({ paused: true });
      }
    };
    const ask = () => {
      inFlight += 1;
      http
        .get(`${prefix}${String(sent++).padStart(6, '0')}`, { agent, headers }, (res) => {
          res.resume();
          res.once('end', () => answered(String(res.statusCode)));
        })
        .once('error', () => answered('error'));
    };
    // 'start' sends, 'pause' stops sending and answers once every lookup sent has been answered, 'stop' reports.
    const rate = Number(process.env.BENCH_HANG_RATE ?? 50);
    process.on('message', (command) => {
      if (command === 'start' && rate > 0) timer = setInterval(ask, 1000 / rate);
      if (command === 'pause') {
        clearInterval(timer);
        if (inFlight === 0) send({ paused: true });
        else pausing = true;
      }
      if (command === 'stop') {
        send({ sent, statuses });
        process.exit(0);
      }
    });
    send({ ready: {} });
    return;
  }
  if (kind === 'log-line') {
    const lines = Number(process.env.BENCH_LOG_LINES ?? 100000);
    const rounds = Number(process.env.BENCH_LOG_ROUNDS ?? 9);
    // Both loggers write to a sink that keeps nothing: the figure is the line's making, not its write to stdout.
    let written = 0;
    const sink: DestinationStream = { write: (line: string) => void (written += line.length) };
    const gateway = createLogger({ level: 'info', adapters, destination: sink });
    const unredacted = pino(
      { level: 'info', base: { service: 'customer-gateway' }, timestamp: pino.stdTimeFunctions.isoTime },
      sink,
    );
    const writer = lineWriter(gateway);
    const loggers = {
      writer: (line: Record<string, unknown>) => writer('info', line, 'request completed'),
      gateway: (line: Record<string, unknown>) => gateway.info(line, 'request completed'),
      unredacted: (line: Record<string, unknown>) => unredacted.info(line, 'request completed'),
    };
    // The line src/middleware/request-log.ts writes for a cache hit, field for field (unset ones are undefined).
    const line = () => ({
      requestId: 'b0c4d6f2-3a51-4e8c-9d7e-2f1a0b9c8d7e',
      method: 'GET',
      route: '/customers/:provider/:id',
      status: 200,
      durationMs: 0.412,
      provider: 'tango',
      customerId: 'zanzibar-health',
      cache: 'hit',
      client: 'bench',
      clearPii: true,
      upstreamAttempts: undefined,
      batch: undefined,
      problem: undefined,
      traceId: undefined,
      aborted: undefined,
    });
    const perLine: Record<keyof typeof loggers, number[]> = { writer: [], gateway: [], unredacted: [] };
    for (let round = 0; round < rounds; round++) {
      for (const name of ['writer', 'gateway', 'unredacted'] as const) {
        const log = loggers[name];
        const started = process.hrtime.bigint();
        for (let i = 0; i < lines; i++) log(line());
        perLine[name].push(Number(process.hrtime.bigint() - started) / 1000 / lines);
      }
    }
    if (written === 0) throw new Error('no line was written');
    send({ ready: { lines, perLine } });
    process.exit(0);
  }
  throw new Error(`unknown target ${kind}`);
}

/** The full gateway (buildApp + services) with the environment it is given, listening on a free port. */
async function serveGateway(): Promise<{ port: number; services: Services }> {
  const config = loadConfig(process.env, adapters);
  // Production logs go to stdout; the bench discards this process's stdout, as a container runtime would ship it.
  const logger = createLogger({ level: config.logLevel, adapters });
  const services = createServices(config, adapters, logger);
  // The lifecycle src/server.ts gives the app: the draining middleware then tracks requests in flight, as it
  // does in production.
  const app = buildApp(services, { lifecycle: new ProcessLifecycle() });
  const port = await listen(createGatewayServer(app, config.security));
  // A clean exit on SIGTERM lets `--cpu-prof` write its profile when the bench is profiled.
  process.once('SIGTERM', () => process.exit(0));
  return { port, services };
}

/** Records the crawl indexed so far, by provider (the `index_crawl_records_total` counter). */
async function crawledRecords(services: Services): Promise<Record<string, number>> {
  const metric = await services.metrics.registry.getSingleMetric('index_crawl_records_total')?.get();
  const indexed: Record<string, number> = {};
  for (const { labels, value } of metric?.values ?? [])
    if (labels.outcome === 'indexed') indexed[String(labels.provider)] = value;
  return indexed;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
