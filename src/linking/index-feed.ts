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

  /** Puts customers in the index after the current answer has gone; failures are logged. */
  record(customers: readonly Customer[]): void {
    if (customers.length === 0) return;
    setImmediate(() => {
      for (const customer of customers) void this.put(customer).catch((error: unknown) => this.failed(error));
    });
  }

  /** A customer the cache holds as its ready-made (masked) answer. */
  recordView(data: string): void {
    setImmediate(() => {
      let customer: Customer;
      try {
        customer = JSON.parse(data) as Customer;
      } catch (error) {
        this.failed(error);
        return;
      }
      void this.put(customer).catch((error: unknown) => this.failed(error));
    });
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
