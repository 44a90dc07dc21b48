/**
 * Sandbox mode: every enabled provider without a base URL gets its built-in simulator on a loopback port, and
 * the configuration is completed with the simulator's base URL and credentials. Each adapter loads its simulator
 * with a dynamic `import()`; a build without simulators (the container image) has no sandbox mode and says so.
 */
import type { Config, ProviderSettings } from '../config/index.js';
import { envPrefix, type ProviderAdapter } from './core/provider.js';
import type { Simulator, SimulatorOptions } from './core/simulator.js';

export interface Sandbox {
  config: Config;
  simulators: Map<string, Simulator>;
  close(): Promise<void>;
}

export async function startSandbox(
  config: Config,
  adapters: readonly ProviderAdapter[],
  options: (providerId: string) => SimulatorOptions = () => ({}),
): Promise<Sandbox> {
  if (config.production && config.providers.some((p) => !p.baseUrl)) {
    throw new Error('production refuses sandbox: every enabled provider needs its base URL');
  }
  const simulators = new Map<string, Simulator>();
  const providers: ProviderSettings[] = [];
  try {
    for (const settings of config.providers) {
      const adapter = adapters.find((a) => a.id === settings.id);
      if (settings.baseUrl || !adapter) {
        providers.push(settings);
        continue;
      }
      const simulator = await adapter.simulator(options(settings.id)).catch((error: unknown) => {
        throw isMissingModule(error) ? noSimulatorsError(config) : error;
      });
      simulators.set(settings.id, simulator);
      providers.push(
        Object.freeze({
          ...settings,
          baseUrl: simulator.baseUrl,
          env: Object.freeze({ ...settings.env, ...simulator.env }),
        }),
      );
    }
  } catch (error) {
    await Promise.all([...simulators.values()].map((s) => s.close()));
    throw error;
  }
  return {
    config: Object.freeze({ ...config, providers: Object.freeze(providers) }),
    simulators,
    close: async () => {
      await Promise.all([...simulators.values()].map((s) => s.close()));
    },
  };
}

const isMissingModule = (error: unknown): boolean =>
  error instanceof Error && (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND';

/** The one line a build without simulators answers when it is started without base URLs. */
function noSimulatorsError(config: Config): Error {
  const missing = config.providers.filter((p) => !p.baseUrl).map((p) => `${envPrefix(p.id)}_BASE_URL`);
  return new Error(
    `this build has no sandbox mode (its simulators are left out): set ${missing.join(', ')} ` +
      'and the credentials that go with them',
  );
}
