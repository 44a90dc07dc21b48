/**
 * Search and links, wired: the blind index (in memory, or in the fleet's Redis), what feeds it, the crawl, and
 * the two services the routes call.
 */
import type { CountryCode } from 'libphonenumber-js';
import type { Config } from '../../config/index.js';
import type { Clock } from '../core/clock.js';
import type { ListService } from '../core/listing.js';
import type { Logger } from '../core/logger.js';
import type { GatewayMetrics } from '../core/metrics.js';
import { redisCrawlStates } from '../fleet/crawl-states.js';
import type { Fleet } from '../fleet/fleet.js';
import { RedisIndex } from '../fleet/redis-index.js';
import type { ProviderService } from '../services.js';
import type { BlindIndex } from './blind-index.js';
import { IndexCrawler } from './crawl.js';
import { memoryCrawlStates, type CrawlStates } from './crawl-state.js';
import { IndexFeed } from './index-feed.js';
import { IndexKeys } from './index-keys.js';
import { LinkService } from './links.js';
import { MemoryIndex } from './memory-index.js';
import { SearchService } from './search.js';

export interface Linking {
  index: BlindIndex;
  feed: IndexFeed;
  crawler: IndexCrawler;
  crawls: CrawlStates;
  search: SearchService;
  links: LinkService;
}

export interface LinkingDeps {
  config: Config;
  providers: ReadonlyMap<string, ProviderService>;
  lists: ListService;
  fleet: Fleet | undefined;
  clock: Clock;
  logger: Logger;
  metrics: GatewayMetrics;
}

export function createLinking({ config, providers, lists, fleet, clock, logger, metrics }: LinkingDeps): Linking {
  const settings = config.linking;
  // Without a configured key (sandbox, or one process outside production), a random one: the index in memory
  // lives exactly as long as the key does.
  const keys = settings.indexKey ? new IndexKeys(settings.indexKey) : IndexKeys.random();
  const index: BlindIndex = fleet
    ? new RedisIndex(fleet.redis, keys, { ttlSeconds: settings.ttlSeconds })
    : new MemoryIndex(keys, clock, { maxRecords: settings.maxRecords, ttlSeconds: settings.ttlSeconds });
  const crawls = fleet ? redisCrawlStates(fleet.redis) : memoryCrawlStates();
  const region = settings.defaultRegion as CountryCode;
  const feed = new IndexFeed(index, clock, logger, region);
  const crawler = new IndexCrawler(
    providers,
    lists,
    feed,
    crawls,
    { intervalSeconds: settings.crawlIntervalSeconds, share: settings.crawlShare },
    clock,
    logger,
    metrics,
  );
  const crawled = new Map([...providers.keys()].map((p) => [p, { crawled: crawler.crawls(p) }]));
  metrics.indexSize([...providers.keys()], (provider) => index.count(provider));
  return {
    index,
    feed,
    crawler,
    crawls,
    search: new SearchService(index, crawls, crawled, logger),
    links: new LinkService(index, { genericLimit: settings.genericLimit, defaultRegion: region }, metrics, logger),
  };
}
