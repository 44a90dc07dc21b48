/**
 * One load per name for the whole fleet: the replica that takes a short Redis lease (`SET NX PX`) loads; the
 * others wait for its `done` event and read the result it stored. The holder renews the lease while it works,
 * so a lease outlives a slow load but not a dead holder: when the holder dies, its lease expires within
 * `LEASE_MS` and a waiter takes over. Waiting never outlasts the caller's deadline.
 *
 * Redis unavailable: the replica loads on its own (its in-process coalescing still holds).
 */
import { randomUUID } from 'node:crypto';
import type { ClockTimer } from '../core/clock.js';
import type { Deadline } from '../core/deadline.js';
import type { FleetEvents, SharedFailure } from './events.js';
import { RedisUnavailable, type FleetRedis } from './redis.js';

/** How long a lease lives without renewal: the longest a dead holder can keep the others waiting. */
export const LEASE_MS = 2000;
/** Renewed this often while the holder loads (three chances before it would expire). */
const RENEW_MS = LEASE_MS / 3;
/**
 * The longest a waiter trusts pub/sub alone before it checks the lease and the stored result itself. Events
 * are the normal path; this bounds the wait when one is lost (a subscriber that was reconnecting).
 */
const RECHECK_MS = 500;

/**
 * The lease's value is its holder's token. Deletes the lease only if this holder still owns it (it may have expired
 * and been taken over, or been ended by a purge).
 */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
/** Deletes a lease that has no expiry (no replica sets one: junk written over it), only if it still has none. */
const DROP_JUNK = `if redis.call('PTTL', KEYS[1]) == -1 then return redis.call('DEL', KEYS[1]) end return 0`;

/** The lease of the load named `name`: in the unit (hash slot) of what it loads, so a script can check both. */
export function leaseKeyOf(redis: FleetRedis, name: string): string {
  return redis.key('lease', redis.unit(name));
}

export interface SharedLoad<T> {
  /** The result another replica stored, if it is there and usable; undefined otherwise. */
  read: () => Promise<T | undefined>;
  /**
   * Loads and stores the result where `read` finds it (the lease holder only), with the lease's token: the store
   * writes only while the token still holds the lease. Undefined when Redis was unavailable (no lease).
   */
  load: (token?: string) => Promise<T>;
  /** How a failure of the holder travels to the waiters; undefined: not shared (the waiters take over). */
  share: (error: unknown) => SharedFailure | undefined;
  /** The error a waiter throws for a failure the holder shared. */
  rebuild: (failure: SharedFailure) => Error;
  /** The error a waiter throws when its deadline passes while another replica still loads. */
  timeout: () => Error;
}

export interface SharedResult<T> {
  value: T;
  /** `loaded`: this replica loaded it; `joined`: another replica did; `alone`: Redis was unavailable. */
  by: 'loaded' | 'joined' | 'alone';
}

export class FleetCoalescer {
  constructor(
    private readonly redis: FleetRedis,
    private readonly events: FleetEvents,
  ) {}

  async run<T>(name: string, deadline: Deadline, work: SharedLoad<T>): Promise<SharedResult<T>> {
    const leaseKey = leaseKeyOf(this.redis, name);
    for (;;) {
      const token = randomUUID();
      let held: boolean;
      try {
        held = (await this.redis.run('set', (c) => c.set(leaseKey, token, 'PX', LEASE_MS, 'NX'))) === 'OK';
      } catch (error) {
        if (!(error instanceof RedisUnavailable)) throw error;
        return { value: await work.load(undefined), by: 'alone' };
      }
      if (held) return { value: await this.hold(name, leaseKey, token, work), by: 'loaded' };

      const joined = await this.wait(name, leaseKey, deadline, work);
      if (joined !== undefined) return { value: joined, by: 'joined' };
      // The lease ended without a result (its holder died, or its result cannot be read): take over.
    }
  }

  private async hold<T>(name: string, leaseKey: string, token: string, work: SharedLoad<T>): Promise<T> {
    // Renewed every RENEW_MS until the load ends (each renewal sets the next).
    let renew: ClockTimer | undefined;
    const renewLater = (): void => {
      renew = this.redis.clock.setTimer(RENEW_MS, () => {
        this.redis.run('eval', (c) => c.eval(RENEW, 1, leaseKey, token, LEASE_MS)).catch(() => undefined);
        renewLater();
      });
    };
    renewLater();
    try {
      const value = await work.load(token);
      await this.events.tryPublish({ t: 'done', name });
      return value;
    } catch (error) {
      const failure = work.share(error);
      // A failure not shared still ends the wait at once: with no result to read, the waiters take over.
      await this.events.tryPublish(failure ? { t: 'failed', name, failure } : { t: 'done', name });
      throw error;
    } finally {
      renew?.cancel();
      await this.redis.run('eval', (c) => c.eval(RELEASE, 1, leaseKey, token)).catch(() => undefined);
    }
  }

  /** Waits for the holder's result; undefined when the lease ended without one (take over). */
  private async wait<T>(
    name: string,
    leaseKey: string,
    deadline: Deadline,
    work: SharedLoad<T>,
  ): Promise<T | undefined> {
    for (;;) {
      const left = deadline.remaining();
      if (left <= 0) throw work.timeout();
      // Listen first, then look: a `done` published between the two is not lost.
      const next = this.events.next(name, Math.min(left, RECHECK_MS));
      let leaseLeft: number;
      try {
        const stored = await work.read();
        if (stored !== undefined) {
          next.cancel();
          return stored;
        }
        leaseLeft = await this.redis.run('pttl', (c) => c.pttl(leaseKey));
      } catch (error) {
        next.cancel();
        if (!(error instanceof RedisUnavailable)) throw error;
        // Redis went away while we waited: the holder cannot store its result for us either.
        return undefined;
      }
      // -2: no lease any more (released or expired) without a result we could read: take over.
      if (leaseLeft === -2) {
        next.cancel();
        return undefined;
      }
      // -1: a lease without expiry, which would hold every waiter to its deadline: junk written over the lease (each
      // replica's lease has one). Dropped, and taken over.
      if (leaseLeft === -1) {
        next.cancel();
        await this.redis.run('eval', (c) => c.eval(DROP_JUNK, 1, leaseKey)).catch(() => undefined);
        return undefined;
      }
      const event = await next.event;
      if (event?.t === 'failed') throw work.rebuild(event.failure);
      if (event?.t === 'done') {
        const stored = await work.read().catch(() => undefined);
        return stored;
      }
      // No event within RECHECK_MS: look again (lease and stored result), still bounded by the deadline.
    }
  }
}
