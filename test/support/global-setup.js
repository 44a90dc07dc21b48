/**
 * Once per jest run, before any test file: the gateway's sources compiled to JavaScript for the tests that start it
 * as a process of its own (test/support/gateway-process.ts). Each start under tsx compiled and resolved every module
 * again through tsx's loader: about 3 s of CPU and 5 s of wall time per start on this 2-core machine, against
 * about 1 s and 1.6 s from JavaScript, and the suite starts a dozen such processes. The compilation is esbuild's
 * transform of each file alone, as tsx does it (no bundling, no type-check: `npm run typecheck` does that).
 *
 * The directory is a temporary one with the repository's package.json (the gateway reads its version from it) and a
 * link to its node_modules; its path goes to the test files in GATEWAY_TEST_BUILD. Plain JavaScript: jest loads its
 * global setup without ts-jest's ESM transform.
 */
import { build } from 'esbuild';
import { copyFile, mkdtemp, readdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
/**
 * What a gateway process loads: the service, its configuration and its providers; and the two scripts of tests
 * that fork processes of their own: the fleet tests' replica and the chaos test's simulator.
 */
const SOURCES = ['src', 'config', 'providers'];
const EXTRA = ['test/support/replica-process.ts', 'bench/chaos-upstream.ts'];

async function typescriptFiles(dir) {
  const entries = await readdir(join(root, dir), { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

export default async function globalSetup() {
  const out = await mkdtemp(join(tmpdir(), 'cgw-test-build-'));
  const files = (await Promise.all(SOURCES.map(typescriptFiles))).flat();
  await build({
    entryPoints: [...files, ...EXTRA.map((file) => join(root, file))],
    outdir: out,
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    tsconfig: join(root, 'tsconfig.json'),
    logLevel: 'warning',
  });
  await copyFile(join(root, 'package.json'), join(out, 'package.json'));
  await symlink(join(root, 'node_modules'), join(out, 'node_modules'), 'dir');
  process.env.GATEWAY_TEST_BUILD = out;
}
