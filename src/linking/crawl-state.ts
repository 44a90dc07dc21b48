/**
 * Where each provider's crawl stands, so that a crawl resumes where it stopped (after a failure, a restart, or at
 * another replica) and coverage can say when the last one finished; and who crawls it now, so that in a fleet one
 * replica at a time does. In this process by default; in Redis for a fleet (src/fleet/crawl-states.ts).
 */
export interface CrawlState {
  /** The gateway list cursor of the next page to read; null: the next crawl starts from the first page. */
  cursor: string | null;
  /** Epoch ms the crawl in progress (or the last one) started. */
  startedAt: number;
  /** Epoch ms the last complete crawl finished, if one has. */
  finishedAt: number | null;
}

export interface CrawlStates {
  load(provider: string): Promise<CrawlState | undefined>;
  save(provider: string, state: CrawlState): Promise<void>;
  /** Takes (or keeps) the provider's crawl for `ttlMs`; false while another crawler holds it. */
  claim(provider: string, ttlMs: number): Promise<boolean>;
  release(provider: string): Promise<void>;
}

/** One process: the state in a Map, and nobody else to claim the crawl. */
export function memoryCrawlStates(): CrawlStates {
  const states = new Map<string, CrawlState>();
  return {
    load: (provider) => Promise.resolve(states.get(provider)),
    save: (provider, state) => Promise.resolve(void states.set(provider, { ...state })),
    claim: () => Promise.resolve(true),
    release: () => Promise.resolve(),
  };
}
