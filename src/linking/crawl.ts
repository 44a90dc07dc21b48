/**
 * The index crawl: each provider that can list is read whole into the blind index at start, then every
 * `INDEX_CRAWL_INTERVAL_SECONDS`. It pages through the provider's list, then reads each listed customer with the
 * same requests a lookup makes (the customer, and its accounts where the provider offers balances: Tango's
 * account e-mails are there, Adobe's list items carry only the company name), so what is indexed is what a
 * lookup shows. It reads around the cache, so a crawl never pushes live customers out of it.
 *
 * Every request it makes is idle work (`CallerContext.idle`): it takes a quota slot only when no lookup waits
 * for one, and at most `INDEX_CRAWL_SHARE` of the provider's rate. Its cursor is saved after each page, so a crawl
 * cut short (a failure, a restart, another replica taking over) resumes where it stopped; in a fleet one replica
 * at a time crawls a provider.
 */
import { readBalances, withBalances } from '../core/balances.js';
import { customerOf } from '../core/cache.js';
import type { Clock } from '../core/clock.js';
import { Deadline } from '../core/deadline.js';
import type { ListService } from '../core/listing.js';
import { listOf } from '../core/listing.js';
import type { Logger } from '../core/logger.js';
import type { GatewayMetrics } from '../core/metrics.js';
import { GatewayError } from '../core/problems.js';
import type { CallerContext } from '../core/upstream-call.js';
import type { ProviderService } from '../services.js';
import type { CrawlState, CrawlStates } from './crawl-state.js';
import type { IndexFeed } from './index-feed.js';

/** Customers asked per list page. */
const PAGE_SIZE = 100;
/** A crawl cut short by a failure is tried again after this long, from where it stopped. */
const RETRY_AFTER_MS = 60_000;
/** How long a claim on a provider's crawl lasts without renewal (renewed after every page). */
const CLAIM_MS = 120_000;
/** The quota's wait for an idle slot may take long while lookups flow; a read gives up after this. */
const IDLE_READ_MS = 60_000;
const CRAWLER = 'index-crawl';

export interface CrawlSettings {
  intervalSeconds: number;
  share: number;
  /** Customers asked per list page (100 by default; tests use small pages to crawl several). */
  pageSize?: number;
}

export type CrawlOutcome = 'finished' | 'claimed-elsewhere' | 'stopped';

export class IndexCrawler {
  private readonly stop = new AbortController();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly providers: ReadonlyMap<string, ProviderService>,
    private readonly lists: ListService,
    private readonly feed: IndexFeed,
    private readonly states: CrawlStates,
    private readonly settings: CrawlSettings,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** Whether the provider's records come from a crawl (it can list, and the crawl is on). */
  crawls(provider: string): boolean {
    const runtime = this.providers.get(provider);
    return (
      this.settings.intervalSeconds > 0 && runtime !== undefined && listOf(runtime.adapter, runtime.env) !== undefined
    );
  }

  /** Crawls every provider that can list now, then every interval, until `close`. */
  start(): void {
    for (const provider of this.providers.keys()) {
      if (!this.crawls(provider)) continue;
      const loop = this.loop(provider);
      this.running.add(loop);
      void loop.finally(() => this.running.delete(loop));
    }
  }

  /** Stops crawling: waits and requests in flight end now (their deadline's signal aborts). */
  async close(): Promise<void> {
    this.stop.abort();
    await Promise.allSettled([...this.running]);
  }

  private async loop(provider: string): Promise<void> {
    while (!this.stop.signal.aborted) {
      let waitMs = this.settings.intervalSeconds * 1000;
      try {
        const outcome = await this.crawl(provider);
        if (outcome === 'stopped') return;
      } catch (error) {
        waitMs = Math.min(waitMs, RETRY_AFTER_MS);
        const code = error instanceof GatewayError ? error.code : undefined;
        this.logger.warn(
          { provider, error: code, err: code ? undefined : error, retryInSeconds: waitMs / 1000 },
          'the index crawl stopped early; it resumes from where it stopped',
        );
      }
      await this.clock.sleep(waitMs, this.stop.signal).catch(() => undefined);
    }
  }

  /** One crawl of the provider, resumed from its saved cursor. Throws what stopped it (a list page that failed). */
  async crawl(provider: string): Promise<CrawlOutcome> {
    const runtime = this.providers.get(provider);
    if (!runtime || !this.crawls(provider)) throw new Error(`provider ${provider} is not crawled`);
    if (!(await this.states.claim(provider, CLAIM_MS))) return 'claimed-elsewhere';
    try {
      const saved = await this.states.load(provider);
      const resumed = saved?.cursor != null;
      let state: CrawlState =
        resumed && saved ? saved : { cursor: null, startedAt: this.clock.now(), finishedAt: saved?.finishedAt ?? null };
      this.logger.info({ provider, resumed }, 'index crawl started');
      for (;;) {
        if (this.stop.signal.aborted) return 'stopped';
        const page = await this.page(runtime, state);
        for (const listed of page.customers) {
          if (this.stop.signal.aborted) return 'stopped';
          await this.read(runtime, listed.providerId);
        }
        state = { ...state, cursor: page.next };
        if (page.next === null) break;
        await this.states.save(provider, state);
        await this.states.claim(provider, CLAIM_MS);
      }
      const finishedAt = this.clock.now();
      await this.states.save(provider, { cursor: null, startedAt: state.startedAt, finishedAt });
      this.metrics.crawlFinished(provider, finishedAt);
      this.logger.info(
        { provider, seconds: Math.round((finishedAt - state.startedAt) / 1000) },
        'index crawl finished',
      );
      return 'finished';
    } finally {
      await this.states.release(provider).catch(() => undefined);
    }
  }

  /** One list page; a saved cursor this process cannot read (another replica's secret) starts the list over. */
  private async page(runtime: ProviderService, state: CrawlState) {
    const query = { limit: this.settings.pageSize ?? PAGE_SIZE, cursor: state.cursor ?? undefined, filters: {} };
    try {
      return await this.lists.list(runtime, query, this.caller(runtime));
    } catch (error) {
      if (!(error instanceof GatewayError) || error.code !== 'invalid-request' || state.cursor === null) throw error;
      return this.lists.list(runtime, { ...query, cursor: undefined }, this.caller(runtime));
    }
  }

  /** One customer, read as a lookup reads it (with its accounts where offered), into the index. */
  private async read(runtime: ProviderService, id: string): Promise<void> {
    const provider = runtime.adapter.id;
    if (runtime.adapter.idRule.validate(id).error) {
      this.metrics.crawlRecord(provider, 'failed');
      return;
    }
    const caller = this.caller(runtime);
    try {
      const result = await runtime.upstream.fetchCustomer(id, caller);
      let customer = customerOf(runtime.adapter, id, result.body);
      if (runtime.adapter.balances) customer = withBalances(customer, await readBalances(runtime, id, caller));
      await this.feed.put(customer);
      this.metrics.crawlRecord(provider, 'indexed');
    } catch (error) {
      this.metrics.crawlRecord(provider, 'failed');
      // A provider that refuses or fails now stops this crawl (it resumes here later); one missing customer does not.
      if (error instanceof GatewayError && error.code === 'customer-not-found') return;
      throw error;
    }
  }

  private caller(runtime: ProviderService): CallerContext {
    return {
      requestId: CRAWLER,
      callerKey: CRAWLER,
      deadline: Deadline.after(this.clock, Math.max(runtime.deadlineMs, IDLE_READ_MS), 'background', this.stop.signal),
      idle: { share: this.settings.share },
    };
  }
}
