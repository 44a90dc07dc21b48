/** What linking reads of a record: normalised identifiers, name and places, each with its field path. */
import type { CountryCode } from 'libphonenumber-js';
import type { Address } from '../../../src/core/model.js';
import { featuresOf } from '../../../src/linking/features.js';
import { DEFAULT_LINK_REGION } from '../../../src/linking/phone.js';
import { account, address, contact, customerRecord, organization } from '../../support/customer-record.js';

test('e-mails come from the record, its contacts and its accounts, normalised, once each at the first path', () => {
  const features = featuresOf(
    customerRecord({
      email: ' Post@Fjordkraft.NO ',
      contacts: [contact({ email: 'not an address' }), contact({ email: 'kari@fjordkraft.no' })],
      accounts: [account({ contactEmail: 'post@fjordkraft.no' }), account({ contactEmail: 'faktura@fjordkraft.no' })],
    }),
    'NO',
  );
  expect(features.identifiers).toEqual([
    { feature: 'email', value: 'post@fjordkraft.no', path: 'email' },
    { feature: 'email', value: 'kari@fjordkraft.no', path: 'contacts[1].email' },
    { feature: 'email', value: 'faktura@fjordkraft.no', path: 'accounts[1].contactEmail' },
  ]);
});

test.each<[string, Address[], CountryCode, string]>([
  ['the record’s country', [address({ country: 'SE' })], 'NO', '+46701234567'],
  ['the default region when no address names a country', [address({ city: 'Malmö' })], 'SE', '+46701234567'],
  [
    'the default region when the country is no region libphonenumber knows',
    [address({ country: 'SWE' })],
    'SE',
    '+46701234567',
  ],
])('a national phone number is read in %s', (_case, addresses, defaultRegion, e164) => {
  const features = featuresOf(customerRecord({ phone: '070-123 45 67', addresses }), defaultRegion);
  expect(features.identifiers).toEqual([{ feature: 'phone', value: e164, path: 'phone' }]);
});

test('phones come from the record, its contacts and its addresses; an address’s phone is read in its country', () => {
  const features = featuresOf(
    customerRecord({
      phone: '+47 55 12 34 56',
      contacts: [contact({ phone: '55 12 34 56' }), contact({ phone: '412 34 567' })],
      addresses: [
        address({ type: 'billing', country: 'NO', phone: 'n/a' }),
        address({ type: 'shipping', country: 'SE', phone: '070-123 45 67' }),
      ],
    }),
    DEFAULT_LINK_REGION,
  );
  expect(features.identifiers).toEqual([
    { feature: 'phone', value: '+4755123456', path: 'phone' },
    { feature: 'phone', value: '+4741234567', path: 'contacts[1].phone' },
    { feature: 'phone', value: '+46701234567', path: 'addresses[1].phone' },
  ]);
});

test.each([
  ['Norwegian, with its VAT suffix', 'NO', 'NO 923 609 016 MVA', 'NO:923609016'],
  ['Swedish, read as the record’s country says', 'SE', '556036-0793', 'SE:5560360793'],
  ['Norwegian digits on a Swedish record (not a Swedish number)', 'SE', '923609016', null],
  ['a wrong check digit', 'NO', '923609017', null],
])('the organisation number: %s', (_case, country, registrationNumber, value) => {
  const features = featuresOf(
    customerRecord({
      organization: organization('Equinor ASA', registrationNumber),
      addresses: [address({ country })],
    }),
    'NO',
  );
  const expected = value === null ? [] : [{ feature: 'orgNumber', value, path: 'organization.registrationNumber' }];
  expect(features.identifiers).toEqual(expected);
});

test.each([
  [
    'the organisation’s name first',
    { organization: organization('Equinor ASA'), displayName: 'Statoil' },
    { value: 'equinor', path: 'organization.name' },
  ],
  [
    'else the display name',
    { organization: organization(null), displayName: 'Kari Nordmann' },
    { value: 'kari nordmann', path: 'displayName' },
  ],
  [
    'else the first contact with a name',
    { contacts: [contact({ email: 'x@y.no' }), contact({ firstName: 'Åse', lastName: 'Berg' })] },
    { value: 'ase berg', path: 'contacts[1]' },
  ],
  ['else none', { displayName: ' — ' }, null],
])('the name: %s', (_case, fields, name) => {
  expect(featuresOf(customerRecord(fields), 'NO').name).toEqual(name);
});

test('the country is the billing address’s, else the company address’s, else the shipping address’s', () => {
  const shipping = address({ type: 'shipping', country: 'dk' });
  const company = address({ type: 'company', country: 'se' });
  const billing = address({ type: 'billing', country: 'no' });
  const countryOf = (...addresses: ReturnType<typeof address>[]) =>
    featuresOf(customerRecord({ addresses }), 'NO').country;
  expect(countryOf(shipping, company, billing)).toEqual({ value: 'NO', path: 'addresses[2].country' });
  expect(countryOf(shipping, company)).toEqual({ value: 'SE', path: 'addresses[1].country' });
  expect(countryOf(shipping)).toEqual({ value: 'DK', path: 'addresses[0].country' });
  expect(countryOf(address({ type: 'billing' }), shipping)).toEqual({ value: 'DK', path: 'addresses[1].country' });
  expect(countryOf()).toBeNull();
});

test('cities are folded and postal codes upper case without spaces, each once at its first path', () => {
  const features = featuresOf(
    customerRecord({
      addresses: [
        address({ city: 'TRONDHEIM', postalCode: '7010' }),
        address({ type: 'shipping', city: ' Trondheim ', postalCode: '70 10' }),
        address({ type: 'company', city: 'Malmö', postalCode: 'se-211 19' }),
        address({ type: 'company', city: ' ', postalCode: null }),
      ],
    }),
    'NO',
  );
  expect(features.cities).toEqual([
    { value: 'trondheim', path: 'addresses[0].city' },
    { value: 'malmo', path: 'addresses[2].city' },
  ]);
  expect(features.postalCodes).toEqual([
    { value: '7010', path: 'addresses[0].postalCode' },
    { value: 'SE-21119', path: 'addresses[2].postalCode' },
  ]);
});

// A personal number, and two values that would pass as an organisation number and a phone if they were read.
test.each(['01017012345', '923609016', '+4741234567'])('the national id is never read (%j)', (nationalId) => {
  const record = customerRecord({ type: 'individual', displayName: 'Kari Nordmann', email: 'kari@example.no' });
  const features = featuresOf({ ...record, nationalId }, 'NO');
  expect(features).toEqual(featuresOf(record, 'NO'));
  expect(JSON.stringify(features)).not.toContain(nationalId.slice(-6));
});
