/**
 * A real Redis Cluster for tests: three primaries (no replicas) on loopback ports, each a redis-server with
 * `--cluster-enabled yes`, joined and given the 16384 slots by `redis-cli --cluster create`. Ready once every
 * node says `cluster_state:ok` and agrees on who serves each slot (polled, not slept for).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import type { RedisTopology } from '../../config/fleet.js';
import { TestRedis } from './redis-server.js';
import { until } from './until.js';

const run = promisify(execFile);
const REDIS_CLI = process.env.REDIS_CLI_BIN ?? '/usr/bin/redis-cli';

export class TestRedisCluster {
  private constructor(readonly nodes: readonly TestRedis[]) {}

  static async start(size = 3): Promise<TestRedisCluster> {
    const nodes = await Promise.all(
      Array.from({ length: size }, () =>
        // A short node timeout: the tests have no failover here, and a cluster forms sooner with it.
        TestRedis.start([
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '2000',
        ]),
      ),
    );
    const cluster = new TestRedisCluster(nodes);
    try {
      await run(REDIS_CLI, [
        '--cluster',
        'create',
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      // The slots are assigned at once; the nodes learn of each other over the cluster bus within a second or so.
      await until(() => cluster.everyNodeOk(), 20_000, 50);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get topology(): RedisTopology {
    return {
      kind: 'cluster',
      nodes: this.nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
      password: undefined,
      tls: false,
    };
  }

  /** `REDIS_CLUSTER_NODES` for a gateway's environment. */
  get env(): string {
    return this.nodes.map((node) => `127.0.0.1:${node.port}`).join(',');
  }

  /** A plain connection to one node, for CLUSTER commands and inspection. */
  node(i: number): Redis {
    const node = this.nodes[i];
    if (!node) throw new Error(`no node ${i}`);
    return new Redis(node.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
  }

  private async everyNodeOk(): Promise<boolean> {
    const answers = await Promise.all(
      this.nodes.map(async (_, i) => {
        const client = this.node(i);
        try {
          await client.connect();
          const info = String(await client.call('CLUSTER', 'INFO'));
          const known = Number(/cluster_known_nodes:(\d+)/.exec(info)?.[1] ?? 0);
          return info.includes('cluster_state:ok') && known === this.nodes.length;
        } catch {
          return false;
        } finally {
          client.disconnect();
        }
      }),
    );
    return answers.every(Boolean);
  }
}
