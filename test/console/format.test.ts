import {
  accountStatusBadge,
  addressLines,
  customerStatusBadge,
  customerTypeLabel,
  detailValue,
  explainCache,
  formatAge,
  formatDateTime,
  formatMoney,
  humanizeCode,
  labelFromKey,
  orDash,
  orNotProvided,
  personName,
  textOf,
} from '../../console/src/format.js';

describe('empty values', () => {
  it.each([null, undefined, '', '   ', Number.NaN, {}, []])('%p has no text', (value) => {
    expect(textOf(value)).toBeNull();
    expect(orNotProvided(value)).toBe('not provided');
    expect(orDash(value)).toBe('—');
  });

  it('keeps real values, including zero and false', () => {
    expect(textOf('Kari')).toBe('Kari');
    expect(textOf(0)).toBe('0');
    expect(textOf(false)).toBe('no');
  });
});

describe('status badges', () => {
  it('names the four customer statuses and reads anything else as unknown', () => {
    expect(customerStatusBadge('active')).toEqual({ key: 'active', label: 'Active', tone: 'good' });
    expect(customerStatusBadge('pending').label).toBe('Pending');
    expect(customerStatusBadge('inactive').tone).toBe('bad');
    expect(customerStatusBadge('SUSPENDED')).toEqual({ key: 'unknown', label: 'Unknown', tone: 'neutral' });
    expect(customerStatusBadge(undefined).key).toBe('unknown');
    expect(customerStatusBadge('toString').key).toBe('unknown');
  });

  it('names account statuses', () => {
    expect(accountStatusBadge('suspended')).toEqual({ key: 'suspended', label: 'Suspended', tone: 'warn' });
    expect(accountStatusBadge('closed').label).toBe('Closed');
    expect(accountStatusBadge(null).label).toBe('Unknown');
  });

  it('names the customer type', () => {
    expect(customerTypeLabel('individual')).toBe('Individual');
    expect(customerTypeLabel('organization')).toBe('Organization');
    expect(customerTypeLabel('unknown')).toBe('Type unknown');
  });

  it('humanizes a status reason code', () => {
    expect(humanizeCode('account-blocked')).toBe('account blocked');
    expect(humanizeCode(null)).toBeNull();
  });
});

describe('formatDateTime', () => {
  it('formats an ISO date in the given zone', () => {
    expect(formatDateTime('2024-03-11T19:30:55.706Z', { locale: 'en-GB', timeZone: 'UTC' })).toBe(
      '11 Mar 2024, 19:30:55 UTC',
    );
  });

  it('shows an unparseable date as sent and a missing one as null', () => {
    expect(formatDateTime('yesterday')).toBe('yesterday');
    expect(formatDateTime(null)).toBeNull();
  });
});

describe('formatAge', () => {
  it.each([
    [0, 'less than a second'],
    [1, '1 second'],
    [59, '59 seconds'],
    [60, '1 min'],
    [250, '4 min 10 s'],
    [3600, '1 h'],
    [11_100, '3 h 5 min'],
    [86_400, '1 day'],
    [187_200, '2 days 4 h'],
  ])('%d seconds reads "%s"', (seconds, words) => {
    expect(formatAge(seconds)).toBe(words);
  });

  it('has nothing to say about a missing or negative age', () => {
    expect(formatAge(undefined)).toBeNull();
    expect(formatAge(-1)).toBeNull();
  });
});

describe('formatMoney', () => {
  it('formats a known balance in its currency', () => {
    expect(formatMoney(1234.5, 'USD', 'en-US')).toBe('$1,234.50');
  });

  it('keeps an unknown currency code as text', () => {
    expect(formatMoney(10, 'XX1', 'en-US')).toBe('10 XX1');
  });

  it('is null while the balance is not known', () => {
    expect(formatMoney(null, 'USD')).toBeNull();
  });
});

describe('addresses and people', () => {
  it('builds the lines of an address and leaves out empty parts', () => {
    expect(
      addressLines({ line1: 'Storgata 1', line2: null, postalCode: '0155', city: 'Oslo', region: '', country: 'NO' }),
    ).toEqual(['Storgata 1', '0155 Oslo', 'NO']);
    expect(addressLines({})).toEqual([]);
  });

  it('joins a person’s names, or gives null', () => {
    expect(personName({ firstName: 'Kari', lastName: 'Nordmann' })).toBe('Kari Nordmann');
    expect(personName({ firstName: null, lastName: 'Nordmann' })).toBe('Nordmann');
    expect(personName({ firstName: null, lastName: null })).toBeNull();
  });
});

describe('provider details', () => {
  it('labels keys and writes values of any JSON type on one line', () => {
    expect(labelFromKey('resellerId')).toBe('Reseller id');
    expect(labelFromKey('global_sales_enabled')).toBe('Global sales enabled');
    expect(detailValue(['a', 'b'])).toBe('a, b');
    expect(detailValue([])).toBe('none');
    expect(detailValue({ level: 2 })).toBe('Level: 2');
    expect(detailValue({ id: '51001315', linkedMembershipType: 'OWNER', owner: null })).toBe(
      'Id: 51001315; Linked membership type: OWNER; Owner: not provided',
    );
    expect(
      detailValue([
        { offerType: 'LICENSE', level: '02' },
        { offerType: 'CONSUMABLES', level: '' },
      ]),
    ).toBe('Offer type: LICENSE; Level: 02 | Offer type: CONSUMABLES; Level: not provided');
    expect(detailValue({ links: { self: { uri: '/v3' } }, tags: ['a', 'b'] })).toBe(
      'Links: (Self: (Uri: /v3)); Tags: (a, b)',
    );
    expect(detailValue({})).toBe('none');
    expect(detailValue(true)).toBe('yes');
    expect(detailValue(null)).toBeNull();
  });
});

describe('explainCache', () => {
  it('explains hit, miss and stale', () => {
    expect(explainCache('hit').label).toBe('Gateway cache (fresh)');
    expect(explainCache('miss').label).toBe('Provider (live)');
    expect(explainCache('stale')).toMatchObject({ label: 'Gateway cache (stale)', tone: 'warn' });
    expect(explainCache(undefined).label).toBe('not provided');
  });
});
