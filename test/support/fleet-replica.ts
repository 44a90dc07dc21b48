/**
 * A Fleet object standing for one replica, on a test's redis-server, with a logger that keeps nothing; and a small
 * cached customer to store through it. For the fleet tests that exercise one mechanism at a time.
 */
import { Writable } from 'node:stream';
import type { FleetConfig, RedisTopology } from '../../config/fleet.js';
import type { CustomerEntry } from '../../src/core/cache.js';
import { systemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { Fleet } from '../../src/fleet/fleet.js';
import type { FleetQuota } from '../../src/fleet/fleet-quota.js';
import { until } from './until.js';

/** A replica on `redis` (a server's URL, or a topology), connected: `keyPrefix` keeps each test file's keys apart. */
export async function fleetReplica(
  redis: string | RedisTopology,
  settings: Partial<FleetConfig> & { keyPrefix: string },
): Promise<Fleet> {
  const logger = createLogger({
    level: 'silent',
    adapters: [],
    destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
  });
  const fleet = new Fleet(
    {
      redis: typeof redis === 'string' ? { kind: 'single', url: redis } : redis,
      timeoutMs: 2000,
      size: 1,
      encryptionKey: undefined,
      ...settings,
    },
    logger,
    systemClock,
  );
  // Connecting and subscribing usually take milliseconds; the bound is for a loaded machine.
  await until(() => fleet.health === 'up' && fleet.events.listening, 15_000);
  return fleet;
}

/**
 * `quota` once its own connection to Redis has answered (its first word, sent when it is made). Until then a slot
 * request finds that connection not ready and takes its slot from the replica's own share, as it should: a test of
 * the fleet's schedule, or of a script Redis refuses, must not start before.
 */
export async function answering(quota: FleetQuota): Promise<FleetQuota> {
  await until(() => quota.scheduleRate !== undefined, 15_000);
  return quota;
}

/** A customer entry fetched now, fresh for `freshMs`, then stale for `staleMs` more. */
export function storedCustomer(id: string, freshMs = 60_000, staleMs = 60_000): CustomerEntry {
  const now = systemClock.now();
  const view = { data: JSON.stringify({ id: `tango:${id}` }), etag: '"v.m"', clearNationalId: false };
  return {
    kind: 'customer',
    version: 'v',
    rawText: '{}',
    fetchedAt: now,
    freshUntil: now + freshMs,
    staleUntil: now + freshMs + staleMs,
    bytes: 2,
    masked: view,
    clear: view,
  };
}
