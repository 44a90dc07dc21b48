/**
 * The process itself: a bad configuration stops it with one line naming the variable; no
 * configuration at all starts the sandbox and logs a ready-to-paste curl.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
// `node --import tsx` rather than `npx tsx`: npx adds its own warnings to stderr, and the tsx CLI is a wrapper
// process whose signal relay gives up after 30 ms on a loaded machine (SIGKILL, exit 143). This way the
// signal reaches the gateway's own process, as it does in a container.

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `src/server.ts` with exactly `env` (plus PATH), and ends it once `until` says so or it exits. */
function runServer(env: Record<string, string>, until?: (stdout: string) => boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // Generous: with the suite running in parallel on a loaded 2-core machine, starting tsx once took over 25 s.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (until?.(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test.each([
  ['TANGO_TIMEOUT_MS=abc', { TANGO_TIMEOUT_MS: 'abc' }, 'TANGO_TIMEOUT_MS'],
  ['PROVIDERS=nope', { PROVIDERS: 'nope' }, 'PROVIDERS'],
  ['NODE_ENV=production without TANGO_BASE_URL', { NODE_ENV: 'production' }, 'TANGO_BASE_URL'],
  [
    'TANGO_BASE_URL without credentials',
    { TANGO_BASE_URL: 'https://integration-api.tangocard.com/raas/v2' },
    'TANGO_PLATFORM_NAME',
  ],
])(
  'with %s the process exits non-zero, printing one line naming the variable',
  async (_name, env, variable) => {
    const run = await runServer({ PORT: '0', ...env });
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBeNull();
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
    expect(run.stdout).toBe('');
  },
  90_000,
);

test('with no configuration the process starts the sandbox, logs a curl per provider, stops on SIGTERM', async () => {
  const run = await runServer({ PORT: '0', HOST: '127.0.0.1' }, (out) =>
    /curl -s http:\/\/localhost:\d+\/customers\/tango\/zanzibar-health/.test(out),
  );
  expect(run.stdout).toMatch(/curl -s http:\/\/localhost:\d+\/customers\/tango\/zanzibar-health/);
  expect(run.code).toBe(0);
}, 90_000);
