/**
 * The provider contract. An adapter is a declaration plus a pure normaliser; everything with I/O, timing or
 * failure handling lives once in `src/core`. Adding a provider: docs/adding-a-provider.md.
 */
import Joi from 'joi';
import type { AuthScheme, AuthKit } from './auth.js';
import type { CustomerStatus, NormalizedCustomer } from './model.js';
import type { SchemaDeclaration } from './schema-drift.js';
import type { SimulatorOptions, Simulator } from './simulator.js';

/**
 * What the core hands every attempt: the adapter only chooses the headers that carry these values.
 */
export interface AttemptContext {
  /** A new UUID for every attempt (Adobe `X-Request-Id`). */
  attemptId: string;
  /** Kept across attempts of one lookup, renewed after any attempt that got a response (Adobe `X-Correlation-Id`). */
  idempotencyKey: string;
}

/** The upstream request of one attempt, relative to the provider's base URL. */
export interface UpstreamRequest {
  path: string;
  headers?: Record<string, string>;
}

/**
 * How the core reads an upstream answer. `classify` may override the default reading of the HTTP status for
 * quirks (Frontpayment's envelope `status_code`, Adobe's error codes).
 */
export type Verdict =
  | 'ok'
  | 'not-found'
  | 'bad-request'
  | 'unauthorized'
  | 'forbidden'
  | 'rate-limited'
  | 'server-error'
  /**
   * An answer the gateway caused or cannot interpret (an unexpected status, Adobe 4119): `upstream-error`, not
   * retried.
   */
  | 'unexpected';

export interface Classification {
  verdict: Verdict;
  /** The status that decided, when it is not the HTTP status (Frontpayment's envelope `status_code`). */
  upstreamStatus?: number;
  /** A short, secret-free reason for logs and the problem's detail. */
  reason?: string;
}

/**
 * Paths of personal data, dotted, with `[]` for every element of an array (`people[].taxId`). Both lists also
 * name the keys that log redaction removes wherever they appear.
 */
export interface PersonalDataPaths {
  /** In the upstream body, as served by `?include=raw` (`data.personalNumber`). */
  raw: readonly string[];
  /** In the common model, beyond `nationalId` (`providerDetails.guarantorTaxIds`). */
  data?: readonly string[];
}

/** The list filters on common fields that an upstream can apply. */
export interface ListFilters {
  status?: CustomerStatus;
  /** A name (or the start of one), as the upstream's own name filter matches it. */
  name?: string;
}

/** What one list request asks the upstream for. */
export interface ListPageRequest {
  /** How many customers the caller wants at most (1-100). */
  limit: number;
  /** The upstream's own cursor (or offset) from the previous page; undefined for the first page. */
  cursor: string | undefined;
  filters: ListFilters;
}

/** One upstream page of a list. */
export interface ListPage {
  /** The customers of the page, each a body the adapter's `normalize` and `customerIdOf` take. */
  customers: unknown[];
  /**
   * The upstream's cursor to the next page, or null on the last one. An upstream that answered the whole list
   * at once (a plain array) has none: the core pages through it itself.
   */
  next: string | null;
}

/** A provider's customer list (optional): the request of one page and the reading of its answer. */
export interface ListDeclaration {
  /** The common statuses the upstream can filter on; absent: no status filter. */
  statuses?: readonly CustomerStatus[];
  /** Whether the upstream can filter by name. */
  name?: boolean;
  /** Whether the list is offered with this configuration (Adobe's needs the reseller id). Default: yes. */
  offered?(env: ProviderEnv): boolean;
  request(page: ListPageRequest, attempt: AttemptContext, env: ProviderEnv): UpstreamRequest;
  /** The page in the answer, or undefined when the body is none of the documented shapes. */
  parse(body: unknown, page: ListPageRequest): ListPage | undefined;
}

/** One account's balance, read from the provider's accounts endpoint. */
export interface AccountBalance {
  /** The account's id, as in the customer's `accounts[].id`. */
  id: string;
  balance: number | null;
  currency: string | null;
  contactEmail: string | null;
}

