/**
 * One gateway replica in a process of its own (forked by test/support/replicas.ts, compiled): the configuration from
 * its environment, real upstreams (no sandbox), listening on a loopback port that it reports over IPC.
 */
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../config/index.js';
import { adapters } from '../../providers/index.js';
import { buildApp } from '../../src/app.js';
import { createLogger } from '../../src/core/logger.js';
import { createGatewayServer } from '../../src/http-server.js';
import { createServices } from '../../src/services.js';

const config = loadConfig(process.env, adapters);
const services = createServices(config, adapters, createLogger({ level: 'silent', adapters }));
const server = createGatewayServer(buildApp(services), config.security);
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));
