/**
 * The fleet quota's Lua scripts. Each runs atomically on Redis's own clock (`TIME`), so the replicas' clocks need
 * not agree, and every key of one provider's quota shares a hash slot (the scripts may touch them together in a
 * Cluster).
 *
 * The keys of one provider's quota:
 * - `quota`: the time of the fleet's next free slot (ms on Redis's clock);
 * - `idle`: when background work last had a slot;
 * - `roster`: the replicas taking the fleet's slots, each scored with when it last said so (a sorted set);
 * - `born`: present while the roster is new (Redis started empty, or the fleet was gone for a while).
 *
 * Why a roster: a replica cut off from Redis sends on its own share of the rate, which the fleet's schedule cannot
 * see. So the schedule leaves room for every replica that may be doing that: one whose last word is older than
 * `fresh` but younger than `grace`, and, while the roster is new, every replica of `FLEET_SIZE` not yet heard from.
 * The slots are spaced for what is left: `(1000 + 100) / (rate - absent * share)` ms apart.
 */
import type { RedisClient } from './redis.js';

/** How long a replica counts as taking the fleet's slots after it last said so. */
export const PRESENT_MS = 300;
/**
 * How often a replica says so: three times within `PRESENT_MS`, so that one late word leaves no gap. Also how soon a
 * request that found no rate left asks again (its sender's next word will count).
 */
export const HEARTBEAT_MS = PRESENT_MS / 3;
/**
 * How long a replica that stopped saying so is still counted as maybe sending on its own share, and how long a new
 * roster counts every replica it has not heard from. Past that a replica is taken to be gone (stopped, crashed, or
 * cut off for longer than a fault lasts).
 */
export const ABSENT_GRACE_MS = 30_000;

/** Sets `nowMs`: Redis's own time, in ms. */
const REDIS_NOW = `
local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
`;

/**
 * Sets `nowMs` and `spacing` for the scripts below. ARGV[1..5]: the fleet's rate per second, one replica's share of
 * it when alone, `FLEET_SIZE`, this replica's name, and the latest time (ms on Redis's clock) at which its word
 * still counts (`0`: a probe, which says nothing). A word that reaches Redis after that (a command held by a paused
 * server, or a slow path) is not recorded: by then the replica may be on its own share. `spacing` is `false` when the
 * rate left is nothing (only for a probe, or a word sent before this replica learned Redis's clock).
 */
const SCHEDULE = `${REDIS_NOW}local rate, share, size = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local roster, born = KEYS[2], KEYS[3]
if redis.call('EXISTS', roster) == 0 and redis.call('EXISTS', born) == 0 then
  redis.call('SET', born, tostring(nowMs), 'PX', ${ABSENT_GRACE_MS})
end
if tonumber(ARGV[5]) >= nowMs then redis.call('ZADD', roster, nowMs, ARGV[4]) end
redis.call('ZREMRANGEBYSCORE', roster, '-inf', nowMs - ${ABSENT_GRACE_MS})
redis.call('PEXPIRE', roster, ${ABSENT_GRACE_MS})
local present = redis.call('ZCOUNT', roster, nowMs - ${PRESENT_MS}, '+inf')
local lapsed = redis.call('ZCARD', roster) - present
-- A replica that sent a word is there for its own request even when the word came too late to be recorded (a
-- slow path, a busy replica): otherwise a fleet that is late everywhere would leave itself almost no rate.
local mine = tonumber(redis.call('ZSCORE', roster, ARGV[4]) or '-1')
if tonumber(ARGV[5]) > 0 and mine < nowMs - ${PRESENT_MS} then
  present = present + 1
  if mine >= 0 then lapsed = lapsed - 1 end
end
local absent = math.min(lapsed, size - present)
if redis.call('EXISTS', born) == 1 then absent = size - present end
absent = math.max(0, absent)
local left = rate - absent * share
local spacing = false
if left > 0 then spacing = 1100 / left end
left = string.format('%.3f', math.max(0, left))
`;

/**
 * KEYS: quota, roster, born. ARGV[1..5] as in SCHEDULE, then the longest acceptable wait ms and the shortest wait
 * ms. Returns {status, wait ms, Redis's time ms, the rate the schedule runs at}: status 1 granted (the next free slot
 * moves on by one spacing), 0 refused (the slot is further away than the longest wait), 2 none now (no rate left:
 * ask again after `wait`).
 */
const NEXT_SLOT = `${SCHEDULE}
if not spacing then return {2, ${HEARTBEAT_MS}, nowMs, left} end
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(nowMs + tonumber(ARGV[7]), free)
local wait = slot - nowMs
if wait > tonumber(ARGV[6]) then return {0, math.ceil(wait), nowMs, left} end
local nextFree = slot + spacing
redis.call('SET', KEYS[1], string.format('%.3f', nextFree), 'PX', math.ceil(nextFree - nowMs) + 1000)
return {1, math.ceil(wait), nowMs, left}
`;

