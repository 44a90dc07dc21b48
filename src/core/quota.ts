/**
 * The upstream quota of one provider (`<P>_RATE_LIMIT_PER_SECOND`): a token bucket from `limiter` in front of
 * every request the gateway puts on the wire, retries included.
 *
 * The bucket holds one token and drips one every `1000 / quota` ms (plus a small margin), so requests are paced
 * evenly: no one-second window, however it is aligned, holds more than the quota. A bucket as deep as the quota
 * would allow a burst of N followed by the steady N per second, nearly 2N in one sliding second.
 *
 * Waiters queue FIFO here rather than in `limiter`'s own `removeTokens`, whose waiters sleep and poll
 * independently (no order, no deadline). A lookup that could only get a slot after its deadline is refused at
 * once with `provider-unavailable` and the seconds until the slot it would have had.
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

/** The quota of one process: a token bucket of one, paced evenly. */
export class LocalQuota implements UpstreamQuota {
  private readonly bucket: TokenBucket;
  readonly spacingMs: number;
  private readonly waiters: (() => void)[] = [];
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

  async acquire(latestStart: number): Promise<number> {
    if (this.waiters.length === 0 && this.bucket.tryRemoveTokens(1)) return 0;
    const slotAt = this.nextSlotAt();
    if (slotAt > latestStart) {
      throw quotaRefusal(this.provider, this.perSecond, Math.max(1, Math.ceil((slotAt - Date.now()) / 1000)));
    }
    const queuedAt = Date.now();
    await new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      this.drain();
    });
    return Date.now() - queuedAt;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** When a newcomer would get its slot: after the next token and one spacing per waiter ahead of it. */
  private nextSlotAt(): number {
    this.bucket.drip();
    const untilToken = Math.max(0, (1 - this.bucket.content) * this.spacingMs);
    return Date.now() + untilToken + this.waiters.length * this.spacingMs;
  }

  private drain(): void {
    if (this.timer) return;
    while (this.waiters.length > 0 && this.bucket.tryRemoveTokens(1)) this.waiters.shift()?.();
    if (this.waiters.length === 0) return;
    const untilToken = Math.max(1, Math.ceil((1 - this.bucket.content) * this.spacingMs));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, untilToken);
  }
}
