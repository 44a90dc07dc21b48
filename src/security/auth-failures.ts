/**
 * Failed authentications are throttled per source address: past `GATEWAY_AUTH_FAILURES_PER_MINUTE` failures
 * in a one-minute window, that source is answered `rate-limited` before any credential it sends is checked,
 * so that keys and tokens cannot be guessed at speed. The source is `req.ip`, which honours `TRUST_PROXY` (a
 * hop count or the proxies' addresses): behind the API gateway each client is its own source, and one
 * client's failures do not lock out another.
 *
 * Synchronous on purpose: every authenticated request asks, and most sources have never failed.
 */
import type { Request } from 'express';
import { LRUCache } from 'lru-cache';
import { GatewayError } from '../core/problems.js';
import { addressKey } from './rate-limit.js';

const WINDOW_MS = 60_000;

interface Window {
  failures: number;
  startedAt: number;
}

export class AuthFailureThrottle {
  /** Sources with recent failures only; the oldest are forgotten first when too many sources fail at once. */
  private readonly windows = new LRUCache<string, Window>({ max: 50_000 });
  /** When any source last failed: every window has ended a minute after it. */
  private lastFailureAt = -Infinity;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws `rate-limited` when this source has failed too often in its current window. */
  check(req: Request): void {
    // No failure in the last window from anywhere: no source can be over, and its address need not even be read.
    if (this.perMinute === 0 || this.now() - this.lastFailureAt >= WINDOW_MS) return;
    const window = this.current(sourceOf(req));
    if (window && window.failures >= this.perMinute) {
      const retryAfterSeconds = Math.max(1, Math.ceil((window.startedAt + WINDOW_MS - this.now()) / 1000));
      throw new GatewayError('rate-limited', {
        retryAfterSeconds,
        detail: `Too many failed authentications from this address; try again in ${retryAfterSeconds} s.`,
      });
    }
  }

  /** Counts one failed authentication against the request's source. */
  failed(req: Request): void {
    if (this.perMinute === 0) return;
    this.lastFailureAt = this.now();
    const source = sourceOf(req);
    const window = this.current(source);
    if (window) window.failures += 1;
    else this.windows.set(source, { failures: 1, startedAt: this.now() });
  }

  private current(source: string): Window | undefined {
    const window = this.windows.get(source);
    return window && this.now() - window.startedAt < WINDOW_MS ? window : undefined;
  }
}

const sourceOf = (req: Request): string => addressKey(req.ip ?? req.socket.remoteAddress ?? '');
