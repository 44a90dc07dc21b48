/**
 * The fleet's event bus: one Redis pub/sub channel (`<prefix>events`) that every replica subscribes to.
 * It carries what other replicas must learn at once: a shared load finished or failed (waiters stop waiting),
 * a cache entry was purged (every L1 drops it), a token was refused (every replica drops it).
 *
 * Pub/sub delivers to the replicas connected at that moment and keeps nothing: whoever relies on an event
 * also has a bound on how long it waits for it (lease expiry, deadline), and a replica that starts listening (again)
 * is told so (`onListening`): it may have missed purges while it was away.
 */
import type { CacheKey } from '../core/cache-key.js';
import type { ValueCipher } from './cipher.js';
import { fleetEventSchema, valid } from './stored-shapes.js';
import { RedisUnavailable, type FleetRedis } from './redis.js';

/** A failure of a shared load, as the waiters need it to answer the same problem. */
/** How soon a failed SUBSCRIBE is tried again on a live connection. */
const RESUBSCRIBE_AFTER_MS = 100;

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
      subscriber.subscribe(this.channel).then(
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
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
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
    return this.redis.run('publish', (client) => client.publish(this.channel, this.encode(event)));
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

  /** The message that carries `event` on the channel (sealed when encryption is on). */
  encode(event: FleetEvent): Buffer {
    const json = Buffer.from(JSON.stringify(event));
    // Event payloads name cache keys (customer ids): sealed like cached values when encryption is on.
    return this.cipher ? this.cipher.seal(json, this.channel) : json;
  }

  private decode(message: Buffer): FleetEvent | undefined {
    const plain = this.cipher ? this.cipher.open(message, this.channel) : message;
    if (!plain) return undefined;
    try {
      return valid<FleetEvent>(fleetEventSchema, JSON.parse(plain.toString('utf8')));
    } catch {
      return undefined;
    }
  }
}
