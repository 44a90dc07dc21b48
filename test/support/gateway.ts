/**
 * Starts the real gateway on loopback port 0 in front of the real simulators, as in sandbox mode, with the
 * logs captured in memory so that tests can read (and grep) them.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../config/index.js';
import { adapters as allAdapters } from '../../providers/index.js';
import { buildApp } from '../../src/app.js';
import { createGatewayServer } from '../../src/http-server.js';
import type { Clock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { envPrefix, type ProviderAdapter } from '../../src/core/provider.js';
import type { Simulator, SimulatorOptions } from '../../src/core/simulator.js';
import { startSandbox } from '../../src/sandbox.js';
import { createServices, type Services } from '../../src/services.js';

export interface TestGatewayOptions {
  /** Environment as the process would see it; merged over quiet test defaults. */
  env?: Record<string, string>;
  /**
   * Options per simulator; by default the upstream rate limits are off so tests do not wait on them, and the
   * simulators read the gateway's clock (a test's `simulator` passes `clock` itself when it wants that).
   */
  simulator?: (providerId: string) => SimulatorOptions;
  adapters?: readonly ProviderAdapter[];
  /**
   * Provider keys that win over what the sandbox takes from the simulators (wrong credentials, say), so that a
   * test can point the gateway at a real simulator with a misconfiguration the simulator must refuse.
   */
  providerEnv?: Record<string, string>;
  /** Where the built support console is; `dist/console` by default. */
  consoleDir?: string;
  /** The gateway's one clock (a `ManualClock` for tests of time); the wall clock by default. */
  clock?: Clock;
}

export interface TestGateway {
  url: string;
  config: Config;
  services: Services;
  simulators: Map<string, Simulator>;
  sim(providerId: string): Simulator;
  /** Every log line so far, parsed. */
  logs(): Record<string, unknown>[];
  /** The raw log text so far. */
  logText(): string;
  lookup(provider: string, id: string, init?: RequestInit & { query?: string }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Quiet defaults for every provider of the test, read from its registry: no upstream quota (the simulators'
 * own limits are off too, so tests do not wait on them; the quota's own tests set the key), and circuit
 * breakers out of the way of tests that provoke failures on purpose (the breaker's own tests set these keys).
 * Failures are not remembered between lookups, so that tests provoking failures see every one reach the
 * upstream; the failure memory's own tests set it.
 */
export function testDefaults(adapters: readonly ProviderAdapter[]): Record<string, string> {
  return {
    LOG_LEVEL: 'debug',
    FAILURE_MEMORY_SECONDS: '0',
    ...Object.fromEntries(
      adapters.flatMap((a) => [
        [`${envPrefix(a.id)}_RATE_LIMIT_PER_SECOND`, '0'],
        [`${envPrefix(a.id)}_BREAKER_CONSECUTIVE_FAILURES`, '1000'],
        [`${envPrefix(a.id)}_BREAKER_FAILURE_RATIO`, '0'],
      ]),
    ),
  };
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const adapters = options.adapters ?? allAdapters;
  const env = { ...testDefaults(adapters), ...options.env };
  const loaded = loadConfig(env, adapters);
  const simulatorOptions = options.simulator ?? (() => ({ rateLimitPerSecond: 0, clock: options.clock }));
  const sandbox = await startSandbox(loaded, adapters, simulatorOptions);
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: sandbox.config.logLevel, adapters, destination });
  const config = options.providerEnv ? withProviderEnv(sandbox.config, options.providerEnv) : sandbox.config;
  const services = createServices(config, adapters, logger, {}, options.clock);
  // The server as src/server.ts builds it: header cap, parser refusals as problems, express's prototypes.
  const app = buildApp(services, options.consoleDir ? { consoleDir: options.consoleDir } : {});
  const server: Server = createGatewayServer(app, config.security);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    config,
    services,
    simulators: sandbox.simulators,
    sim(providerId) {
      const simulator = sandbox.simulators.get(providerId);
      if (!simulator) throw new Error(`no simulator for ${providerId}`);
      return simulator;
    },
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    logText: () => lines.join('\n'),
    lookup: (provider, id, init = {}) =>
      fetch(`${url}/customers/${provider}/${id}${init.query ? `?${init.query}` : ''}`, init),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.close();
      await sandbox.close();
    },
  };
}

/** The config with `overrides` laid over each provider's own keys (those under its env prefix). */
function withProviderEnv(config: Config, overrides: Record<string, string>): Config {
  const providers = config.providers.map((settings) => {
    const prefix = `${envPrefix(settings.id)}_`;
    const own = Object.fromEntries(Object.entries(overrides).filter(([key]) => key.startsWith(prefix)));
    return Object.freeze({ ...settings, env: Object.freeze({ ...settings.env, ...own }) });
  });
  return Object.freeze({ ...config, providers: Object.freeze(providers) });
}
