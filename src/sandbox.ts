/**
 * Sandbox mode (design §8): every enabled provider without a base URL gets its built-in simulator on a
 * loopback port, and the configuration is completed with the simulator's base URL and credentials.
 */
import type { Config, ProviderSettings } from '../config/index.js';
import type { ProviderAdapter } from './core/provider.js';
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
      const simulator = await adapter.simulator(options(settings.id));
      simulators.set(settings.id, simulator);
      providers.push(Object.freeze({ ...settings, baseUrl: simulator.baseUrl, env: Object.freeze({ ...settings.env, ...simulator.env }) }));
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
