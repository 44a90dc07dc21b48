/**
 * The gateway's public JSON as the console reads it (design.md §3, §4, §4a). The console is a client of the
 * public HTTP API only, so it keeps its own copy of these shapes instead of importing the server's.
 */

export interface ProviderInfo {
  id: string;
  displayName: string;
  /** The provider's id rule as a JavaScript regular-expression source, compiled with the `u` flag. */
  idPattern: string;
  /** Extra flags for `idPattern`, when the gateway sends them. */
  idPatternFlags?: string;
  exampleId: string;
}

export interface Address {
  type: string;
  line1: string | null;
  line2: string | null;
  city: string | null;
  region: string | null;
  postalCode: string | null;
  country: string | null;
  phone: string | null;
}

export interface Contact {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
}

export interface Organization {
  name: string | null;
  registrationNumber: string | null;
  marketSegment: string | null;
  marketSubSegments: string[];
}

export interface Account {
  id: string | null;
  number: string | null;
  displayName: string | null;
  status: string;
  providerStatus: string | null;
  currency: string | null;
  balance: number | null;
  contactEmail: string | null;
  createdAt: string | null;
}

export interface Customer {
  id: string;
  provider: string;
  providerId: string;
  type: string;
  displayName: string | null;
  status: string;
  statusReason: string | null;
  providerStatus: string | null;
  createdAt: string | null;
  email: string | null;
  phone: string | null;
  preferredLanguage: string | null;
  nationalId: string | null;
  organization: Organization | null;
  addresses: Address[];
  contacts: Contact[];
  accounts: Account[];
  providerDetails: Record<string, unknown>;
}

export type CacheOutcome = 'hit' | 'miss' | 'stale';

export interface LookupMeta {
  requestId: string;
  cache: CacheOutcome | string;
  fetchedAt: string;
  ageSeconds: number;
}

export interface CustomerDocument {
  data: Customer;
  meta: LookupMeta;
  /** Present with `?include=raw`: the upstream body, masked like `data`. */
  raw?: unknown;
}

/** An RFC 9457 problem answer of the gateway (design §4). Every field is optional to a careful reader. */
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