/**
 * KEYS: quota, roster, born, idle. ARGV[1..5] as in SCHEDULE, then the share of the rate background work may use.
 * A slot for background work only when it is free now: a lookup waiting anywhere in the fleet holds a slot ahead,
 * so a free slot means nobody waits. Returns {granted (1|0), ms to try again, Redis's time ms, the schedule's rate}.
 */
const IDLE_SLOT = `${SCHEDULE}
if not spacing then return {0, ${HEARTBEAT_MS}, nowMs, left} end
local gap = spacing / tonumber(ARGV[6])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local last = tonumber(redis.call('GET', KEYS[4]) or '0')
local at = math.max(free, last + gap)
if nowMs < at then return {0, math.ceil(at - nowMs), nowMs, left} end
redis.call('SET', KEYS[1], string.format('%.3f', nowMs + spacing), 'PX', math.ceil(spacing) + 1000)
redis.call('SET', KEYS[4], tostring(nowMs), 'PX', math.ceil(gap) + 1000)
return {1, 0, nowMs, left}
`;

/**
 * KEYS: quota, roster, born. ARGV[1..5] as in SCHEDULE. This replica's word (or a probe). Returns {0, 0, Redis's time
 * ms, the schedule's rate}.
 */
const PRESENCE = `${SCHEDULE}
return {0, 0, nowMs, left}
`;

/**
 * Replaces junk the scripts cannot read (another type, a value that is not a number) in the quota's keys. KEYS:
 * quota, roster, born, idle; ARGV[1]: ms. A junk slot time becomes one `ARGV[1]` from now (what the junk hid may have
 * been that much of slots); a junk roster is dropped and the roster starts new (every replica counted as maybe alone
 * until it is heard from). Returns how many keys it replaced.
 */
export const REPAIR = `${REDIS_NOW}local window = tonumber(ARGV[1])
local function junk(key, wanted)
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'none' then return false end
  if kind ~= wanted then return true end
  return wanted == 'string' and not tonumber(redis.call('GET', key))
end
local repaired = 0
for _, key in ipairs({KEYS[1], KEYS[4]}) do
  if junk(key, 'string') then
    redis.call('SET', key, string.format('%.3f', nowMs + window), 'PX', math.ceil(window) + 1000)
    repaired = repaired + 1
  end
end
if junk(KEYS[2], 'zset') or junk(KEYS[3], 'string') then
  redis.call('DEL', KEYS[2])
  redis.call('SET', KEYS[3], tostring(nowMs), 'PX', ${ABSENT_GRACE_MS})
  repaired = repaired + 1
end
return repaired
`;

/** Every script's answer: its own two figures, Redis's time (ms), and the rate the schedule runs at (text). */
export type ScriptAnswer = [number, number, number, string];

/** Status of a slot request: granted, refused (too far), or none now (ask again). */
export const SLOT = { refused: 0, granted: 1, later: 2 } as const;

/** What each script needs to know about the fleet, and what this replica says (see SCHEDULE). */
export interface ScheduleArgs {
  rate: number;
  share: number;
  fleetSize: number;
  member: string;
  /** The latest time on Redis's clock at which this word counts; 0 for a probe. */
  countsUntil: number;
}

declare module 'ioredis' {
  interface RedisCommander {
    fleetNextSlot(
      quotaKey: string,
      rosterKey: string,
      bornKey: string,
      ...args: [number, number, number, string, number, number, number]
    ): Promise<ScriptAnswer>;
    fleetIdleSlot(
      quotaKey: string,
      rosterKey: string,
      bornKey: string,
      idleKey: string,
      ...args: [number, number, number, string, number, number]
    ): Promise<ScriptAnswer>;
    fleetPresence(
      quotaKey: string,
      rosterKey: string,
      bornKey: string,
      ...args: [number, number, number, string, number]
    ): Promise<ScriptAnswer>;
  }
}

/** The ARGV that every script starts with. */
export function scheduleArgs(a: ScheduleArgs): [number, number, number, string, number] {
  return [a.rate, a.share, a.fleetSize, a.member, a.countsUntil];
}

/** Registers the quota's scripts on a client (EVALSHA, loaded once per connection by ioredis). */
export function defineQuotaScripts(client: RedisClient): void {
  client.defineCommand('fleetNextSlot', { numberOfKeys: 3, lua: NEXT_SLOT });
  client.defineCommand('fleetIdleSlot', { numberOfKeys: 4, lua: IDLE_SLOT });
  client.defineCommand('fleetPresence', { numberOfKeys: 3, lua: PRESENCE });
}
