/**
 * Where the gateway's compiled copy is, for the tests that start it as a process of its own: jest's global setup
 * (test/support/global-setup.js) compiles `src/`, `config/` and `providers/` once per run, and says where.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

function compiled(file: string): string {
  const dir = process.env.GATEWAY_TEST_BUILD;
  if (!dir) throw new Error('GATEWAY_TEST_BUILD is not set: run jest with jest.config.js, whose globalSetup compiles');
  return join(dir, file);
}

/** The process entry, `src/server.ts`, as JavaScript: `node <serverEntry()>` starts the gateway as a container does. */
export const serverEntry = (): string => compiled('src/server.js');

/**
 * How to start test/support/replica-process.ts: the compiled copy with plain `node` under jest; under tsx from the
 * source outside it (`npm run chaos -- fleet` starts its replicas with this too, without jest's global setup).
 */
export function replicaEntry(): { script: string; execArgv: string[] } {
  if (process.env.GATEWAY_TEST_BUILD) return { script: compiled('test/support/replica-process.js'), execArgv: [] };
  return { script: fileURLToPath(new URL('./replica-process.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };
}

/** bench/chaos-upstream.ts (one provider's simulator with the chaos run's faults) as JavaScript. */
export const chaosUpstreamEntry = (): string => compiled('bench/chaos-upstream.js');
