/**
 * The gateway's public JSON as the console reads it (docs/api.md). The console is a client of the
 * public HTTP API only: it shares the server's types, never its code.
 */

export interface ProviderInfo {
  id: string;
  displayName: string;
  /** The provider's id rule as a JavaScript regular-expression source, compiled with the `u` flag. */
  idPattern: string;
  /** Extra flags for `idPattern`, when the gateway sends them. */
  idPatternFlags?: string;
  exampleId: string;
  /** What the provider offers: `lookup`, `list`, `balances`. */
  capabilities?: string[];
  /** The filters its list takes (with the `list` capability). */
  listFilters?: { status: string[]; name: boolean };
}

// The common model is the server's own type: one definition of the contract (type-only, nothing is bundled).
import type { Customer } from '../../src/core/model.js';
export type { Account, Address, Contact, Customer, Organization } from '../../src/core/model.js';

export type CacheOutcome = 'hit' | 'miss' | 'stale';

export interface LookupMeta {
  requestId: string;
  cache: CacheOutcome | string;
  fetchedAt: string;
  ageSeconds: number;
  /** A partial answer (balances asked but not read): what is missing and why. */
  partial?: { missing?: string[]; problem?: string; detail?: string };
}

export interface CustomerDocument {
  data: Customer;
  meta: LookupMeta;
  /** Present with `?include=raw`: the upstream body, masked like `data`. */
  raw?: unknown;
}

/** `GET /customers/{provider}`: one page of a provider's customers. */
export interface CustomerPage {
  data: Customer[];
  links: { next: string | null };
  meta: LookupMeta & { limit: number; count: number };
}

/** One item of `POST /customers/batch`: the customer, or the problem the single lookup would answer. */
export interface BatchResult {
  status: number;
  data?: Customer;
  meta?: LookupMeta;
  problem?: Problem;
}

export interface BatchDocument {
  results: BatchResult[];
}

/** An RFC 9457 problem answer of the gateway (docs/api.md). Every field is optional to a careful reader. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  provider?: string;
  upstreamStatus?: number;
  retryable?: boolean;
  /** The query parameter an `invalid-request` is about (`email`, `phone`, `limit`…). */
  parameter?: string;
}

/** What search and links compare: the strong identifiers, the name, and where the customer is. */
export type LinkFeature = 'email' | 'phone' | 'orgNumber' | 'name' | 'country' | 'city' | 'postalCode';

/** One match of `GET /customers/search`, answered from the gateway's index (as last seen at `indexedAt`). */
export interface SearchMatch {
  id: string;
  provider: string;
  providerId: string;
  displayName: string | null;
  type: string;
  status: string;
  matchedOn: LinkFeature[];
  /** 0 to 1: 1 for an identifier, the name similarity for a name. */
  score: number;
  indexedAt: string;
}

/** Per provider: whether its records come from a crawl of its list or only from the lookups made so far. */
export interface ProviderCoverage {
  source: 'crawl' | 'lookups';
  records: number;
  crawledAt: string | null;
}

export interface SearchDocument {
  data: SearchMatch[];
  meta: { requestId: string; count: number; coverage: Record<string, ProviderCoverage> };
}

/** Why two records are linked: a feature, how it agrees, and the field path on each side (never a value). */
export interface LinkEvidence {
  feature: LinkFeature;
  agreement: 'exact' | 'similar' | 'different' | 'generic';
  from: string;
  to: string;
}

export interface CustomerLink {
  id: string;
  provider: string;
  providerId: string;
  displayName: string | null;
  band: 'same' | 'possible';
  score: number;
  evidence: LinkEvidence[];
}

/** A candidate the gateway could not read, with the problem code its lookup ended with. */
export interface UnavailableLink {
  id: string;
  provider: string;
  providerId: string;
  problem: string;
}

/** `GET /customers/{provider}/{id}/links`. */
export interface LinksDocument {
  data: { id: string; links: CustomerLink[] };
  meta: { requestId: string; unavailable: UnavailableLink[] };
}

/** `GET /problems/{code}`. */
export interface ProblemDescription {
  code: string;
  title: string;
  status: number;
  description: string;
  advice: string;
}
