/**
 * The fleet's Redis connection (ioredis): one connection for commands, one for pub/sub, one for the quota, and the
 * replica's view of Redis's health. Every command goes through `run`, which times it out (`REDIS_TIMEOUT_MS`),
 * counts it in the metrics and turns any failure into `RedisUnavailable`: callers fall back to local state, never
 * to a 5xx.
 *
 * Each of the three is built for the configured topology (redis-clients.ts): one server, a primary found through
 * Sentinel (the client asks the sentinels again on every reconnect, so it follows a promotion), or a Cluster (the
 * client routes each command to the node serving its key's slot). In a Cluster every script's and every
 * transaction's keys must share one slot: `key()` names keys, `unit()` marks the part that picks the slot.
 *
 * Health is `up` or `degraded`. Degraded while the connection is down, and for a short pause after a few
 * commands in a row failed on a live connection (a stalled server): during the pause commands fail at once
 * instead of each waiting out its timeout. Each transition is logged once.
 */
import type { ChainableCommander } from 'ioredis';
import { ReplyError } from 'ioredis';
import type { RedisTopology } from '../../config/fleet.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { connectRedis, type RedisClient } from './redis-clients.js';

export type { RedisClient } from './redis-clients.js';

export type RedisHealth = 'up' | 'degraded';

/** A Redis command did not complete: connection down, timed out, paused, or answered an error. */
export class RedisUnavailable extends Error {
  override name = 'RedisUnavailable';
  constructor(
    readonly command: string,
    cause?: unknown,
  ) {
    super(`redis ${command} failed`, { cause });
  }
}

export interface RedisMetrics {
  redisCommand(command: string, seconds: number, failed: boolean): void;
  redisUp(up: boolean): void;
  redisScriptError?(script: string): void;
}

/**
 * A script Redis refused to run (EVAL refused, junk in its key): the replica falls back to local state for each
 * call, and shows itself degraded for this long after the last refusal, so that it is seen, not silent.
 */
const SCRIPT_ERROR_SHOWN_MS = 60_000;

export interface FleetRedisOptions {
  topology: RedisTopology;
  keyPrefix: string;
  timeoutMs: number;
  logger: Logger;
  metrics?: RedisMetrics;
  /** The replica's one clock, which every fleet mechanism reads through `FleetRedis.clock`. */
  clock: Clock;
}

/** Failed commands in a row on a connected client that mark Redis degraded (a stalled or overloaded server). */
const FAILURES_TO_DEGRADE = 3;
/** How long a degraded replica stops sending commands before it tries again. */
const PAUSE_MS = 1000;
/** The slot script's timeout (at least REDIS_TIMEOUT_MS): a stalled Redis, not a busy replica. */
const QUOTA_TIMEOUT_MS = 1000;

export class FleetRedis {
  /** Regular commands. */
  readonly client: RedisClient;
  /** Pub/sub only: a subscribed connection cannot send other commands. */
  readonly subscriber: RedisClient;
  /**
   * The upstream quota's slot script, on a connection of its own with a longer timeout: its answer is worth
   * waiting for (a lookup waits for its slot anyway), a timed-out call may still have taken a slot, and a busy
   * replica's slow cache reads must not switch the quota to its per-replica fallback while the fleet keeps sharing.
   */
  readonly quotaClient: RedisClient;
  readonly keyPrefix: string;
  /**
   * A Redis Cluster: events go on sharded pub/sub (`SPUBLISH` counts every replica listening, which `PUBLISH`
   * cannot there), and transactions are sent one slot at a time (`transaction`).
   */
  readonly cluster: boolean;
  private state: RedisHealth | 'starting' = 'starting';
  private failures = 0;
  private pausedUntil = 0;
  private scriptFailingUntil = 0;
  private closed = false;
  private readonly listeners = new Set<(health: RedisHealth) => void>();