/** A provider's account balances (optional): the request of one page of a customer's accounts, and its reading. */
export interface BalancesDeclaration {
  request(id: string, cursor: string | undefined, attempt: AttemptContext): UpstreamRequest;
  /** The balances of the page and the cursor of the next one; undefined when the body is not a documented shape. */
  parse(body: unknown): { balances: AccountBalance[]; next: string | null } | undefined;
}

/** A provider's own env keys, validated by its `config` schema. */
export type ProviderEnv = Readonly<Record<string, string | undefined>>;

export interface ProviderAdapter {
  /** Folder name, path segment and env prefix source (`adobe-vip` → `ADOBE_VIP_`). */
  id: string;
  displayName: string;
  /** An id that the built-in simulator knows, for examples and `GET /providers`. */
  exampleId: string;
  /** A valid provider identifier; invalid ids never reach the upstream. */
  idRule: Joi.StringSchema;
  /** The provider's own env keys (credentials and the like), besides the generic `<P>_…` keys the core adds. */
  config: Record<string, Joi.Schema>;
  /** Defaults for the generic keys that differ per provider (Tango's published 1 request per second). */
  defaults?: { rateLimitPerSecond?: number };
  /** The auth scheme, built once from the validated env with the core's schemes. */
  auth(env: ProviderEnv, kit: AuthKit): AuthScheme;
  /** The request of one attempt: path under the base URL and the provider's own headers. */
  request(id: string, attempt: AttemptContext): UpstreamRequest;
  /** Only for quirks; `undefined` keeps the core's reading of the HTTP status. */
  classify?(status: number, body: unknown): Classification | undefined;
  /** The provider's id field of a 2xx body, compared with the requested id before anything is normalised. */
  customerIdOf(body: unknown): unknown;
  /** Raw upstream body → common model. Pure and total: never throws for a field the model allows to be null. */
  normalize(body: unknown): NormalizedCustomer;
  /**
   * Where this provider's personal data lives (a national id and the like), masked for every caller without
   * `pii:read` and redacted from every log line, whatever its JSON type (docs/security.md). Without it, the
   * provider has none beyond the common model's `nationalId`, which the core always masks.
   */
  personalData?: PersonalDataPaths;
  /**
   * The body paths the adapter knows and expects (`accounts[].status`), for the schema-drift metrics: each
   * fresh body is compared once per fetch. Without it, no drift is measured for the provider.
   */
  schema?: SchemaDeclaration;
  /** The provider's customer list; without it, listing is not offered for the provider. */
  list?: ListDeclaration;
  /** The balances of a customer's accounts (`?include=balances`); without it, balances are not offered. */
  balances?: BalancesDeclaration;
  /**
   * Starts a real HTTP server that behaves like the upstream, for sandbox mode and tests. Implemented with a
   * dynamic `import()` of the provider's simulator module, so that the production program never loads a simulator
   * (and the container image holds none).
   */
  simulator(options?: SimulatorOptions): Promise<Simulator>;
}

/** The env prefix of a provider: `adobe-vip` → `ADOBE_VIP`. */
export const envPrefix = (providerId: string): string => providerId.toUpperCase().replace(/-/g, '_');

/** The id rule as a regular-expression source, read from the joi rule (served by `GET /providers`). */
export function idPatternOf(rule: Joi.StringSchema): { source: string; flags: string } {
  const described = rule.describe() as { rules?: { name: string; args?: { regex?: string } }[] };
  const regex = described.rules?.find((r) => r.name === 'pattern')?.args?.regex;
  if (!regex) throw new Error('an idRule must carry a pattern');
  const end = regex.lastIndexOf('/');
  return { source: regex.slice(1, end), flags: regex.slice(end + 1) };
}

/** A credential that becomes required once the provider has a base URL (its credentials go with it). */
export const requiredWithBaseUrl = (prefix: string, rule: Joi.Schema): Joi.Schema =>
  rule.when(`${prefix}_BASE_URL`, { is: Joi.exist(), then: Joi.required() });
