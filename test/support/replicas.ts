/**
 * Gateway replicas as real separate processes (test/support/replica-process.ts, from the run's compiled copy: see
 * test/support/gateway-process.ts), for tests of the fleet.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { replicaEntry } from './gateway-process.js';

export interface ReplicaProcess {
  url: string;
  stop(): Promise<void>;
}

export async function startReplica(env: Record<string, string>): Promise<ReplicaProcess> {
  const { script, execArgv } = replicaEntry();
  const child: ChildProcess = fork(script, [], {
    execArgv,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => Promise.reject(new Error(`replica exited with ${String(code)}`))),
  ])) as [{ port: number }];
  return {
    url: `http://127.0.0.1:${message.port}`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