  constructor(private readonly options: FleetRedisOptions) {
    this.keyPrefix = options.keyPrefix;
    this.cluster = options.topology.kind === 'cluster';
    const timeouts = { commandTimeoutMs: options.timeoutMs };
    this.client = connectRedis(options.topology, { ...timeouts, name: 'customer-gateway' });
    this.subscriber = connectRedis(options.topology, {
      ...timeouts,
      name: 'customer-gateway-events',
      subscriber: true,
    });
    this.quotaClient = connectRedis(options.topology, {
      commandTimeoutMs: Math.max(QUOTA_TIMEOUT_MS, options.timeoutMs),
      name: 'customer-gateway-quota',
    });
    // ioredis emits connection errors as events; without a listener they would be thrown. The transitions
    // below are what gets logged, once each.
    for (const connectionOf of [this.client, this.subscriber, this.quotaClient]) {
      connectionOf.on('error', (error: Error) =>
        options.logger.debug({ err: error.message }, 'redis: connection error'),
      );
      // The clients reconnect for ever; one that ends all the same (an ioredis path that gives up) leaves this replica
      // on its local state until it restarts: said loudly, not left to be found.
      connectionOf.on('end', () => {
        if (!this.closed)
          options.logger.error('redis: a connection ended and will not reconnect; restart this replica to share again');
      });
    }
    this.client.on('ready', () => {
      this.failures = 0;
      this.pausedUntil = 0;
      this.transition('up', 'connected');
    });
    this.client.on('error', () => {
      if (this.state === 'starting') this.transition('degraded', 'cannot connect');
    });
    this.client.on('close', () => {
      if (!this.closed) this.transition('degraded', 'connection lost');
    });
    options.metrics?.redisUp(false);
  }

  get clock(): Clock {
    return this.options.clock;
  }

  /** A key under the fleet's prefix. */
  key(...parts: string[]): string {
    return this.keyPrefix + parts.join(':');
  }

  /**
   * The part of a key that names its unit (one cached customer, one provider's quota, one credential), as a hash
   * tag: a Cluster places a key by the text between its first `{` and `}`, so every key of one unit lands in one
   * slot (its scripts and transactions may touch them together) while different units spread over the nodes.
   * On one server the braces are only characters.
   */
  unit(name: string): string {
    return `{${name}}`;
  }

  get health(): RedisHealth {
    return this.state === 'up' && !this.scriptsFailing ? 'up' : 'degraded';
  }

  /** Whether a script (the quota's) was refused by Redis within the last minute. */
  get scriptsFailing(): boolean {
    return this.clock.now() < this.scriptFailingUntil;
  }

  /** Whether a command may be sent now (connected, and not pausing after failures). */
  get usable(): boolean {
    return this.client.status === 'ready' && this.clock.now() >= this.pausedUntil;
  }

  /** Called on each transition between up and degraded. */
  onHealth(listener: (health: RedisHealth) => void): void {
    this.listeners.add(listener);
  }

  /** Runs one command (or one pipeline) with the fleet's timeout; any failure is `RedisUnavailable`. */
  async run<T>(command: string, send: (client: RedisClient) => Promise<T>): Promise<T> {
    if (!this.usable) throw new RedisUnavailable(command);
    const started = performance.now();
    try {
      const result = await send(this.client);
      this.options.metrics?.redisCommand(command, (performance.now() - started) / 1000, false);
      this.failures = 0;
      if (this.state !== 'up' && this.client.status === 'ready') this.transition('up', 'answering again');
      return result;
    } catch (error) {
      this.options.metrics?.redisCommand(command, (performance.now() - started) / 1000, true);
      this.failures += 1;
      if (this.failures >= FAILURES_TO_DEGRADE && this.client.status === 'ready') {
        this.pausedUntil = this.clock.now() + PAUSE_MS;
        this.failures = 0;
        this.transition('degraded', `${FAILURES_TO_DEGRADE} commands in a row failed`);
      }
      throw new RedisUnavailable(command, error);
    }
  }

  /**
   * Runs the quota's command on its own connection (`quotaClient`): it fails only when that connection is down or
   * Redis does not answer within `QUOTA_TIMEOUT_MS`, whatever the health of the cache's commands.
   */
  async runQuota<T>(send: (client: RedisClient) => Promise<T>): Promise<T> {
    if (this.quotaClient.status !== 'ready') throw new RedisUnavailable('quota');
    const started = performance.now();
    try {
      const result = await send(this.quotaClient);
      this.options.metrics?.redisCommand('quota', (performance.now() - started) / 1000, false);
      return result;
    } catch (error) {
      this.options.metrics?.redisCommand('quota', (performance.now() - started) / 1000, true);
      if (error instanceof ReplyError) this.scriptFailed('quota', error as Error);
      throw new RedisUnavailable('quota', error);
    }
  }

