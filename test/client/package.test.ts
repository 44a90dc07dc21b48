/**
 * The client as an app installs it: built with its own tsconfig.build.json into `dist/` beside its package.json,
 * then imported by its package name from plain Node (no ts-jest, no tsx), so that the emitted ESM, its import
 * paths and the `exports` map are what run, against a running gateway.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const clientDir = join(root, 'clients', 'typescript');

let work: string;
let gw: TestGateway;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cgw-client-'));
  copyFileSync(join(clientDir, 'package.json'), join(work, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(work, 'node_modules'));
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(clientDir, 'tsconfig.build.json'),
      '--outDir',
      join(work, 'dist'),
    ],
    { cwd: root },
  );
  gw = await startTestGateway();
}, 120_000);
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await gw?.close();
});

test('every module is emitted with its declarations', () => {
  const emitted = readdirSync(join(work, 'dist'));
  const modules = emitted.filter((name) => name.endsWith('.js'));
  expect(modules).toEqual(expect.arrayContaining(['index.js', 'client.js', 'schema.js']));
  for (const module of modules) expect(emitted).toContain(module.replace(/\.js$/, '.d.ts'));
});

test('imported by its name in plain Node, it looks a customer up and throws problems as GatewayProblem', async () => {
  const program = `
    import { createGatewayClient, GatewayProblem } from '@customer-gateway/client';
    const client = createGatewayClient({ baseUrl: ${JSON.stringify(gw.url)} });
    const answer = await client.lookup('tango', 'zanzibar-health');
    const failure = await client.lookup('tango', 'no-such-customer').catch((e) => e);
    console.log(JSON.stringify({
      found: answer.data.providerId,
      problem: failure instanceof GatewayProblem ? failure.code : String(failure),
    }));
  `;
  // Not execFileSync: the gateway answering it runs in this process.
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', program], { cwd: work });
  expect(JSON.parse(stdout)).toEqual({ found: 'zanzibar-health', problem: 'customer-not-found' });
});
