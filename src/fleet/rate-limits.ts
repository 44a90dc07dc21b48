/**
 * Per-client inbound rate limits for the fleet: rate-limiter-flexible's Redis store, so that a client's budget
 * is the same however many replicas answer it. Its in-memory limiter is the insurance: while Redis is
 * unavailable each replica counts on its own (a client may then get up to FLEET_SIZE times its budget:
 * refusing legitimate callers because the gateway's own Redis is down would be worse).
 *
 * The counting keys hold a keyed digest of the client's name or address, never the name or address itself.
 */
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { keyDigest, type ValueCipher } from './cipher.js';
import type { FleetRedis } from './redis.js';

/** RateLimiterRedis with digested keys; the insurance limiter (memory) still gets the plain key. */
class DigestKeyRateLimiterRedis extends RateLimiterRedis {
  cipher: ValueCipher | undefined;

  override getKey(key: string | number): string {
    return super.getKey(keyDigest(this.cipher, String(key)));
  }
}

export function fleetRateLimiter(
  redis: FleetRedis,
  cipher: ValueCipher | undefined,
  points: number,
  durationSeconds: number,
): RateLimiterAbstract {
  const limiter = new DigestKeyRateLimiterRedis({
    storeClient: redis.client,
    keyPrefix: redis.key('rl', String(points), String(durationSeconds)),
    points,
    duration: durationSeconds,
    // Not connected: straight to the insurance, without waiting for a command to fail.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ points, duration: durationSeconds }),
  });
  limiter.cipher = cipher;
  return limiter;
}
