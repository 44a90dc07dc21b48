/**
 * `?include=balances`: the customer plus each account's balance from the provider's accounts endpoint (every page),
 * through the same gates as the lookup. When the accounts read fails while the customer read worked, the answer
 * is still the customer, with its balances null and a `partial` note saying what is missing and why, and it is
 * cached for a short while only, so that the balances are tried again soon.
 */
import type { Customer } from './model.js';
import type { ProviderRuntime } from './cache-loader.js';
import type { CallerContext } from './upstream-call.js';
import { GatewayError } from './problems.js';
import type { AccountBalance } from './provider.js';

/** A partial answer (balances missing) is fresh for at most this long. */
export const PARTIAL_TTL_SECONDS = 30;
/** More pages than any customer has accounts for; a cursor that never ends is the upstream's bug. */
const MAX_PAGES = 50;

/** What a partial answer lacks, and the problem that made it so (`meta.partial`). */
export interface PartialNote {
  missing: ['balances'];
  problem: string;
  detail: string;
}

/** Every page of the customer's accounts, under the request's one deadline. Throws the read's `GatewayError`. */
export async function readBalances(
  runtime: ProviderRuntime,
  id: string,
  caller: CallerContext,
): Promise<AccountBalance[]> {
  const declaration = runtime.adapter.balances;
  if (!declaration) throw new GatewayError('internal-error', { detail: 'The provider offers no balances.' });
  const balances: AccountBalance[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const request = cursor;
    const result = await runtime.upstream.read(
      {
        request: (attempt) => declaration.request(id, request, attempt),
        accepts: (body) => declaration.parse(body) !== undefined,
      },
      caller,
    );
    const parsed = declaration.parse(result.body);
    if (!parsed) throw new GatewayError('upstream-invalid-response', { provider: runtime.adapter.id });
    balances.push(...parsed.balances);
    if (parsed.next === null || parsed.next === cursor) return balances;
    cursor = parsed.next;
  }
  throw new GatewayError('upstream-invalid-response', {
    provider: runtime.adapter.id,
    detail: `The accounts endpoint had more than ${MAX_PAGES} pages.`,
  });
}

/** The customer with each account's balance, currency and contact from the accounts read (matched by id). */
export function withBalances(customer: Customer, balances: readonly AccountBalance[]): Customer {
  const byId = new Map(balances.map((b) => [b.id, b]));
  return {
    ...customer,
    accounts: customer.accounts.map((account) => {
      const read = account.id === null ? undefined : byId.get(account.id);
      if (!read) return account;
      return {
        ...account,
        balance: read.balance,
        currency: account.currency ?? read.currency,
        contactEmail: read.contactEmail,
      };
    }),
  };
}

/** The note of a partial answer, from the failure of the accounts read. */
export function partialNote(error: GatewayError): PartialNote {
  return { missing: ['balances'], problem: error.code, detail: error.message };
}
