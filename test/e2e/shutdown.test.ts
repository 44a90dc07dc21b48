/**
 * Graceful shutdown of the real process (`src/server.ts`): SIGTERM while slow lookups are in flight; every
 * one of them is answered, new connections are refused, and the process exits 0 (1 when the timeout forced it).
 *
 * Wall time: the process and its sandbox simulators keep the system clock. Its upstream is slowed by 800 ms (2 s)
 * so that the lookups are still in flight when the signal comes; the test waits for events (metrics, log lines),
 * never for those times. Each test allows a minute, most of it for starting the process on a loaded machine: with
 * 20 s both timed out in one loaded run, when it started under tsx (it now starts from the run's compiled copy).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { serverEntry } from '../support/gateway-process.js';
import { until } from '../support/until.js';

interface Running {
  child: ChildProcess;
  url: string;
  simulatorOrigin: string;
  lines: Record<string, unknown>[];
  exit: Promise<number | null>;
}

/** Servers a failed test left running, killed after each test so that none outlives the suite. */
const started = new Set<ChildProcess>();
afterEach(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
});

/** Starts the gateway in sandbox mode on a free port and reads the port and the simulator from its log. */
async function startServer(env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, [serverEntry()], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      // The sandbox's search-index crawl would put requests of its own on the simulator these tests count.
      INDEX_CRAWL_INTERVAL_SECONDS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.add(child);
  const lines: Record<string, unknown>[] = [];
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<{ url: string; simulatorOrigin: string }>((resolve, reject) => {
    let port: unknown;
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      if (line.msg === 'customer-gateway listening') port = line.port;
      if (line.provider === 'tango' && typeof line.simulator === 'string' && port !== undefined) {
        resolve({ url: `http://127.0.0.1:${Number(port)}`, simulatorOrigin: new URL(line.simulator).origin });
      }
    });
    void exit.then((code) => reject(new Error(`the server exited early (${code})`)));
  });
  return { child, lines, exit, ...(await ready) };
}

async function slowUpstream(simulatorOrigin: string, ms: number): Promise<void> {
  const res = await fetch(`${simulatorOrigin}/__simulator/faults`, {
    method: 'POST',
    body: JSON.stringify({ fault: { kind: 'latency', ms } }),
  });
  expect(res.status).toBe(201);
}

/** Resolves once the simulator has received `count` API requests: the lookups are in flight. */
async function untilUpstreamSaw(simulatorOrigin: string, count: number): Promise<void> {
  for (;;) {
    const { stats } = (await (await fetch(`${simulatorOrigin}/__simulator/faults`)).json()) as {
      stats: { apiRequests: number };
    };
    if (stats.apiRequests >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves once the gateway is answering `count` lookups (the scrape itself counts as one more). */
async function untilInFlight(url: string, count: number): Promise<void> {
  for (;;) {
    const text = await (await fetch(`${url}/metrics`, { headers: { Connection: 'close' } })).text();
    const line = text.split('\n').find((l) => l.startsWith('http_server_requests_in_flight '));
    if (Number(line?.split(' ')[1]) >= count + 1) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const untilLogged = (server: Running, msg: string): Promise<void> =>
  until(() => server.lines.some((l) => l.msg === msg));

test('SIGTERM during slow lookups: every lookup answered 200, new connections refused, exit code 0', async () => {
  const server = await startServer();
  await slowUpstream(server.simulatorOrigin, 800);
  // Two customers (two upstream calls, paced by Tango's 1 request per second) and lookups joined to them.
  const ids = ['zanzibar-health', 'zanzibar-health', 'zanzibar-health', 'acme-wellness', 'acme-wellness'];
  const answers = ids.map((id) =>
    fetch(`${server.url}/customers/tango/${id}`).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as { data?: { providerId: string } },
    })),
  );
  // Every lookup has reached the gateway (the slow upstream holds them there): now stop it.
  await untilInFlight(server.url, ids.length);

  server.child.kill('SIGTERM');
  await untilLogged(server, 'shutting down: draining in-flight requests');
  await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();

  const results = await Promise.all(answers);
  expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  expect(results.map((r) => r.body.data?.providerId)).toEqual(ids);
  expect(await server.exit).toBe(0);
  expect(server.lines.find((l) => l.msg === 'shutting down: draining in-flight requests')).toMatchObject({
    signal: 'SIGTERM',
  });
  // Nothing happened after the stop. (Judged by the lines' own times: pino writes stdout asynchronously, so
  // the pipe may deliver a request line logged a moment before 'stopped' just after it.)
  const stopped = server.lines.find((l) => l.msg === 'stopped');
  expect(stopped).toMatchObject({ exitCode: 0 });
  expect(server.lines.filter((l) => String(l.time) > String(stopped?.time))).toEqual([]);
}, 60_000);

test('a lookup still running when SHUTDOWN_TIMEOUT_MS ends is cut, and the exit code says so', async () => {
  const server = await startServer({ SHUTDOWN_TIMEOUT_MS: '300' });
  await slowUpstream(server.simulatorOrigin, 2000);
  const answer = fetch(`${server.url}/customers/tango/zanzibar-health`).then(
    (res) => res.status,
    () => 'cut',
  );
  await untilUpstreamSaw(server.simulatorOrigin, 1);
  server.child.kill('SIGINT');
  expect(await server.exit).toBe(1);
  expect(await answer).toBe('cut');
  expect(server.lines.some((l) => l.msg === 'shutdown timeout: closing the connections still open')).toBe(true);
}, 60_000);
