/**
 * What feeds the blind index: every customer the gateway reads (a lookup's load, a list page, a batch item, the
 * crawl) is put in as features and a summary; a purge takes it out. Feeding never delays or fails the read it
 * comes from: it runs after the answer is on its way, and a failure (Redis away) is logged, not thrown.
 */
import type { CountryCode } from 'libphonenumber-js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Customer } from '../core/model.js';
import type { BlindIndex } from './blind-index.js';
import { featuresOf } from './features.js';
import type { RecordRef, RecordSummary } from './types.js';

export class IndexFeed {
  /** Feeding still to run or running (the tests wait for it; a shutdown need not). */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    readonly index: BlindIndex,
    private readonly clock: Clock,
    private readonly logger: Logger,
    readonly defaultRegion: CountryCode,
  ) {}

  /** Puts the customer in the index now; resolves when it is there (the crawl waits, to pace itself). */
  async put(customer: Customer): Promise<void> {
    const features = featuresOf(customer, this.defaultRegion);
    const summary: RecordSummary = {
      displayName: customer.displayName,
      type: customer.type,
      status: customer.status,
      indexedAt: this.clock.now(),
      name: features.name?.value ?? null,
      country: features.country?.value ?? null,
    };
    await this.index.put({ provider: customer.provider, providerId: customer.providerId }, features, summary);
  }

  /**
   * Customers of a list page, after the current answer has gone: only those not indexed yet. A list item may carry
   * less than a read of the customer does (Adobe's only the company name, Tango's no account e-mails), so it must
   * not replace what a read put there.
   */
  recordListed(customers: readonly Customer[]): void {
    if (customers.length === 0) return;
    this.later(() =>
      Promise.all(
        customers.map((customer) =>
          this.index
            .has({ provider: customer.provider, providerId: customer.providerId })
            .then((indexed) => (indexed ? undefined : this.put(customer))),
        ),
      ),
    );
  }

  /** A customer the cache holds as its ready-made (masked) answer. */
  recordView(data: string): void {
    this.later(() => this.put(JSON.parse(data) as Customer));
  }

  /** Resolves once every feeding scheduled so far has run. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Runs `feed` once the current answer has gone (the next turn of the event loop); a failure is logged. */
  private later(feed: () => Promise<unknown>): void {
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(feed)
      .catch((error: unknown) => this.failed(error))
      .finally(() => this.pending.delete(run));
    this.pending.add(run);
  }

  /** A purge: the record and every key pointing at it go. */
  remove(ref: RecordRef): Promise<void> {
    return this.index.remove(ref);
  }

  private failed(error: unknown): void {
    // The error says what failed (Redis, a bug), never which customer: the index holds no clear value to log.
    this.logger.warn({ err: error }, 'a customer could not be put in the search index');
  }
}
