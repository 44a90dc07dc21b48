import { classifyFrontpayment, normalizeFrontpaymentCustomer } from '../../providers/frontpayment/adapter.js';
import { KARI_NORDMANN } from '../../providers/frontpayment/seeds.js';

const envelope = (data: unknown) => ({
  status_code: 200,
  status_message: 'OK',
  message: 'customerDetailsRetrievedSuccessfully',
  is_data: true,
  data,
});

describe('the Frontpayment normaliser', () => {
  test('maps Frontpayment’s documented Kari Nordmann payload onto the common model', () => {
    expect(normalizeFrontpaymentCustomer(envelope(KARI_NORDMANN))).toEqual({
      type: 'individual',
      displayName: 'Kari Nordmann',
      status: 'active',
      statusReason: null,
      providerStatus: 'Active',
      createdAt: null,
      email: 'kari.nordmann@example.no',
      phone: '+4700000000',
      preferredLanguage: null,
      nationalId: null,
      organization: null,
      addresses: [
        {
          type: 'billing',
          line1: 'Luramyrveien 65',
          line2: null,
          city: 'Sandnes',
          region: null,
          postalCode: '4313',
          country: 'NO',
          phone: null,
        },
        {
          type: 'shipping',
          line1: 'Sjøhusbakken 42',
          line2: null,
          city: 'Stavanger',
          region: null,
          postalCode: '4313',
          country: 'NO',
          phone: null,
        },
      ],
      contacts: [],
      accounts: [],
      providerDetails: {},
    });
  });

  test('a corporate customer is an organization with its organisation number; no null shipping address', () => {
    const customer = normalizeFrontpaymentCustomer(
      envelope({
        ...KARI_NORDMANN,
        type: 'Corporate',
        name: 'Fjord Fisk AS',
        organizationId: '987654321',
        addresses: { billing: KARI_NORDMANN.addresses?.billing, shipping: null },
      }),
    );
    expect(customer.type).toBe('organization');
    expect(customer.organization).toEqual({
      name: 'Fjord Fisk AS',
      registrationNumber: '987654321',
      marketSegment: null,
      marketSubSegments: [],
    });
    expect(customer.addresses.map((a) => a.type)).toEqual(['billing']);
  });

  test('the personal number is the national id, unmasked: the core masks it per caller', () => {
    expect(
      normalizeFrontpaymentCustomer(envelope({ ...KARI_NORDMANN, personalNumber: '01017012345' })).nationalId,
    ).toBe('01017012345');
  });

  test.each([
    ['+47', '00000000', '+4700000000'],
    ['47', '412 34 567', '+4741234567'],
    ['+47', null, null],
    [null, '00000000', null],
    ['', '00000000', null],
    ['+47', '', null],
  ])('phone from countryCode %j and msisdn %j is %j', (countryCode, msisdn, phone) => {
    expect(normalizeFrontpaymentCustomer(envelope({ ...KARI_NORDMANN, countryCode, msisdn })).phone).toBe(phone);
  });

  test('nulls everywhere: null fields, no addresses, unknown type and status', () => {
    const customer = normalizeFrontpaymentCustomer(
      envelope({
        uuid: 'CSRT1',
        type: 'Alien',
        name: '',
        countryCode: null,
        msisdn: null,
        email: '',
        preferredLanguage: null,
        status: 'Suspended',
        addresses: null,
      }),
    );
    expect(customer).toMatchObject({
      type: 'unknown',
      displayName: null,
      status: 'unknown',
      providerStatus: 'Suspended',
      email: null,
      phone: null,
      organization: null,
      addresses: [],
    });
  });

  test('country is upper-cased, preferred language kept as sent, Inactive is inactive', () => {
    const customer = normalizeFrontpaymentCustomer(
      envelope({
        ...KARI_NORDMANN,
        status: 'inactive',
        preferredLanguage: 'no',
        addresses: { billing: { street: 'Gate 1', zip: '0154', city: 'Oslo', country: 'no' } },
      }),
    );
    expect(customer.status).toBe('inactive');
    expect(customer.preferredLanguage).toBe('no');
    expect(customer.addresses).toEqual([
      {
        type: 'billing',
        line1: 'Gate 1',
        line2: null,
        city: 'Oslo',
        region: null,
        postalCode: '0154',
        country: 'NO',
        phone: null,
      },
    ]);
  });

  test.each([[null], [{}], [{ data: null }], [{ data: 'x' }], [[]]])('never throws on %j', (body) => {
    expect(normalizeFrontpaymentCustomer(body).type).toBe('unknown');
  });
});

describe('Frontpayment classification', () => {
  const notFound = {
    status_code: 404,
    status_message: 'Not Found',
    message: 'customerNotFound',
    is_data: false,
    data: null,
  };
  const fault510 = {
    status_code: 510,
    status_message: 'Execution Exception Occurred',
    message: 'Something Went Wrong',
    is_error: true,
    errors: [],
  };

  test('404 customerNotFound is not-found', () =>
    expect(classifyFrontpayment(404, notFound)?.verdict).toBe('not-found'));
  test('404 with another message, or none, is unexpected', () => {
    expect(classifyFrontpayment(404, { ...notFound, message: 'orderNotFound', is_error: false })?.verdict).toBe(
      'unexpected',
    );
    expect(classifyFrontpayment(404, '<html>nginx</html>')?.verdict).toBe('unexpected');
  });
  test('510 is a retryable server error', () =>
    expect(classifyFrontpayment(510, fault510)?.verdict).toBe('server-error'));
  test('the envelope status_code wins over HTTP 200, and is the upstream status', () => {
    expect(classifyFrontpayment(200, notFound)).toMatchObject({ verdict: 'not-found', upstreamStatus: 404 });
    expect(classifyFrontpayment(200, fault510)).toMatchObject({ verdict: 'server-error', upstreamStatus: 510 });
    expect(classifyFrontpayment(200, { status_code: 401, message: 'unauthenticated' })).toMatchObject({
      verdict: 'unauthorized',
      upstreamStatus: 401,
    });
  });
  test('is_error is never read: envelope 200 with is_error true is ok, 400 with is_error false a bad request', () => {
    expect(classifyFrontpayment(200, { status_code: 200, is_error: true, data: {} })).toBeUndefined();
    expect(
      classifyFrontpayment(400, { status_code: 400, message: 'orderStatusAlreadyCompleted', is_error: false }),
    ).toBeUndefined();
  });
  test('a non-2xx HTTP status is not overridden by an envelope that says 200', () => {
    expect(classifyFrontpayment(500, { status_code: 200 })).toBeUndefined();
  });
});
