/**
 * Process entry: load the configuration, start sandbox simulators for providers without a base URL, listen,
 * and shut down cleanly on SIGTERM/SIGINT.
 */
import type { AddressInfo } from 'node:net';
import { ConfigError, environment, loadConfig } from '../config/index.js';
import { adapters } from '../providers/index.js';
import { buildApp, buildOperatorApp } from './app.js';
import { createLogger, type Logger } from './core/logger.js';
import { createGatewayServer } from './http-server.js';
import { ProcessLifecycle } from './middleware/draining.js';
import { startTracing } from './core/tracing.js';
import { startSandbox } from './sandbox.js';
import { createServices } from './services.js';

const flushed = (logger: Logger) => new Promise<void>((resolve) => logger.flush(() => resolve()));

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
  const logger = createLogger({ level: loaded.logLevel, adapters, pretty: sandboxed && process.stdout.isTTY });
  const sandbox = await startSandbox(loaded, adapters);
  const config = sandbox.config;
  const tracing = await startTracing(config.otlpEndpoint, config.version);
  if (tracing) logger.info({ endpoint: config.otlpEndpoint }, 'tracing: spans exported over OTLP/HTTP');
  const services = createServices(config, adapters, logger);
  const lifecycle = new ProcessLifecycle();
  const app = buildApp(services, { lifecycle });

  const server = createGatewayServer(app, config.security).listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  // The operator port (metrics, readiness detail): for the cluster only, never published through the API gateway.
  const operator =
    config.metricsPort === undefined
      ? undefined
      : createGatewayServer(buildOperatorApp(services, { lifecycle }), config.security).listen(
          config.metricsPort,
          config.host,
        );
  if (operator) {
    await new Promise<void>((resolve, reject) => {
      operator.once('listening', resolve);
      operator.once('error', reject);
    });
  }
  // The search index's crawl of every provider that can list: now, then every INDEX_CRAWL_INTERVAL_SECONDS.
  services.linking.crawler.start();
  // Graceful shutdown: readiness turns 503, the listener stops accepting, in-flight requests finish (their
  // answers close the connection), then keep-alive agents, simulators and the span exporter close.
  const stop = async (exitCode: number) => {
    operator?.closeAllConnections();
    operator?.close();
    await services.close();
    await sandbox.close();
    await tracing?.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'tracing: final export failed'));
    // Lines go to stdout synchronously, but the sandbox's pretty printer is a worker thread: let the lines of the
    // last requests land before 'stopped', and that one before the exit.
    await flushed(logger);
    logger.info({ exitCode }, 'stopped');
    await flushed(logger);
    process.exit(exitCode);
  };
  const shutdown = (signal: string) => {
    if (lifecycle.shuttingDown) {
      logger.warn({ signal }, 'second signal: stopping without waiting for in-flight requests');
      server.closeAllConnections();
      void stop(1);
      return;
    }
    lifecycle.drain();
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down: draining in-flight requests');
    const deadline = setTimeout(() => {
      logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timeout: closing the connections still open');
      server.closeAllConnections();
      void stop(1);
    }, config.shutdownTimeoutMs);
    server.close(() => {
      clearTimeout(deadline);
      void stop(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  // Announced only once a signal would shut the process down gracefully: a SIGTERM sent on seeing this line
  // (a supervisor, a test) must not find node's default action, which ends the process at once.
  if (operator)
    logger.info(
      { port: (operator.address() as AddressInfo).port },
      'operator port listening: /metrics, /readyz detail',
    );
  logger.info(
    { port, version: config.version, providers: config.providers.map((p) => p.id) },
    'customer-gateway listening',
  );
  for (const [id, simulator] of sandbox.simulators) {
    const adapter = adapters.find((a) => a.id === id);
    logger.info(
      { provider: id, simulator: simulator.baseUrl },
      `sandbox: ${id} answered by its built-in simulator; try: curl -s http://localhost:${port}/customers/${id}/${adapter?.exampleId ?? ''}`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`customer-gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
