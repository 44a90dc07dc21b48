/**
 * `GET /customers/{provider}/{id}/links`: the same real-world customer in the other providers. Candidates come
 * from the blind index (records sharing a strong identifier, or a similar name in the same country); each is
 * then read through the normal lookup (cache, quota, masking, grants) and weighed by the band rules on both
 * records as they are now. A candidate that cannot be read is named in `unavailable`, never dropped silently.
 */
import type { CountryCode } from 'libphonenumber-js';
import type { Logger } from '../core/logger.js';
import type { GatewayMetrics } from '../core/metrics.js';
import type { Customer } from '../core/model.js';
import { GatewayError } from '../core/problems.js';
import { compareRecords, isGenericIdentifier } from './bands.js';
import { POSTING_CAP, type BlindIndex, type IndexedRecord } from './blind-index.js';
import { featuresOf } from './features.js';
import { nameSimilarity, nameTokens } from './names.js';
import { NAME_MATCH_MIN } from './search.js';
import type { Band, Evidence, RecordFeatures, RecordRef, StrongFeature } from './types.js';

/** Records sharing a name token that are weighed as similar-name candidates. */
const NAME_CANDIDATES = 200;
/** Candidates read per request, best index evidence first: each is a lookup. */
const MAX_CANDIDATES = 20;

export interface Link {
  id: string;
  provider: string;
  providerId: string;
  displayName: string | null;
  band: Band;
  score: number;
  evidence: Evidence[];
}

export interface Unavailable {
  id: string;
  provider: string;
  providerId: string;
  /** The problem code the candidate's lookup ended with. */
  problem: string;
}

export interface LinksAnswer {
  links: Link[];
  unavailable: Unavailable[];
  /** The index could not be read (the fleet's Redis is unreachable): no candidate could be found. */
  indexUnavailable?: true;
}

export interface LinkSettings {
  genericLimit: number;
  defaultRegion: CountryCode;
}

export class LinkService {
  constructor(
    private readonly index: BlindIndex,
    private readonly settings: LinkSettings,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
  ) {}

  /**
   * Links of `record` (as the caller's lookup answered it) among the `visible` providers; `read` looks a
   * candidate up for the caller.
   */
  async links(
    record: Customer,
    visible: ReadonlySet<string>,
    read: (ref: RecordRef) => Promise<Customer>,
  ): Promise<LinksAnswer> {
    const features = featuresOf(record, this.settings.defaultRegion);
    let found: Awaited<ReturnType<LinkService['candidates']>>;
    try {
      found = await this.candidates(record, features, visible);
    } catch (error) {
      // As every use of the fleet's Redis: its failure is no 5xx. The answer says the index could not be read.
      this.logger.warn({ err: error }, 'the search index could not be read');
      return { links: [], unavailable: [], indexUnavailable: true };
    }
    const { candidates, holders } = found;
    const isGeneric = (feature: StrongFeature, value: string) =>
      isGenericIdentifier(
        (holders.get(`${feature}:${value}`) ?? []).map((h) => h.summary.name),
        this.settings.genericLimit,
      );

    const links: Link[] = [];
    const unavailable: Unavailable[] = [];
    await Promise.all(
      candidates.map(async (ref) => {
        let candidate: Customer;
        try {
          candidate = await read(ref);
        } catch (error) {
          if (error instanceof GatewayError && error.code === 'customer-not-found') return;
          const problem = error instanceof GatewayError ? error.code : 'internal-error';
          unavailable.push({ id: idOf(ref), ...ref, problem });
          this.metrics.linkCandidate('unavailable');
          return;
        }
        const comparison = compareRecords(features, featuresOf(candidate, this.settings.defaultRegion), isGeneric);
        this.metrics.linkCandidate(comparison?.band ?? 'none');
        if (comparison) links.push({ id: idOf(ref), ...ref, displayName: candidate.displayName, ...comparison });
      }),
    );
    links.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
    unavailable.sort((a, b) => a.id.localeCompare(b.id));
    return { links, unavailable };
  }

  /** Records of other visible providers sharing an identifier, then similar names of the same country. */
  private async candidates(record: Customer, features: RecordFeatures, visible: ReadonlySet<string>) {
    const holders = new Map<string, IndexedRecord[]>();
    const found = new Map<string, RecordRef>();
    const consider = (held: IndexedRecord) => {
      const { ref } = held;
      if (ref.provider === record.provider || !visible.has(ref.provider)) return;
      if (found.size < MAX_CANDIDATES) found.set(idOf(ref), ref);
    };
    const lists = await Promise.all(
      features.identifiers.map((identifier) => this.index.holders(identifier.feature, identifier.value, POSTING_CAP)),
    );
    features.identifiers.forEach((identifier, i) => {
      const held = lists[i] ?? [];
      holders.set(`${identifier.feature}:${identifier.value}`, held);
      held.forEach(consider);
    });
    const name = features.name?.value;
    const country = features.country?.value;
    if (name && country) {
      const named = await this.index.withNameTokens(nameTokens(name), NAME_CANDIDATES);
      named
        .filter((h) => h.summary.country === country && h.summary.name !== null)
        .map((h) => ({ held: h, similarity: nameSimilarity(name, h.summary.name ?? '') }))
        .filter((c) => c.similarity >= NAME_MATCH_MIN)
        .sort((a, b) => b.similarity - a.similarity)
        .forEach((c) => consider(c.held));
    }
    return { candidates: [...found.values()], holders };
  }
}

const idOf = (ref: RecordRef) => `${ref.provider}:${ref.providerId}`;
