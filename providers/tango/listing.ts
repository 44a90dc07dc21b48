/**
 * Tango's customer list and account balances: `GET /customers` and `GET /customers/{customerIdentifier}/accounts`.
 * Both take `paginate`, `maxResults` and `nextCursor`; both are declared as plain arrays and documented with a
 * paginated object `{items, nextCursor, nextPageAvailable, …}` as well, so both forms are read.
 * https://developers.tangocard.com/docs/get-a-list-of-all-customers
 * https://developers.tangocard.com/docs/get-a-list-of-accounts-created
 */
import { isRecord, objectList, text } from '../../src/core/normalize.js';
import type { BalancesDeclaration, ListDeclaration, ListPage } from '../../src/core/provider.js';

/** Tango's largest page. */
const MAX_RESULTS = 200;

/** A plain array (the whole list: the gateway pages it) or Tango's paginated object. */
function tangoPage(body: unknown): ListPage | undefined {
  if (Array.isArray(body)) return { customers: body, next: null };
  if (!isRecord(body) || !Array.isArray(body.items)) return undefined;
  const next = body.nextPageAvailable === false ? null : text(body.nextCursor);
  return { customers: body.items, next };
}

const query = (params: Record<string, string | undefined>): string =>
  new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString();

export const tangoList: ListDeclaration = {
  statuses: ['active', 'inactive'],
  name: true,
  // https://developers.tangocard.com/docs/get-a-list-of-all-customers
  request: ({ limit, cursor, filters }) => ({
    path: `/customers?${query({
      paginate: 'true',
      maxResults: String(Math.min(limit, MAX_RESULTS)),
      nextCursor: cursor,
      status: filters.status?.toUpperCase(),
      displayName: filters.name,
    })}`,
  }),
  parse: tangoPage,
};

export const tangoBalances: BalancesDeclaration = {
  // https://developers.tangocard.com/docs/get-a-list-of-accounts-created
  request: (id, cursor) => ({
    path: `/customers/${encodeURIComponent(id)}/accounts?${query({
      paginate: 'true',
      maxResults: String(MAX_RESULTS),
      nextCursor: cursor,
    })}`,
  }),
  parse(body) {
    const page = tangoPage(body);
    if (!page) return undefined;
    const balances = objectList(page.customers).flatMap((account) => {
      const id = text(account.accountIdentifier);
      if (id === null) return [];
      const amount = account.currentBalance;
      return [
        {
          id,
          balance: typeof amount === 'number' && Number.isFinite(amount) ? amount : null,
          currency: text(account.currencyCode),
          contactEmail: text(account.contactEmail),
        },
      ];
    });
    return { balances, next: page.next };
  },
};
