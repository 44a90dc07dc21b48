/**
 * Operator surfaces: with `METRICS_PORT` set, `/metrics` and the detail of `/readyz` are served on their own
 * port (for the cluster only); the main port then answers `/metrics` 404 and `/readyz` with its status only.
 * And the exposition passes the rules `promtool check metrics` applies (checked here, so that CI needs no
 * promtool binary).
 */
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildOperatorApp } from '../../src/app.js';
import { createGatewayServer } from '../../src/http-server.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { serverEntry } from '../support/gateway-process.js';

describe('with METRICS_PORT set', () => {
  let gw: TestGateway;
  let operator: Server;
  let operatorUrl: string;
  beforeAll(async () => {
    gw = await startTestGateway({ env: { METRICS_PORT: '0' } });
    // As src/server.ts does it, on port 0 here.
    operator = createGatewayServer(buildOperatorApp(gw.services), gw.config.security);
    await new Promise<void>((resolve) => operator.listen(0, '127.0.0.1', resolve));
    operatorUrl = `http://127.0.0.1:${(operator.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    operator.closeAllConnections();
    await new Promise<void>((resolve) => operator.close(() => resolve()));
    await gw.close();
  });

  test('the main port answers /metrics 404 not-found, and /readyz with its status only', async () => {
    const metrics = await fetch(`${gw.url}/metrics`);
    expect(metrics.status).toBe(404);
    expect(((await metrics.json()) as { type: string }).type).toBe('/problems/not-found');
    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  test('the operator port serves /metrics, the detail of /readyz, and nothing else', async () => {
    const metrics = await fetch(`${operatorUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE http_server_request_duration_seconds histogram');
    const ready = (await (await fetch(`${operatorUrl}/readyz`)).json()) as { status: string; providers: object };
    expect(ready.status).toBe('ready');
    expect(Object.keys(ready.providers)).toEqual(expect.arrayContaining(['tango', 'adobe-vip', 'frontpayment']));
    for (const path of ['/customers/tango/zanzibar-health', '/openapi.json', '/METRICS']) {
      expect((await fetch(operatorUrl + path)).status).toBe(404);
    }
  });
});

test('the real process with METRICS_PORT listens on both ports, and the operator port serves /metrics', async () => {
  const child = spawn(process.execPath, [serverEntry()], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', METRICS_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    // Both ports are logged before the sandbox's curl lines; generous bound: starts took seconds on a loaded machine.
    const ports = await new Promise<{ main: number; operator: number }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`not listening within 60 s: ${out}`)), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const lines = out
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { msg: string; port?: number });
        const main = lines.find((l) => l.msg === 'customer-gateway listening')?.port;
        const operator = lines.find((l) => l.msg.startsWith('operator port listening'))?.port;
        if (main && operator) {
          clearTimeout(timer);
          resolve({ main, operator });
        }
      });
    });
    expect(ports.operator).not.toBe(ports.main);
    expect((await fetch(`http://127.0.0.1:${ports.operator}/metrics`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${ports.main}/metrics`)).status).toBe(404);
    expect(await (await fetch(`http://127.0.0.1:${ports.main}/readyz`)).json()).toEqual({ status: 'ready' });
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}, 90_000);

/** The exposition's metric families: name, type and whether it has HELP. */
function families(text: string): { name: string; type: string; help: boolean }[] {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type?.[1] && type[2]) types.set(type[1], type[2]);
    const help = /^# HELP (\S+) \S/.exec(line);
    if (help?.[1]) helps.add(help[1]);
  }
  return [...types].map(([name, type]) => ({ name, type, help: helps.has(name) }));
}

/** The checks of promtool's `check metrics` (its promlint rules) that apply to names, types and help. */
function promlint(text: string): string[] {
  const problems: string[] = [];
  for (const { name, type, help } of families(text)) {
    if (!help) problems.push(`${name}: no help text`);
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name))
      problems.push(`${name}: not a plain metric name (colons are for rules)`);
    if (/[a-z][A-Z]/.test(name)) problems.push(`${name}: camelCase`);
    if (type === 'counter' && !name.endsWith('_total')) problems.push(`${name}: counter without _total`);
    if (type !== 'counter' && name.endsWith('_total')) problems.push(`${name}: ${type} named like a counter (_total)`);
    if (!['histogram', 'summary'].includes(type) && /_(count|sum|bucket)$/.test(name)) {
      problems.push(`${name}: ${type} with a histogram's reserved suffix`);
    }
    if (/(^|_)(counter|gauge|histogram|summary)(_|$)/.test(name)) problems.push(`${name}: type in the name`);
    if (
      /_(milliseconds|microseconds|nanoseconds|minutes|hours|days|kilobytes|megabytes|gigabytes|percent)(_|$)/.test(
        name,
      )
    ) {
      problems.push(`${name}: not a base unit`);
    }
    if (/_(ms|sec|secs|msec|usec|kb|mb|gb|pct)(_|$)/.test(name)) problems.push(`${name}: abbreviated unit`);
  }
  return problems;
}

describe('metric names', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    // A quota, so that the lazily registered quota histogram exists too.
    gw = await startTestGateway({ env: { TANGO_RATE_LIMIT_PER_SECOND: '100', TANGO_RETRIES: '1' } });
  });
  afterAll(async () => gw.close());

  test('every family the gateway exports, after real traffic, passes promtool’s rules', async () => {
    gw.sim('tango').inject({ fault: { kind: 'status', status: 503 }, times: 1 });
    await gw.lookup('tango', 'zanzibar-health');
    await gw.lookup('tango', 'zanzibar-health');
    await gw.lookup('tango', 'no-such-customer');
    await gw.lookup('adobe-vip', '9876543210');
    await fetch(`${gw.url}/no/such/route`);
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    const names = families(text).map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining(['upstream_retries_total', 'cache_lookups_total', 'nodejs_active_handles']),
    );
    expect(names).not.toContain('nodejs_active_handles_total');
    expect(promlint(text)).toEqual([]);
  });

  test('the check itself finds what promtool flags', () => {
    const bad = [
      '# HELP nodejs_active_handles_total Handles.',
      '# TYPE nodejs_active_handles_total gauge',
      '# HELP requests Requests.',
      '# TYPE requests counter',
      '# TYPE latency_ms histogram',
    ].join('\n');
    expect(promlint(bad)).toEqual([
      'nodejs_active_handles_total: gauge named like a counter (_total)',
      'requests: counter without _total',
      'latency_ms: no help text',
      'latency_ms: abbreviated unit',
    ]);
  });
});
