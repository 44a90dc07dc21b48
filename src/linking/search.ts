/**
 * `GET /customers/search`: matches from the blind index, best first, without calling an upstream. Each match says
 * what it matched on, how well, and when the record was last seen; `coverage` says, per provider the caller may
 * see, where its records come from (a crawl, or only the lookups made so far), how many there are and when the
 * last crawl finished. Providers outside the caller's grants are neither shown nor counted.
 */
import type { Logger } from '../core/logger.js';
import type { CustomerStatus, CustomerType } from '../core/model.js';
import type { BlindIndex, IndexedRecord } from './blind-index.js';
import type { CrawlStates } from './crawl-state.js';
import { nameSimilarity } from './names.js';
import type { SearchQuery } from './search-query.js';
import type { Feature } from './types.js';

/** A name matches from this Jaro-Winkler similarity of the folded names (below it, unrelated names share a word). */
export const NAME_MATCH_MIN = 0.85;
/** Candidates read per search: enough for any real term; a common word's long tail is cut, best names first. */
const CANDIDATES = 500;

export interface SearchMatch {
  id: string;
  provider: string;
  providerId: string;
  displayName: string | null;
  type: CustomerType;
  status: CustomerStatus;
  matchedOn: Feature[];
  score: number;
  indexedAt: string;
}

export interface ProviderCoverage {
  source: 'crawl' | 'lookups';
  records: number;
  crawledAt: string | null;
}

export interface SearchAnswer {
  matches: SearchMatch[];
  coverage: Record<string, ProviderCoverage>;
  /** The index could not be read (the fleet's Redis is unreachable): no matches, and none could be found. */
  indexUnavailable?: true;
}

export class SearchService {
  constructor(
    private readonly index: BlindIndex,
    private readonly crawls: CrawlStates,
    /** Enabled providers, and whether each is crawled (it can list and the crawl is on). */
    private readonly providers: ReadonlyMap<string, { crawled: boolean }>,
    private readonly logger: Logger,
  ) {}

  /** `visible`: the providers the caller may see (and asked for). */
  async search(query: SearchQuery, visible: readonly string[]): Promise<SearchAnswer> {
    const shown = new Set(visible);
    const { term } = query;
    let candidates: IndexedRecord[];
    let coverage: Record<string, ProviderCoverage>;
    try {
      candidates =
        term.key === 'name'
          ? await this.index.withNameTokens(term.tokens, CANDIDATES)
          : await this.index.holders(term.key, term.value, CANDIDATES);
      coverage = await this.coverage(visible);
    } catch (error) {
      // As every use of the fleet's Redis: its failure is no 5xx. The answer says the index could not be read.
      this.logger.warn({ err: error }, 'the search index could not be read');
      return { matches: [], coverage: {}, indexUnavailable: true };
    }
    const matches: SearchMatch[] = [];
    for (const record of candidates) {
      if (!shown.has(record.ref.provider)) continue;
      if (query.country && record.summary.country !== query.country) continue;
      const score = term.key === 'name' ? nameScore(term.value, record) : 1;
      if (score < NAME_MATCH_MIN) continue;
      matches.push(matchOf(record, term.key, score));
    }
    matches.sort((a, b) => b.score - a.score || b.indexedAt.localeCompare(a.indexedAt));
    return { matches: matches.slice(0, query.limit), coverage };
  }

  async coverage(visible: readonly string[]): Promise<Record<string, ProviderCoverage>> {
    const entries = await Promise.all(
      visible.map(async (provider): Promise<[string, ProviderCoverage]> => {
        const [records, crawl] = await Promise.all([this.index.count(provider), this.crawls.load(provider)]);
        const crawled = this.providers.get(provider)?.crawled === true;
        const crawledAt = crawl?.finishedAt ? new Date(crawl.finishedAt).toISOString() : null;
        return [provider, { source: crawled ? 'crawl' : 'lookups', records, crawledAt }];
      }),
    );
    return Object.fromEntries(entries);
  }
}

function nameScore(folded: string, record: IndexedRecord): number {
  const name = record.summary.name;
  return name === null ? 0 : nameSimilarity(folded, name);
}

function matchOf(record: IndexedRecord, key: Feature, score: number): SearchMatch {
  const { ref, summary } = record;
  return {
    id: `${ref.provider}:${ref.providerId}`,
    provider: ref.provider,
    providerId: ref.providerId,
    displayName: summary.displayName,
    type: summary.type,
    status: summary.status,
    matchedOn: [key],
    score: Math.round(score * 1000) / 1000,
    indexedAt: new Date(summary.indexedAt).toISOString(),
  };
}
