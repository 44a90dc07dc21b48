/**
 * Where the gateway's compiled copy is, for the tests that start it as a process of its own: jest's global setup
 * (test/support/global-setup.js) compiles `src/`, `config/` and `providers/` once per run, and says where.
 */
import { join } from 'node:path';

function compiled(file: string): string {
  const dir = process.env.GATEWAY_TEST_BUILD;
  if (!dir) throw new Error('GATEWAY_TEST_BUILD is not set: run jest with jest.config.js, whose globalSetup compiles');
  return join(dir, file);
}

/** The process entry, `src/server.ts`, as JavaScript: `node <serverEntry()>` starts the gateway as a container does. */
export const serverEntry = (): string => compiled('src/server.js');

/** test/support/replica-process.ts as JavaScript. */
export const replicaEntry = (): string => compiled('test/support/replica-process.js');

/** bench/chaos-upstream.ts (one provider's simulator with the chaos run's faults) as JavaScript. */
export const chaosUpstreamEntry = (): string => compiled('bench/chaos-upstream.js');
