/**
 * One customer across providers: the shapes shared by the normalisers, the band rules, the blind index, search
 * and links. A record is one customer of one provider; its features are what can tie it to a record elsewhere,
 * each with the field path it came from (evidence names paths, never values).
 */
import type { CustomerStatus, CustomerType } from '../core/model.js';

/** Strong identifiers: one shared, not generic, with names that agree, makes the same customer. */
export type StrongFeature = 'email' | 'phone' | 'orgNumber';
/** Every feature evidence can name. A national id is none of them, by design. */
export type Feature = StrongFeature | 'name' | 'country' | 'city' | 'postalCode';

export const STRONG_FEATURES: readonly StrongFeature[] = ['email', 'phone', 'orgNumber'];

/** One normalised identifier of a record and where in the common model it was read. */
export interface Identifier {
  feature: StrongFeature;
  /** The normalised value: lower-cased e-mail, E.164 phone, `NO:923609016` / `SE:5560360793`. */
  value: string;
  /** The field path in the common model, e.g. `email`, `contacts[0].email`, `accounts[1].contactEmail`. */
  path: string;
}

/** What the rules compare of one record: normalised, with paths; never a national id. */
export interface RecordFeatures {
  /** Strong identifiers, one entry per (feature, value), the first path it was seen at. */
  identifiers: Identifier[];
  /** The folded name (`organization.name`, else `displayName`), or null when the record has none. */
  name: { value: string; path: string } | null;
  /** ISO 3166-1 alpha-2, upper case, from the addresses (billing first), or null. */
  country: { value: string; path: string } | null;
  /** Every city and postal code of the addresses, folded, with their paths. */
  cities: { value: string; path: string }[];
  postalCodes: { value: string; path: string }[];
}

export type Band = 'same' | 'possible';
export type Agreement = 'exact' | 'similar' | 'different' | 'generic';

export interface Evidence {
  feature: Feature;
  agreement: Agreement;
  /** The field path in the record the link starts from, and in the linked record. */
  from: string;
  to: string;
}

/** A comparison of two records: a band with its score and evidence, or null when nothing links them. */
export interface Comparison {
  band: Band;
  /** 0 to 1; `same` scores above every `possible`. */
  score: number;
  evidence: Evidence[];
}

/** A record in the index: provider and the provider's id. */
export interface RecordRef {
  provider: string;
  providerId: string;
}

/**
 * What search answers from without calling an upstream; sealed at rest. `name`, `country`, `cities` and
 * `postalCodes` are the normalised features search scores and filters with; they are never answered.
 */
export interface RecordSummary {
  displayName: string | null;
  type: CustomerType;
  status: CustomerStatus;
  /** Epoch milliseconds the record was last seen (a lookup, a list page, a batch item, the crawl). */
  indexedAt: number;
  name: string | null;
  country: string | null;
}
