/**
 * The production program, as the container image holds it: built with `tsconfig.build.json`, then stripped by the
 * Dockerfile's own line. Its static import graph from `dist/src/server.js` reaches no simulator or fault-injection
 * module; what is left starts against real upstreams (here: simulators run by this test) and answers lookups;
 * started without base URLs it stops with one line saying what to set.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { adapters } from '../../providers/index.js';
import type { Simulator } from '../../src/core/simulator.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Sandbox-only modules, by file name: the simulator kit (its fault injection included), simulators, seeds. */
const SANDBOX_ONLY = /^(simulator|seeds)\.js$/;

let work: string;
let dist: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cgw-build-'));
  dist = join(work, 'dist');
  // Laid out as the image is: package.json (module type, version) and node_modules beside dist/.
  copyFileSync(join(root, 'package.json'), join(work, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'));
  // Emit only (`--noCheck`: the same JavaScript, in half the time): the type check is `npm run typecheck`, which
  // .ci/run runs before the tests.
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--noCheck', '--outDir', dist],
    { cwd: root },
  );
}, 120_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every relative module reached from `entry` through static `import`/`export … from` (never `import()`). */
function staticGraph(entry: string): Set<string> {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    for (const statement of source.statements) {
      const specifier =
        ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement.moduleSpecifier : undefined;
      if (specifier && ts.isStringLiteral(specifier) && specifier.text.startsWith('.')) {
        pending.push(resolve(dirname(file), specifier.text));
      }
    }
  }
  return seen;
}

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((name) => join(dir, name));

test('the static import graph of dist/src/server.js reaches every adapter, no simulator, seed or fault module', () => {
  const graph = [...staticGraph(join(dist, 'src/server.js'))].map((file) => relative(dist, file));
  // The graph is the real one: the registry and each adapter are in it.
  expect(graph).toContain('providers/index.js');
  for (const adapter of adapters) expect(graph).toContain(`providers/${adapter.id}/adapter.js`);
  expect(graph.filter((file) => SANDBOX_ONLY.test(file.split('/').at(-1) ?? ''))).toEqual([]);
  // And the build does hold them, for sandbox mode outside the image (loaded with import()).
  const built = filesUnder(dist).map((file) => relative(dist, file));
  expect(built).toContain('src/core/simulator.js');
  for (const adapter of adapters) expect(built).toContain(`providers/${adapter.id}/simulator.js`);
});

describe('the build stripped by the Dockerfile', () => {
  const simulators: Simulator[] = [];
  beforeAll(async () => {
    const line = readFileSync(join(root, 'Dockerfile'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('RUN find dist'));
    if (!line) throw new Error('the Dockerfile has no `RUN find dist …` line');
    execFileSync('sh', ['-c', line.slice('RUN '.length)], { cwd: work });
    // One at a time: jest's ESM loader fails concurrent first imports of a shared module.
    for (const adapter of adapters) simulators.push(await adapter.simulator({ rateLimitPerSecond: 0 }));
  });
  afterAll(async () => Promise.all(simulators.map((s) => s.close())));

  test('holds no simulator, seed or fault module', () => {
    expect(filesUnder(dist).filter((file) => /(^|\/)(simulator|seeds)\./.test(file))).toEqual([]);
  });

  test('serves lookups from real upstreams', async () => {
    const upstreams = Object.fromEntries(
      adapters.flatMap((a, i) => {
        const sim = simulators[i] as Simulator;
        return [[`${a.id.toUpperCase().replace(/-/g, '_')}_BASE_URL`, sim.baseUrl], ...Object.entries(sim.env)];
      }),
    );
    const run = await runBuilt({ ...upstreams, GATEWAY_ALLOW_ANONYMOUS: 'true' }, async (port) => {
      for (const adapter of adapters) {
        const res = await fetch(`http://127.0.0.1:${port}/customers/${adapter.id}/${adapter.exampleId}`);
        expect(res.status).toBe(200);
      }
    });
    expect(run.code).toBe(0);
  }, 90_000);

  test.each([
    ['NODE_ENV unset', {}, /no sandbox mode.*TANGO_BASE_URL/],
    ['NODE_ENV=production (the image default)', { NODE_ENV: 'production' }, /_BASE_URL/],
  ])(
    'started without base URLs (%s), it exits non-zero with one line saying what to set',
    async (_name, env, line) => {
      const run = await runBuilt(env);
      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(line);
    },
    90_000,
  );
});

/** Starts `node dist/src/server.js` with exactly `env`; once it listens, runs `whileUp` and sends SIGTERM. */
function runBuilt(env: Record<string, string>, whileUp?: (port: number) => Promise<void>) {
  return new Promise<{ code: number | null; stderr: string }>((done, fail) => {
    const childEnv = { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env };
    const child = spawn(process.execPath, ['dist/src/server.js'], {
      cwd: work,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    let stdout = '';
    let stderr = '';
    let failure: Error | undefined;
    let started = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const port = /"port":(\d+).*"msg":"customer-gateway listening"/.exec(stdout)?.[1];
      if (port === undefined || !whileUp || started) return;
      started = true;
      whileUp(Number(port))
        .catch((error: unknown) => (failure = error instanceof Error ? error : new Error(String(error))))
        .finally(() => child.kill('SIGTERM'));
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (failure) fail(failure);
      else done({ code, stderr });
    });
  });
}
