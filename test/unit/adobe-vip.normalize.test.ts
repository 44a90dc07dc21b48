import { classifyAdobe, normalizeAdobeCustomer } from '../../providers/adobe-vip/adapter.js';
import { FAIRMONT } from '../../providers/adobe-vip/seeds.js';

describe('the Adobe normaliser', () => {
  test('maps Adobe’s documented Fairmont payload onto the common model', () => {
    expect(normalizeAdobeCustomer(FAIRMONT)).toEqual({
      type: 'organization',
      displayName: 'Fairmont',
      status: 'active',
      statusReason: null,
      providerStatus: '1000',
      createdAt: '2019-05-02T22:49:52.000Z',
      email: 'mickey@mouse.com',
      phone: '408-123-4567',
      preferredLanguage: 'en-US',
      nationalId: null,
      organization: { name: 'Fairmont', registrationNumber: null, marketSegment: 'EDU', marketSubSegments: ['K_12'] },
      addresses: [
        {
          type: 'company',
          line1: '200 Fairmont Ave',
          line2: 'Apt 123',
          city: 'San Jose',
          region: 'CA',
          postalCode: '95110-1234',
          country: 'US',
          phone: '800-123-4567',
        },
      ],
      contacts: [{ firstName: 'Mickey', lastName: 'Mouse', email: 'mickey@mouse.com', phone: '408-123-4567' }],
      accounts: [],
      providerDetails: {
        resellerId: '5556667778',
        externalReferenceId: '342',
        globalSalesEnabled: false,
        cotermDate: '2020-05-02',
        discounts: [{ offerType: 'LICENSE', level: '02' }],
        linkedMembership: {
          id: '51001315',
          name: 'This is the Group Created for 1005513636',
          type: 'STANDARD',
          linkedMembershipType: 'OWNER',
          creationDate: '2024-07-17T03:47:35',
        },
      },
    });
  });

  test.each([
    ['1000', 'active', null],
    ['1002', 'pending', null],
    ['1004', 'inactive', null],
    ['1010', 'inactive', 'invalid-address'],
    ['1012', 'inactive', 'account-blocked'],
    ['1014', 'inactive', 'duplicate-company'],
    ['1026', 'unknown', null],
    ['ACTIVE', 'unknown', null],
  ])('status %s is %s with reason %s', (code, status, reason) => {
    const customer = normalizeAdobeCustomer({ ...FAIRMONT, status: code });
    expect(customer.status).toBe(status);
    expect(customer.statusReason).toBe(reason);
    expect(customer.providerStatus).toBe(code);
  });

  test('a missing status is unknown, with a null providerStatus', () => {
    const { status: _s, ...rest } = FAIRMONT;
    expect(normalizeAdobeCustomer(rest)).toMatchObject({ status: 'unknown', statusReason: null, providerStatus: null });
  });

  test('an LGA customer keeps its benefits and linked membership (benefitTypes, country) in providerDetails', () => {
    const lga = {
      ...FAIRMONT,
      companyProfile: { ...FAIRMONT.companyProfile, marketSegment: 'GOV', marketSubSegments: ['FEDERAL'] },
      benefits: [{ type: 'LARGE_GOVERNMENT_AGENCY', status: 'ACTIVE' }],
      linkedMembership: {
        id: '1',
        name: 'LGA',
        type: 'STANDARD',
        linkedMembershipType: 'OWNER',
        country: 'US',
        benefitTypes: ['LARGE_GOVERNMENT_AGENCY'],
      },
      tags: ['HVD_MIGRATED_CUSTOMER'],
    };
    const customer = normalizeAdobeCustomer(lga);
    expect(customer.organization).toEqual({
      name: 'Fairmont',
      registrationNumber: null,
      marketSegment: 'GOV',
      marketSubSegments: ['FEDERAL'],
    });
    expect(customer.providerDetails.benefits).toEqual([{ type: 'LARGE_GOVERNMENT_AGENCY', status: 'ACTIVE' }]);
    expect(customer.providerDetails.linkedMembership).toMatchObject({
      country: 'US',
      benefitTypes: ['LARGE_GOVERNMENT_AGENCY'],
    });
    expect(customer.providerDetails.tags).toEqual(['HVD_MIGRATED_CUSTOMER']);
  });

  test('a sparse profile: no sub-segments → [], absent blocks empty, empty strings null, no absent details', () => {
    const customer = normalizeAdobeCustomer({
      customerId: 'P1',
      resellerId: '',
      cotermDate: '',
      creationDate: 'not-a-date',
      status: '1000',
      companyProfile: { companyName: 'Sparse', marketSegment: 'COM', preferredLanguage: '' },
    });
    expect(customer).toMatchObject({
      displayName: 'Sparse',
      createdAt: null,
      email: null,
      phone: null,
      preferredLanguage: null,
      organization: { name: 'Sparse', registrationNumber: null, marketSegment: 'COM', marketSubSegments: [] },
      addresses: [],
      contacts: [],
    });
    expect(customer.providerDetails).toEqual({ resellerId: null, cotermDate: null });
  });

  test('a lower-case country is upper-cased and a missing address line 2 is null', () => {
    const customer = normalizeAdobeCustomer({
      ...FAIRMONT,
      companyProfile: {
        ...FAIRMONT.companyProfile,
        address: { country: 'dk', city: 'Ærø', addressLine1: 'Søndergade 1' },
      },
    });
    expect(customer.addresses).toEqual([
      {
        type: 'company',
        line1: 'Søndergade 1',
        line2: null,
        city: 'Ærø',
        region: null,
        postalCode: null,
        country: 'DK',
        phone: null,
      },
    ]);
  });

  test.each([[null], [[]], ['text'], [{}], [{ companyProfile: 'x', status: 1000, contacts: [null] }]])(
    'never throws on %j',
    (body) => {
      const customer = normalizeAdobeCustomer(body);
      expect(customer.type).toBe('organization');
      expect(customer.providerDetails).toBeDefined();
    },
  );
});

describe('Adobe classification', () => {
  test.each([
    [404, { code: '1116', message: 'Invalid Customer' }, 'not-found'],
    [404, undefined, 'not-found'],
    [404, { message: 'no code' }, 'not-found'],
    [404, { code: '1115', message: 'Invalid Reseller' }, 'unexpected'],
    [400, { code: '4119', message: 'Correlation ID is Invalid or Missing' }, 'unexpected'],
    [400, { code: '4120', message: 'Duplicate Request ID' }, 'unexpected'],
    [400, { code: '1121', message: 'Unexpected fields' }, 'unexpected'],
    [400, { code: '1122', message: 'Missing required fields' }, 'unexpected'],
    [400, { code: '1117', message: 'Some Fields are Invalid' }, 'bad-request'],
    [401, { code: '4116', message: 'invalid token' }, 'unauthorized'],
    [403, { code: '4115', message: 'invalid API key' }, 'forbidden'],
    [403, { code: '4117', message: 'missing token' }, 'forbidden'],
    [403, { code: '4121', message: 'not allowed' }, 'forbidden'],
    [429, { code: '4118', message: 'Too many requests' }, 'rate-limited'],
    [503, { code: '4118', message: 'Too many requests' }, 'rate-limited'],
  ])('%i with %j is %s', (status, body, verdict) => {
    expect(classifyAdobe(status, body)?.verdict).toBe(verdict);
  });

  test('2xx and 5xx keep the core’s reading', () => {
    expect(classifyAdobe(200, FAIRMONT)).toBeUndefined();
    expect(classifyAdobe(500, { code: '1124', message: 'Internal server error' })).toBeUndefined();
  });
});