  /**
   * Sends groups of commands, each group's keys in one slot (see `unit`), as one `run`; resolves with each group's
   * replies. On one server (or behind Sentinel) all groups go in one MULTI: atomic together. In a Cluster each group
   * is a MULTI of its own on its node: each group is atomic, the groups together are not. Any failed reply, or an
   * aborted transaction, fails the whole call (`RedisUnavailable`).
   */
  async transaction(command: string, groups: ReadonlyArray<(multi: ChainableCommander) => void>): Promise<unknown[][]> {
    return this.run(command, async (client) => {
      if (!this.cluster) {
        const multi = client.multi();
        const sizes = groups.map((group) => countCommands(multi, group));
        const replies = repliesOf(await multi.exec());
        let at = 0;
        return sizes.map((size) => replies.slice(at, (at += size)));
      }
      return Promise.all(
        groups.map(async (group) => {
          const multi = client.multi();
          group(multi);
          return repliesOf(await multi.exec());
        }),
      );
    });
  }

  /**
   * Sends one command per key at once (reads of several keys), as one `run`; resolves with their replies, in order.
   * On one server (or behind Sentinel) they are one pipeline: one round trip. In a Cluster each is a pipeline of its
   * own, sent together to the nodes of their slots. Any failed reply fails the whole call (`RedisUnavailable`).
   */
  async pipelined(
    command: string,
    commands: ReadonlyArray<(pipeline: ChainableCommander) => void>,
  ): Promise<unknown[]> {
    return this.run(command, async (client) => {
      if (!this.cluster) {
        const pipeline = client.pipeline();
        for (const add of commands) add(pipeline);
        return repliesOf(await pipeline.exec());
      }
      return Promise.all(
        commands.map(async (add) => {
          const pipeline = client.pipeline();
          add(pipeline);
          return repliesOf(await pipeline.exec())[0];
        }),
      );
    });
  }

  /** Closes the connections; resolves once they have ended (or after half a second, whichever comes first). */
  async close(): Promise<void> {
    this.closed = true;
    const ended = (connection: RedisClient) =>
      connection.status === 'end'
        ? Promise.resolve()
        : new Promise<void>((resolve) => connection.once('end', () => resolve()));
    const both = Promise.all([ended(this.client), ended(this.subscriber), ended(this.quotaClient)]);
    this.client.disconnect();
    this.subscriber.disconnect();
    this.quotaClient.disconnect();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([both, new Promise<void>((resolve) => (timer = setTimeout(resolve, 500)))]);
    clearTimeout(timer);
  }

  /** Redis answered the script with an error: counted, logged once a minute at most, and shown in readiness. */
  private scriptFailed(script: string, error: Error): void {
    this.options.metrics?.redisScriptError?.(script);
    if (!this.scriptsFailing)
      this.options.logger.error(
        { script, err: error.message },
        'redis: a script was refused; this replica uses its local fallback for it',
      );
    this.scriptFailingUntil = this.clock.now() + SCRIPT_ERROR_SHOWN_MS;
  }

  private transition(to: RedisHealth, reason: string): void {
    if (this.state === to) return;
    const from = this.state;
    this.state = to;
    this.options.metrics?.redisUp(to === 'up');
    if (to === 'up') this.options.logger.info({ redis: 'up', reason }, 'redis: sharing state with the fleet');
    // A replica that starts without Redis says so too: it serves on its own until Redis answers.
    else
      this.options.logger.warn(
        { redis: 'degraded', reason, was: from },
        'redis: unavailable, serving from local state',
      );
    for (const listener of this.listeners) listener(to);
  }
}

/** Adds `group`'s commands to `multi`; returns how many it added. */
function countCommands(multi: ChainableCommander, group: (multi: ChainableCommander) => void): number {
  const before = multi.length;
  group(multi);
  return multi.length - before;
}

/** The replies of a MULTI or pipeline; the first command that failed, or an aborted transaction, fails the call. */
function repliesOf(results: [error: Error | null, result: unknown][] | null): unknown[] {
  if (!results) throw new Error('redis transaction aborted');
  for (const [error] of results) if (error) throw error;
  return results.map(([, result]) => result);
}
