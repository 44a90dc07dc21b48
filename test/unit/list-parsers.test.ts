/**
 * The list and balances declarations of the adapters, pure: every documented form of the upstream answers (and
 * their [INFERRED] variants) is read, anything else is refused, and the requests carry the upstream's own terms.
 */
import { adobeList } from '../../providers/adobe-vip/listing.js';
import { tangoBalances, tangoList } from '../../providers/tango/listing.js';
import type { ListPageRequest } from '../../src/core/provider.js';

const attempt = { attemptId: 'attempt-1', idempotencyKey: 'key-1' };
const first: ListPageRequest = { limit: 2, cursor: undefined, filters: {} };

describe('Tango’s customer list', () => {
  test('a plain array is the whole list: no next cursor (the gateway pages it)', () => {
    expect(tangoList.parse([{ customerIdentifier: 'a' }], first)).toEqual({
      customers: [{ customerIdentifier: 'a' }],
      next: null,
    });
  });

  test('the paginated object gives its items and nextCursor, none when nextPageAvailable is false', () => {
    const page = { items: [{}, {}], nextCursor: 'c2', nextPageAvailable: true };
    expect(tangoList.parse(page, first)).toEqual({ customers: [{}, {}], next: 'c2' });
    expect(tangoList.parse({ ...page, nextPageAvailable: false }, first)?.next).toBeNull();
    expect(tangoList.parse({ items: [], nextCursor: null }, first)?.next).toBeNull();
  });

  test.each([[{ customers: [] }], [{ items: 'x' }], ['text'], [null]])(
    '%j is none of the documented shapes',
    (body) => {
      expect(tangoList.parse(body, first)).toBeUndefined();
    },
  );

  test('the request pages with Tango’s parameters and its status values', () => {
    const { path } = tangoList.request(
      { limit: 5, cursor: 'abc', filters: { status: 'inactive', name: 'Acme Co' } },
      attempt,
      {},
    );
    const url = new URL(path, 'http://x');
    expect(url.pathname).toBe('/customers');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      paginate: 'true',
      maxResults: '5',
      nextCursor: 'abc',
      status: 'INACTIVE',
      displayName: 'Acme Co',
    });
  });
});

describe('Tango’s accounts (balances)', () => {
  const account = {
    accountIdentifier: 'acc-1',
    currentBalance: 12.5,
    currencyCode: 'EUR',
    contactEmail: 'a@b.example',
  };

  test('a plain array and the paginated object both give balances', () => {
    const expected = { id: 'acc-1', balance: 12.5, currency: 'EUR', contactEmail: 'a@b.example' };
    expect(tangoBalances.parse([account])).toEqual({ balances: [expected], next: null });
    expect(tangoBalances.parse({ items: [account], nextCursor: 'n', nextPageAvailable: true })).toEqual({
      balances: [expected],
      next: 'n',
    });
  });

  test('a missing or non-numeric balance is null; an account without an id is left out', () => {
    const parsed = tangoBalances.parse([{ accountIdentifier: 'x', currentBalance: 'lots' }, { currentBalance: 3 }]);
    expect(parsed?.balances).toEqual([{ id: 'x', balance: null, currency: null, contactEmail: null }]);
  });

  test('the request asks for Tango’s largest page, with the cursor when there is one', () => {
    const url = new URL(tangoBalances.request('zanzibar-health', 'c1', attempt).path, 'http://x');
    expect(url.pathname).toBe('/customers/zanzibar-health/accounts');
    expect(Object.fromEntries(url.searchParams)).toEqual({ paginate: 'true', maxResults: '200', nextCursor: 'c1' });
  });
});

describe('Adobe’s reseller list', () => {
  const summary = { customerId: '9876543210', companyProfile: { companyName: 'Fairmont' } };

  test('the array is read under "accounts" (the docs’ example) and under "customers" (their table)', () => {
    expect(adobeList.parse({ totalCount: 1, accounts: [summary] }, first)).toEqual({
      customers: [summary],
      next: null,
    });
    expect(adobeList.parse({ totalCount: 1, customers: [summary] }, first)).toEqual({
      customers: [summary],
      next: null,
    });
  });

  test('the next offset comes from the offset asked and totalCount; without a total, a full page may have more', () => {
    expect(adobeList.parse({ totalCount: 5, accounts: [summary, summary] }, { ...first, cursor: '2' })?.next).toBe('4');
    expect(
      adobeList.parse({ totalCount: 4, accounts: [summary, summary] }, { ...first, cursor: '2' })?.next,
    ).toBeNull();
    expect(adobeList.parse({ accounts: [summary, summary] }, first)?.next).toBe('2');
    expect(adobeList.parse({ accounts: [summary] }, first)?.next).toBeNull();
  });

  test.each([[{ items: [] }], [[summary]], [null]])('%j is none of the documented shapes', (body) => {
    expect(adobeList.parse(body, first)).toBeUndefined();
  });

  test('offered only with a reseller id; the request carries Adobe’s filters and its idempotency headers', () => {
    expect(adobeList.offered?.({})).toBe(false);
    expect(adobeList.offered?.({ ADOBE_VIP_RESELLER_ID: '5556667778' })).toBe(true);
    const request = adobeList.request(
      { limit: 100, cursor: '40', filters: { status: 'pending', name: 'Fair' } },
      attempt,
      { ADOBE_VIP_RESELLER_ID: '5556667778' },
    );
    const url = new URL(request.path, 'http://x');
    expect(url.pathname).toBe('/v3/resellers/5556667778/customers');
    // Adobe takes at most 50 a page; the name is the start of the company name.
    expect(Object.fromEntries(url.searchParams)).toEqual({
      limit: '50',
      offset: '40',
      status: '1002',
      'company-name': 'Fair*',
    });
    expect(request.headers).toMatchObject({ 'X-Request-Id': 'attempt-1', 'X-Correlation-Id': 'key-1' });
  });
});
