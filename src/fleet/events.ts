/**
 * The fleet's event bus: one Redis pub/sub channel (`<prefix>events`) that every replica subscribes to.
 * It carries what other replicas must learn at once: a shared load finished or failed (waiters stop waiting),
 * a cache entry was purged (every L1 drops it), a token was refused (every replica drops it).
 *
 * In a Redis Cluster the channel is a sharded one (`SSUBSCRIBE`/`SPUBLISH`, Redis 7): every replica subscribes on
 * the node that serves the channel's slot, so the count `SPUBLISH` answers is every replica listening, as
 * `PUBLISH` answers on one server. (A Cluster's plain `PUBLISH` reaches every node but counts only the
 * publishing node's own subscribers: a purge could not tell whether it reached the fleet.)
 *
 * Pub/sub delivers to the replicas connected at that moment and keeps nothing: whoever relies on an event
 * also has a bound on how long it waits for it (lease expiry, deadline), and a replica that starts listening (again)
 * is told so (`onListening`): it may have missed purges while it was away.
 */
import { randomBytes } from 'node:crypto';
import type { CacheKey } from '../core/cache-key.js';
import type { ValueCipher } from './cipher.js';
import { fleetEventSchema, valid } from './stored-shapes.js';
import { RedisUnavailable, type FleetRedis } from './redis.js';

/** A failure of a shared load, as the waiters need it to answer the same problem. */
/** How soon a failed SUBSCRIBE is tried again on a live connection. */
const RESUBSCRIBE_AFTER_MS = 100;
/**
 * An event is taken within this long of its sending, by the receiver's clock: pub/sub delivers in milliseconds, and
 * the margin covers replicas' clocks a little apart.
 */
const EVENT_WINDOW_MS = 30_000;

export interface SharedFailure {
  code: string;
  detail: string;
  provider?: string;
  upstreamStatus?: number;
  retryAfterSeconds?: number;
  /** The failure says the upstream is unwell (the waiters remember it briefly, as the holder does). */
  unwell?: boolean;
}

export type FleetEvent =
  /** The lease holder of `name` stored its result: read it. */
  | { t: 'done'; name: string }
  /** The lease holder of `name` failed with this problem. */
  | { t: 'failed'; name: string; failure: SharedFailure }
  /** Drop this cache key from every L1. */
  | { t: 'purge'; key: CacheKey }
  /** The token of `credential` whose digest is `token` was refused by the upstream: drop it. */
  | { t: 'token'; credential: string; token: string };

type Named = Extract<FleetEvent, { name: string }>;

export class FleetEvents {
  /** The channel's name in Redis (`<prefix>events`). */
  readonly channel: string;
  private readonly handlers = new Set<(event: FleetEvent) => void>();
  private readonly listeningHandlers = new Set<(again: boolean) => void>();
  private listenedBefore = false;
  private readonly waiters = new Map<string, Set<(event: Named) => void>>();
  private subscribed = false;
  /** Nonces of the events taken within the replay window, oldest first, with when each may be forgotten. */
  private readonly nonces = new Map<string, number>();

  constructor(
    private readonly redis: FleetRedis,
    private readonly cipher: ValueCipher | undefined,
  ) {
    this.channel = redis.key('events');
    const { subscriber } = redis;
    // Subscribe on every (re)connection; SUBSCRIBE to a channel already subscribed is harmless. A SUBSCRIBE that
    // failed (timed out against a server still starting) leaves the connection ready but deaf, and no new 'ready'
    // comes to fix it: try again shortly for as long as the connection stays up.
    const subscribe = (): void => {
      (redis.cluster ? subscriber.ssubscribe(this.channel) : subscriber.subscribe(this.channel)).then(
        () => {
          if (this.subscribed) return;
          this.subscribed = true;
          const again = this.listenedBefore;
          this.listenedBefore = true;
          for (const handler of this.listeningHandlers) handler(again);
        },
        () => {
          this.subscribed = false;
          redis.clock.setTimer(RESUBSCRIBE_AFTER_MS, () => {
            if (subscriber.status === 'ready' && !this.subscribed) subscribe();
          });
        },
      );
    };
    subscriber.on('ready', subscribe);
    subscriber.on('close', () => (this.subscribed = false));
    subscriber.on(redis.cluster ? 'smessageBuffer' : 'messageBuffer', (channel: Buffer, message: Buffer) => {
      if (channel.toString() !== this.channel) return;
      const event = this.decode(message);
      if (event) this.dispatch(event);
    });
  }

