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
}

/** `GET /problems/{code}`. */
export interface ProblemDescription {
  code: string;
  title: string;
  status: number;
  description: string;
  advice: string;
}
