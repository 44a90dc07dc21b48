/**
 * Tango's normaliser against Tango's documented payload and its variants (the common model: docs/api.md).
 * The normaliser is pure, so it is called directly; the e2e tests cover the same mapping through HTTP.
 */
import { tango } from '../../providers/tango/adapter.js';

/**
 * The example of "Get details for a specific customer", verbatim
 * (https://developers.tangocard.com/docs/get-details-for-a-specific-customer): every string is the literal "string".
 */
const DOCUMENTED = {
  customerIdentifier: 'string',
  displayName: 'string',
  status: 'string',
  createdAt: '2024-03-11T19:30:55.706Z',
  accounts: [
    {
      accountIdentifier: 'string',
      accountNumber: 'string',
      displayName: 'string',
      createdAt: '2024-03-11T19:30:55.706Z',
      status: 'string',
      currencyCode: 'string',
    },
  ],
};

/** Tango's documented example: the payload Tango sends for Zanzibar Health Group (the README's example answer). */
const ZANZIBAR = {
  customerIdentifier: 'zanzibar-health',
  displayName: 'Zanzibar Health Group',
  status: 'active',
  createdAt: '2024-03-11T19:30:55.706Z',
  accounts: [
    {
      accountIdentifier: 'zanzibar-main',
      accountNumber: 'A51721736',
      displayName: 'Main budget',
      createdAt: '2024-03-11T19:30:55.706Z',
      status: 'ACTIVE',
      currencyCode: 'USD',
    },
  ],
};

const EMPTY_PARTS = {
  type: 'organization',
  statusReason: null,
  email: null,
  phone: null,
  preferredLanguage: null,
  nationalId: null,
  organization: null,
  addresses: [],
  contacts: [],
  providerDetails: {},
};

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

const normalize = (body: unknown) => tango.normalize(deepFreeze(body));
const withStatus = (status: unknown) => normalize({ ...ZANZIBAR, status });
const withAccount = (account: Record<string, unknown>) =>
  normalize({ ...ZANZIBAR, accounts: [{ ...ZANZIBAR.accounts[0], ...account }] }).accounts[0];

test('Tango’s documented example normalises with its unmapped "string" statuses as unknown', () => {
  expect(normalize(DOCUMENTED)).toEqual({
    ...EMPTY_PARTS,
    displayName: 'string',
    status: 'unknown',
    providerStatus: 'string',
    createdAt: '2024-03-11T19:30:55.706Z',
    accounts: [
      {
        id: 'string',
        number: 'string',
        displayName: 'string',
        status: 'unknown',
        providerStatus: 'string',
        currency: 'string',
        balance: null,
        contactEmail: null,
        createdAt: '2024-03-11T19:30:55.706Z',
      },
    ],
  });
});

test('the design’s Zanzibar example normalises to the design’s common model', () => {
  expect(normalize(ZANZIBAR)).toEqual({
    ...EMPTY_PARTS,
    displayName: 'Zanzibar Health Group',
    status: 'active',
    providerStatus: 'active',
    createdAt: '2024-03-11T19:30:55.706Z',
    accounts: [
      {
        id: 'zanzibar-main',
        number: 'A51721736',
        displayName: 'Main budget',
        status: 'active',
        providerStatus: 'ACTIVE',
        currency: 'USD',
        balance: null,
        contactEmail: null,
        createdAt: '2024-03-11T19:30:55.706Z',
      },
    ],
  });
});

describe('customer status, mapped case-insensitively', () => {
  test.each([
    ['ACTIVE', 'active'],
    ['active', 'active'],
    ['Active', 'active'],
    ['aCtIvE', 'active'],
    ['INACTIVE', 'inactive'],
    ['inactive', 'inactive'],
    ['InActive', 'inactive'],
    ['ARCHIVED', 'unknown'],
    ['pending', 'unknown'],
    ['string', 'unknown'],
  ])('%s becomes %s, and providerStatus keeps it exactly', (sent, expected) => {
    expect(withStatus(sent)).toMatchObject({ status: expected, providerStatus: sent });
  });

  test.each([
    ['missing', undefined],
    ['null', null],
    ['an empty string', ''],
  ])('a %s status is unknown with providerStatus null', (_name, sent) => {
    expect(withStatus(sent)).toMatchObject({ status: 'unknown', providerStatus: null });
  });

  test('a status of another type is unknown, never an error', () => {
    expect(withStatus({ code: 'ACTIVE' }).status).toBe('unknown');
    expect(withStatus(['ACTIVE']).status).toBe('unknown');
  });
});

