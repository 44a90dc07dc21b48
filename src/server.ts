/**
 * Process entry: load the configuration, start sandbox simulators for providers without a base URL, listen,
 * and shut down cleanly on SIGTERM/SIGINT.
 */
import type { AddressInfo } from 'node:net';
import { ConfigError, environment, loadConfig } from '../config/index.js';
import { adapters } from '../providers/index.js';
import { buildApp } from './app.js';
import { createLogger } from './core/logger.js';
import { startSandbox } from './sandbox.js';
import { createServices } from './services.js';

async function main(): Promise<void> {
  let loaded;
  try {
    loaded = loadConfig(environment(), adapters);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const sandboxed = loaded.providers.some((p) => !p.baseUrl);
  const logger = createLogger({ level: loaded.logLevel, pretty: sandboxed && process.stdout.isTTY });
  const sandbox = await startSandbox(loaded, adapters);
  const config = sandbox.config;
  const services = createServices(config, adapters, logger);
  const lifecycle = { shuttingDown: false };
  const app = buildApp(services, { lifecycle });

  const server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  logger.info({ port, version: config.version, providers: config.providers.map((p) => p.id) }, 'customer-gateway listening');
  for (const [id, simulator] of sandbox.simulators) {
    const adapter = adapters.find((a) => a.id === id);
    logger.info({ provider: id, simulator: simulator.baseUrl }, `sandbox: ${id} answered by its built-in simulator; try: curl -s http://localhost:${port}/customers/${id}/${adapter?.exampleId ?? ''}`);
  }

  const shutdown = (signal: string) => {
    if (lifecycle.shuttingDown) return;
    lifecycle.shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    server.close(async () => {
      services.close();
      await sandbox.close();
      logger.info('stopped');
      logger.flush();
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`customer-gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
