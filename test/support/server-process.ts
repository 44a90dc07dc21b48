/**
 * The real process entry (`src/server.ts`) in a child process, for the tests of what only a process shows: its exit
 * code, its one-line refusal on stderr, its start-up log. Plain `node` on the run's compiled copy
 * (test/support/gateway-process.ts), not a tsx wrapper: the signal reaches the gateway's own process, as it does in
 * a container, and nothing else writes to its stderr.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serverEntry } from './gateway-process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const listening = (stdout: string) => stdout.includes('customer-gateway listening');

/**
 * Starts the process with exactly `env` (plus PATH, and PORT 0 on loopback unless given), and ends it with SIGTERM
 * once `until` says so (by default: once it is listening), or lets it exit by itself.
 */
export function runServer(
  env: Record<string, string>,
  until: (stdout: string) => boolean = listening,
): Promise<ServerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [serverEntry()], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // Generous: with the suite running in parallel on a loaded 2-core machine, starting under tsx once took over
    // 25 s; the compiled copy starts in about 1.6 s on an idle one.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (until(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The process's own stderr lines, without node's experimental-feature warnings. */
export const stderrLines = (stderr: string): string[] =>
  stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('(node:') && !l.includes('--trace-warnings'));