  /** Whether events published now will reach this replica. */
  get listening(): boolean {
    return this.subscribed && this.redis.subscriber.status === 'ready';
  }

  /**
   * Publishes to every replica (this one included); resolves with the number of replicas listening that got it.
   * Throws `RedisUnavailable` when Redis is.
   */
  async publish(event: FleetEvent): Promise<number> {
    const message = this.encode(event);
    return this.redis.run('publish', async (client) =>
      // ioredis types SPUBLISH's reply as unknown: it is the count of subscribers that got it, as PUBLISH's.
      Number(
        this.redis.cluster ? await client.spublish(this.channel, message) : await client.publish(this.channel, message),
      ),
    );
  }

  /** Publishes, and says whether it reached Redis, for callers that carry on either way. */
  async tryPublish(event: FleetEvent): Promise<boolean> {
    try {
      await this.publish(event);
      return true;
    } catch (error) {
      if (error instanceof RedisUnavailable) return false;
      throw error;
    }
  }

  on(handler: (event: FleetEvent) => void): void {
    this.handlers.add(handler);
  }

  /**
   * Called each time this replica starts listening to the channel: at start (`again` false) and after every gap
   * (its event connection was lost or its subscription failed), when events published meanwhile never reached it.
   */
  onListening(handler: (again: boolean) => void): void {
    this.listeningHandlers.add(handler);
  }

  /**
   * The next `done` or `failed` event for `name`, or undefined after `ms`. Register before checking the state
   * the event would announce, so that an event published in between is not missed.
   */
  next(name: string, ms: number): { event: Promise<Named | undefined>; cancel: () => void } {
    let waiters = this.waiters.get(name);
    if (!waiters) this.waiters.set(name, (waiters = new Set()));
    const set = waiters;
    let settle: (event: Named | undefined) => void = () => undefined;
    const event = new Promise<Named | undefined>((resolve) => (settle = resolve));
    const timer = this.redis.clock.setTimer(Math.max(0, ms), () => finish(undefined));
    const finish = (value: Named | undefined) => {
      timer.cancel();
      set.delete(finish);
      if (set.size === 0 && this.waiters.get(name) === set) this.waiters.delete(name);
      settle(value);
    };
    set.add(finish);
    return { event, cancel: () => finish(undefined) };
  }

  private dispatch(event: FleetEvent): void {
    if (event.t === 'done' || event.t === 'failed') {
      for (const waiter of [...(this.waiters.get(event.name) ?? [])]) waiter(event);
    }
    for (const handler of this.handlers) handler(event);
  }

  /**
   * The message that carries `event` on the channel (sealed when encryption is on), with when it was sent and a
   * nonce: sealed, what the event is about cannot be changed, and with these it cannot be sent again later either
   * (whoever can publish on the channel could otherwise replay an old token or failure to every replica).
   */
  encode(event: FleetEvent): Buffer {
    const json = Buffer.from(
      JSON.stringify({ ...event, at: this.redis.clock.now(), n: randomBytes(12).toString('base64url') }),
    );
    // Event payloads name cache keys (customer ids): sealed like cached values when encryption is on.
    return this.cipher ? this.cipher.seal(json, this.channel) : json;
  }

  private decode(message: Buffer): FleetEvent | undefined {
    const plain = this.cipher ? this.cipher.open(message, this.channel) : message;
    if (!plain) return undefined;
    let event: (FleetEvent & { at: number; n: string }) | undefined;
    try {
      event = valid(fleetEventSchema, JSON.parse(plain.toString('utf8')));
    } catch {
      return undefined;
    }
    if (!event || !this.fresh(event.at, event.n)) return undefined;
    const { at: _at, n: _n, ...rest } = event;
    return rest;
  }

  /** Sent within the replay window (either way: replicas' clocks differ a little), and not seen before. */
  private fresh(at: number, nonce: string): boolean {
    const now = this.redis.clock.now();
    if (Math.abs(now - at) > EVENT_WINDOW_MS) return false;
    for (const [seen, until] of this.nonces) {
      if (until > now) break;
      this.nonces.delete(seen);
    }
    if (this.nonces.has(nonce)) return false;
    this.nonces.set(nonce, now + 2 * EVENT_WINDOW_MS);
    return true;
  }
}