describe('account status', () => {
  test.each([
    ['ACTIVE', 'active'],
    ['INACTIVE', 'inactive'],
    ['DISABLED', 'suspended'],
    ['FROZEN', 'suspended'],
    ['DELETED', 'closed'],
    ['deleted', 'closed'],
    ['Frozen', 'suspended'],
    ['UNDER_REVIEW', 'unknown'],
  ])('%s becomes %s, and providerStatus keeps it exactly', (sent, expected) => {
    expect(withAccount({ status: sent })).toMatchObject({ status: expected, providerStatus: sent });
  });

  test('a missing account status is unknown', () => {
    expect(withAccount({ status: undefined })).toMatchObject({ status: 'unknown', providerStatus: null });
  });
});

describe('normalisation fine print', () => {
  test('empty strings become null, on the customer and on its accounts', () => {
    const customer = normalize({
      customerIdentifier: 'empty-co',
      displayName: '',
      status: '',
      createdAt: '',
      accounts: [
        { accountIdentifier: '', accountNumber: '', displayName: '', createdAt: '', status: '', currencyCode: '' },
      ],
    });
    expect(customer).toMatchObject({ displayName: null, providerStatus: null, createdAt: null });
    expect(customer.accounts[0]).toEqual({
      id: null,
      number: null,
      displayName: null,
      status: 'unknown',
      providerStatus: null,
      currency: null,
      balance: null,
      contactEmail: null,
      createdAt: null,
    });
  });

  test('an unparseable date becomes null', () => {
    expect(normalize({ ...ZANZIBAR, createdAt: 'not-a-date' }).createdAt).toBeNull();
    expect(withAccount({ createdAt: '2024-13-45T99:00:00Z' })?.createdAt).toBeNull();
  });

  test('dates are re-emitted as UTC ISO 8601 with milliseconds', () => {
    expect(normalize({ ...ZANZIBAR, createdAt: '2024-03-11T21:30:55.706+02:00' }).createdAt).toBe(
      '2024-03-11T19:30:55.706Z',
    );
    expect(withAccount({ createdAt: '2020-01-01T00:00:00Z' })?.createdAt).toBe('2020-01-01T00:00:00.000Z');
  });

  test('unknown fields are ignored, on the customer and on its accounts', () => {
    const customer = normalize({
      ...ZANZIBAR,
      region: 'EU',
      tier: { level: 3 },
      accounts: [{ ...ZANZIBAR.accounts[0], fundingNotification: [{ emailAddress: 'x@y.z' }], extra: 1 }],
    });
    expect(customer).toEqual(normalize(ZANZIBAR));
  });

  test('a balance or contact email in the payload is not taken: both stay null until balances are asked for', () => {
    expect(withAccount({ currentBalance: 1250.5, contactEmail: 'finance@zanzibar.example' })).toMatchObject({
      balance: null,
      contactEmail: null,
    });
  });

  test.each([
    ['missing', undefined],
    ['null', null],
    ['an object', { accountIdentifier: 'x' }],
    ['a string', 'none'],
  ])('accounts %s become []', (_name, accounts) => {
    expect(normalize({ ...ZANZIBAR, accounts }).accounts).toEqual([]);
  });

  test('entries of accounts that are not objects are skipped', () => {
    const customer = normalize({ ...ZANZIBAR, accounts: [null, 'x', 7, ZANZIBAR.accounts[0]] });
    expect(customer.accounts.map((a) => a.id)).toEqual(['zanzibar-main']);
  });

  test('a body with only the id normalises with nulls, never a throw', () => {
    expect(normalize({ customerIdentifier: 'bare-minimum' })).toEqual({
      ...EMPTY_PARTS,
      displayName: null,
      status: 'unknown',
      providerStatus: null,
      createdAt: null,
      accounts: [],
    });
  });

  test('unicode names pass through unchanged', () => {
    expect(normalize({ ...ZANZIBAR, displayName: 'Ærøskøbing Velvære ApS — 健康' }).displayName).toBe(
      'Ærøskøbing Velvære ApS — 健康',
    );
  });
});
