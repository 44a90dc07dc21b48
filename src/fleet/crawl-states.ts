/**
 * The crawl's progress and its claim in Redis: one replica crawls each provider at a time (a claim that expires
 * with its holder, renewed while it crawls), and whichever replica crawls next resumes from the saved cursor.
 */
import { randomUUID } from 'node:crypto';
import Joi from 'joi';
import type { CrawlState, CrawlStates } from '../linking/crawl-state.js';
import type { FleetRedis } from './redis.js';

/** How long a saved state is kept: longer than any crawl interval an operator would set. */
const STATE_TTL_SECONDS = 30 * 86400;

const stateShape = Joi.object({
  cursor: Joi.string().allow(null).required(),
  startedAt: Joi.number().required(),
  finishedAt: Joi.number().allow(null).required(),
});

/** Renews the claim only for its holder; takes it when free. */
const CLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

export function redisCrawlStates(redis: FleetRedis): CrawlStates {
  const me = randomUUID();
  const stateKey = (provider: string) => redis.key('ix', 'crawl', provider);
  const claimKey = (provider: string) => redis.key('ix', 'crawler', provider);
  return {
    async load(provider) {
      const text = await redis.run('crawl-state', (c) => c.get(stateKey(provider)));
      if (text === null) return undefined;
      try {
        const checked = stateShape.validate(JSON.parse(text) as unknown);
        return checked.error ? undefined : (checked.value as CrawlState);
      } catch {
        return undefined;
      }
    },
    async save(provider, state) {
      await redis.run('crawl-state', (c) => c.set(stateKey(provider), JSON.stringify(state), 'EX', STATE_TTL_SECONDS));
    },
    async claim(provider, ttlMs) {
      const taken = await redis.run('crawl-claim', (c) => c.eval(CLAIM, 1, claimKey(provider), me, String(ttlMs)));
      return taken === 1;
    },
    async release(provider) {
      await redis.run('crawl-claim', (c) => c.eval(RELEASE, 1, claimKey(provider), me));
    },
  };
}
