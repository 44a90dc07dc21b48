/**
 * A real Sentinel setup for tests: a primary, one replica (`--replicaof`) and one or three sentinels
 * (`redis-server <conf> --sentinel`), all on loopback ports. Ready once the replica's link to the primary is up and
 * every sentinel names the primary and knows the replica (polled, not slept for): a sentinel that has not yet seen
 * the replica could not promote it.
 */
import { Redis } from 'ioredis';
import type { RedisTopology } from '../../config/fleet.js';
import { TestRedis } from './redis-server.js';
import { until } from './until.js';

export const MASTER_NAME = 'cgw-primary';
/**
 * How long a sentinel waits without an answer before it calls the primary down: short, so that a test's failover
 * takes seconds (production setups use 5-30 s).
 */
export const DOWN_AFTER_MS = 1000;

export class TestRedisSentinel {
  private constructor(
    readonly primary: TestRedis,
    readonly replica: TestRedis,
    readonly sentinels: readonly TestRedis[],
  ) {}

  static async start(sentinelCount: 1 | 3 = 1): Promise<TestRedisSentinel> {
    const primary = await TestRedis.start();
    const replica = await TestRedis.start(['--replicaof', '127.0.0.1', String(primary.port)]);
    const started: TestRedis[] = [primary, replica];
    try {
      await until(async () => /master_link_status:up/.test(await info(replica.port, 'replication')), 10_000, 50);
      const quorum = Math.ceil((sentinelCount + 1) / 2);
      const sentinels = await Promise.all(
        Array.from({ length: sentinelCount }, () =>
          TestRedis.startSentinel([
            `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primary.port} ${quorum}`,
            `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
            `sentinel failover-timeout ${MASTER_NAME} 10000`,
            `sentinel parallel-syncs ${MASTER_NAME} 1`,
          ]),
        ),
      );
      started.push(...sentinels);
      const set = new TestRedisSentinel(primary, replica, sentinels);
      // A sentinel learns of the replica from the primary's INFO, asked at once on connecting and every 10 s after.
      await until(() => set.everySentinelReady(), 15_000, 50);
      return set;
    } catch (error) {
      await Promise.all(started.map((server) => server.stop()));
      throw error;
    }
  }

  get topology(): RedisTopology {
    return {
      kind: 'sentinel',
      sentinels: this.sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port })),
      name: MASTER_NAME,
      password: undefined,
      tls: false,
    };
  }

  /** `REDIS_SENTINELS` and `REDIS_SENTINEL_NAME` for a gateway's environment. */
  get env(): Record<string, string> {
    return {
      REDIS_SENTINELS: this.sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`).join(','),
      REDIS_SENTINEL_NAME: MASTER_NAME,
    };
  }

  /** The port of the primary as every sentinel names it; undefined while they disagree or one does not answer. */
  async primaryPort(): Promise<number | undefined> {
    const ports = await Promise.all(
      this.sentinels.map((sentinel) =>
        ask(sentinel.port, ['SENTINEL', 'get-master-addr-by-name', MASTER_NAME])
          .then((reply) => (Array.isArray(reply) ? Number(reply[1]) : undefined))
          .catch(() => undefined),
      ),
    );
    return ports.every((port) => port === ports[0]) ? ports[0] : undefined;
  }

  async stop(): Promise<void> {
    await Promise.all([this.primary, this.replica, ...this.sentinels].map((server) => server.stop()));
  }

  private async everySentinelReady(): Promise<boolean> {
    if ((await this.primaryPort()) !== this.primary.port) return false;
    const known = await Promise.all(
      this.sentinels.map((sentinel) =>
        ask(sentinel.port, ['SENTINEL', 'replicas', MASTER_NAME])
          .then((reply) => Array.isArray(reply) && JSON.stringify(reply).includes(String(this.replica.port)))
          .catch(() => false),
      ),
    );
    return known.every(Boolean);
  }
}

/** One command on a short-lived connection (to a server or a sentinel). */
export async function ask(port: number, command: readonly string[]): Promise<unknown> {
  const client = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const [name, ...args] = command;
    return await client.call(name ?? 'PING', ...args);
  } finally {
    client.disconnect();
  }
}

async function info(port: number, section: string): Promise<string> {
  return String(await ask(port, ['INFO', section]).catch(() => ''));
}
