/**
 * The upstream quota of one provider (`<P>_RATE_LIMIT_PER_SECOND`): a token bucket from `limiter` in front of
 * every request the gateway puts on the wire, retries included.
 *
 * The bucket holds one token and drips one every `1000 / quota` ms (plus a small margin), so requests are paced
 * evenly: no one-second window, however it is aligned, holds more than the quota. A bucket as deep as the quota
 * would allow a burst of N followed by the steady N per second, nearly 2N in one sliding second.
 *
 * Waiters queue here rather than in `limiter`'s own `removeTokens`, whose waiters sleep and poll independently
 * (no order, no deadline): one queue per caller, served in turn. A lookup that could only get a slot after its
 * deadline is refused at once with `provider-unavailable` and the seconds until the slot it would have had.
 */
import { TokenBucket } from 'limiter';
import { GatewayError } from './problems.js';

/**
 * Slots are spaced `(1000 ms + 100 ms) / quota` apart: the time between granting a slot and the request reaching
 * the upstream (a new connection, a busy event loop) varies, and quota + 1 requests must not fit into one of the
 * upstream's seconds even if the first of them was delayed by up to 100 ms.
 */
const SKEW_ALLOWANCE_MS = 100;

/** What the pipeline asks of a provider's quota; in memory by default, shared by the fleet when plugged in. */
export interface UpstreamQuota {
  readonly perSecond: number;
  /**
   * Waits for a slot for `callerKey`'s request; resolves with the milliseconds waited. Throws `provider-unavailable`
   * (refused before the wire) when the slot would come after `latestStart`.
   */
  acquire(latestStart: number, callerKey: string): Promise<number>;
  /** Lookups queued for a slot now (for readiness and metrics). */
  readonly waiting: number;
}

/** The refusal when no slot comes in time: the upstream was not called, and the caller may come back then. */
export function quotaRefusal(provider: string, perSecond: number, retryAfterSeconds: number): GatewayError {
  return new GatewayError('provider-unavailable', {
    provider,
    detail:
      `The gateway's quota of ${perSecond} request(s) per second to this provider ` +
      'cannot serve the lookup within its deadline.',
    retryAfterSeconds,
    refusedBeforeWire: true,
  });
}

interface Waiter {
  resolve: () => void;
  reject: (error: GatewayError) => void;
  timer: NodeJS.Timeout;
}

/**
 * The quota of one process: a token bucket of one, paced evenly, whose slots go to waiting callers in turn (round
 * robin over one queue per caller), so that one caller's flood delays another caller's lookup by about one slot
 * per active caller, not by the length of the flood.
 */
export class LocalQuota implements UpstreamQuota {
  private readonly bucket: TokenBucket;
  readonly spacingMs: number;
  /** One queue per caller with lookups waiting; the Map's order is the order of turns. */
  private readonly queues = new Map<string, Waiter[]>();
  private count = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly provider: string,
    readonly perSecond: number,
  ) {
    this.spacingMs = (1000 + SKEW_ALLOWANCE_MS) / perSecond;
    this.bucket = new TokenBucket({ bucketSize: 1, tokensPerInterval: 1, interval: this.spacingMs });
    // The first request after start goes at once.
    this.bucket.content = 1;
  }

  async acquire(latestStart: number, callerKey: string): Promise<number> {
    if (this.count === 0 && this.bucket.tryRemoveTokens(1)) return 0;
    const now = Date.now();
    const slotAt = this.slotAtFor(callerKey, now);
    if (slotAt > latestStart) throw this.refusal(slotAt - now);
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        // Callers that arrived later may take turns ahead of this one: past its latest start, it leaves the queue.
        timer: setTimeout(() => this.expire(callerKey, waiter), Math.max(1, latestStart - now)),
      };
      const queue = this.queues.get(callerKey);
      if (queue) queue.push(waiter);
      else this.queues.set(callerKey, [waiter]);
      this.count += 1;
      this.drain();
    });
    return Date.now() - now;
  }

  get waiting(): number {
    return this.count;
  }

  /**
   * When a newcomer of `callerKey` would get its slot: after the next token and one spacing per waiter served
   * before it: its caller's own queue, and from every other caller at most one more than that per round.
   */
  private slotAtFor(callerKey: string, now: number): number {
    this.bucket.drip();
    const untilToken = Math.max(0, (1 - this.bucket.content) * this.spacingMs);
    const own = this.queues.get(callerKey)?.length ?? 0;
    let ahead = own;
    for (const [key, queue] of this.queues) if (key !== callerKey) ahead += Math.min(queue.length, own + 1);
    return now + untilToken + ahead * this.spacingMs;
  }

  /** The caller whose turn it is gives up its first waiter and goes to the end of the turns. */
  private next(): Waiter | undefined {
    const turn = this.queues.entries().next();
    if (turn.done) return undefined;
    const [key, queue] = turn.value;
    this.queues.delete(key);
    const waiter = queue.shift();
    if (queue.length > 0) this.queues.set(key, queue);
    if (waiter) {
      this.count -= 1;
      clearTimeout(waiter.timer);
    }
    return waiter;
  }

  private expire(callerKey: string, waiter: Waiter): void {
    const queue = this.queues.get(callerKey);
    const index = queue?.indexOf(waiter) ?? -1;
    if (!queue || index < 0) return;
    queue.splice(index, 1);
    if (queue.length === 0) this.queues.delete(callerKey);
    this.count -= 1;
    waiter.reject(this.refusal(this.count * this.spacingMs));
  }

  private refusal(waitMs: number): GatewayError {
    return quotaRefusal(this.provider, this.perSecond, Math.max(1, Math.ceil(waitMs / 1000)));
  }

  private drain(): void {
    if (this.timer) return;
    while (this.count > 0 && this.bucket.tryRemoveTokens(1)) this.next()?.resolve();
    if (this.count === 0) return;
    const untilToken = Math.max(1, Math.ceil((1 - this.bucket.content) * this.spacingMs));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, untilToken);
  }
}
