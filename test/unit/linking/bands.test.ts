/** The band rules: which pairs of records are the same customer, possibly the same, or not linked, and why. */
import type { Customer } from '../../../src/core/model.js';
import { compareRecords, isGenericIdentifier, type IsGeneric } from '../../../src/linking/bands.js';
import { featuresOf } from '../../../src/linking/features.js';
import type { Comparison, Evidence } from '../../../src/linking/types.js';
import { address, contact, customerRecord, organization } from '../../support/customer-record.js';

const features = (fields: Partial<Customer>) => featuresOf(customerRecord(fields), 'NO');
const noneGeneric: IsGeneric = () => false;
const mailbox = 'post@regnskapshuset.no';
/** The accounting office's mailbox, given as contact by five of its clients. */
const mailboxHolders = ['Hansen Bygg AS', 'Hansen Bygg', 'Berg Regnskap', 'Fjordkraft', 'Nordic Paper'];
const sharedMailbox: IsGeneric = (feature, value) =>
  feature === 'email' && value === mailbox && isGenericIdentifier(mailboxHolders, 3);
const inBergen = [address({ city: 'Bergen', postalCode: '5003', country: 'NO' })];

const ev = (feature: Evidence['feature'], agreement: Evidence['agreement'], from: string, to: string): Evidence => ({
  feature,
  agreement,
  from,
  to,
});

const cases: [string, Partial<Customer>, Partial<Customer>, IsGeneric, Comparison['band'] | null, Evidence[]][] = [
  [
    'one e-mail shared and the names agree',
    { organization: organization('Fjordkraft AS'), email: 'post@fjordkraft.no' },
    { displayName: 'FJORDKRAFT', contacts: [contact({ email: 'post@fjordkraft.no' })] },
    noneGeneric,
    'same',
    [ev('email', 'exact', 'email', 'contacts[0].email'), ev('name', 'exact', 'organization.name', 'displayName')],
  ],
  [
    'the e-mail written in other cases',
    { displayName: 'Kari Nordmann', email: 'Kari.Nordmann@Example.no' },
    { displayName: 'Kari Nordmann', email: 'kari.nordmann@EXAMPLE.NO' },
    noneGeneric,
    'same',
    [ev('email', 'exact', 'email', 'email'), ev('name', 'exact', 'displayName', 'displayName')],
  ],
  [
    'the organisation number, with a legal form on one side only',
    { organization: organization('Equinor ASA', '923 609 016') },
    { organization: organization('Equinor', 'NO923609016MVA') },
    noneGeneric,
    'same',
    [
      ev('orgNumber', 'exact', 'organization.registrationNumber', 'organization.registrationNumber'),
      ev('name', 'exact', 'organization.name', 'organization.name'),
    ],
  ],
  [
    'a name spelt another way',
    { displayName: 'Hansen Bygg AS', phone: '+47 412 34 567' },
    { displayName: 'Hanssen Bygg', phone: '41234567' },
    noneGeneric,
    'same',
    [ev('phone', 'exact', 'phone', 'phone'), ev('name', 'similar', 'displayName', 'displayName')],
  ],
  [
    'one side without a name',
    { displayName: 'Kari Nordmann', email: 'kari@example.no' },
    { email: 'kari@example.no' },
    noneGeneric,
    'same',
    [ev('email', 'exact', 'email', 'email')],
  ],
  [
    'two companies sharing only a phone (a switchboard), names differ',
    { organization: organization('Bergen Bil AS'), phone: '+47 55 12 34 56' },
    { organization: organization('Bergen Bolig AS'), addresses: [address({ phone: '55 12 34 56' })] },
    noneGeneric,
    'possible',
    [
      ev('phone', 'exact', 'phone', 'addresses[0].phone'),
      ev('name', 'different', 'organization.name', 'organization.name'),
    ],
  ],
  [
    'a mailbox five differently named records hold (generic), names agree: never same',
    { displayName: 'Hansen Bygg AS', email: mailbox },
    { displayName: 'Hansen Bygg', email: mailbox },
    sharedMailbox,
    'possible',
    [ev('email', 'generic', 'email', 'email'), ev('name', 'exact', 'displayName', 'displayName')],
  ],
  [
    'an e-mail and a phone shared, names differ',
    { displayName: 'Fjordkraft', email: 'kundeservice@fjordkraft.no', phone: '+4755123456' },
    { displayName: 'Fjordkraft Kundeservice', email: 'kundeservice@fjordkraft.no', phone: '55 12 34 56' },
    noneGeneric,
    'same',
    [
      ev('email', 'exact', 'email', 'email'),
      ev('phone', 'exact', 'phone', 'phone'),
      ev('name', 'different', 'displayName', 'displayName'),
    ],
  ],
  [
    'two e-mails shared, names differ (one kind of identifier twice)',
    { displayName: 'Acme Holding', email: 'ceo@acme.no', contacts: [contact({ email: 'faktura@acme.no' })] },
    { displayName: 'Acme Eiendom', email: 'faktura@acme.no', contacts: [contact({ email: 'ceo@acme.no' })] },
    noneGeneric,
    'possible',
    [
      ev('email', 'exact', 'email', 'contacts[0].email'),
      ev('email', 'exact', 'contacts[0].email', 'email'),
      ev('name', 'different', 'displayName', 'displayName'),
    ],
  ],
  [
    'a generic mailbox and a phone shared, names differ: the mailbox does not count',
    { displayName: 'Berg Regnskap', email: mailbox, phone: '+4755123456' },
    { displayName: 'Nordic Paper', email: mailbox, phone: '+4755123456' },
    sharedMailbox,
    'possible',
    [
      ev('email', 'generic', 'email', 'email'),
      ev('phone', 'exact', 'phone', 'phone'),
      ev('name', 'different', 'displayName', 'displayName'),
    ],
  ],
  [
    'similar names in the same country and city',
    { displayName: 'Hansen Bygg AS', addresses: inBergen },
    {
      displayName: 'Hanssen Bygg',
      addresses: [address({ type: 'shipping', city: 'BERGEN', postalCode: '5004', country: 'no' })],
    },
    noneGeneric,
    'possible',
    [
      ev('name', 'similar', 'displayName', 'displayName'),
      ev('country', 'exact', 'addresses[0].country', 'addresses[0].country'),
      ev('city', 'exact', 'addresses[0].city', 'addresses[0].city'),
    ],
  ],
  [
    'the same name in the same country and postal code',
    { displayName: 'Kari Nordmann', addresses: inBergen },
    { displayName: 'Kari Nordmann', addresses: [address({ city: 'Sentrum', postalCode: '50 03', country: 'NO' })] },
    noneGeneric,
    'possible',
    [
      ev('name', 'exact', 'displayName', 'displayName'),
      ev('country', 'exact', 'addresses[0].country', 'addresses[0].country'),
      ev('postalCode', 'exact', 'addresses[0].postalCode', 'addresses[0].postalCode'),
    ],
  ],
  [
    'the same name in different cities, no identifier',
    { displayName: 'Kari Nordmann', addresses: inBergen },
    { displayName: 'Kari Nordmann', addresses: [address({ city: 'Oslo', postalCode: '0150', country: 'NO' })] },
    noneGeneric,
    null,
    [],
  ],
  [
    'the same name and city, one side without a country',
    { displayName: 'Kari Nordmann', addresses: inBergen },
    { displayName: 'Kari Nordmann', addresses: [address({ city: 'Bergen', postalCode: '5003' })] },
    noneGeneric,
    null,
    [],
  ],
  [
    'different names in the same city',
    { displayName: 'Bergen Bil', addresses: inBergen },
    { displayName: 'Bergen Bolig', addresses: inBergen },
    noneGeneric,
    null,
    [],
  ],
  [
    'the same national id and nothing else',
    { type: 'individual', nationalId: '01017012345' },
    { type: 'individual', nationalId: '01017012345' },
    noneGeneric,
    null,
    [],
  ],
];

test.each(cases)('%s → %s', (_case, a, b, isGeneric, band, evidence) => {
  const comparison = compareRecords(features(a), features(b), isGeneric);
  expect(comparison?.band ?? null).toBe(band);
  expect(comparison?.evidence ?? []).toEqual(evidence);
});

test('a phone written three ways ties each pair of its records', () => {
  const written = ['+47 55 12 34 56', '0047 55123456', '55 12 34 56'].map((phone) =>
    features({ displayName: 'Bergen Rør AS', phone }),
  );
  for (const [i, from] of written.entries()) {
    for (const to of written.slice(i + 1)) {
      expect(compareRecords(from, to, noneGeneric)?.band).toBe('same');
    }
  }
});

test('every same scores above every possible; scores lie in [0, 1] with three decimals', () => {
  const comparisons = cases
    .map(([, a, b, isGeneric]) => compareRecords(features(a), features(b), isGeneric))
    .filter((comparison) => comparison !== null);
  const scores = (band: string) => comparisons.filter((c) => c.band === band).map((c) => c.score);
  expect(Math.min(...scores('same'))).toBeGreaterThan(Math.max(...scores('possible')));
  for (const { score } of comparisons) {
    expect(score).toBeGreaterThanOrEqual(0);
    expect(score).toBeLessThanOrEqual(1);
    expect(Math.round(score * 1000) / 1000).toBe(score);
  }
});

test('the comparison runs both ways with the same band and the paths swapped', () => {
  const a = features({ organization: organization('Bergen Bil AS'), phone: '+47 55 12 34 56' });
  const b = features({ organization: organization('Bergen Bolig AS'), addresses: [address({ phone: '55123456' })] });
  const there = compareRecords(a, b, noneGeneric);
  const back = compareRecords(b, a, noneGeneric);
  expect(back?.band).toBe(there?.band);
  expect(back?.score).toBe(there?.score);
  expect(back?.evidence).toEqual(there?.evidence.map((e) => ({ ...e, from: e.to, to: e.from })));
});

test.each([
  ['five holders, five names', ['Hansen Bygg', 'Berg Regnskap', 'Fjordkraft', 'Nordic Paper', 'Kari Nordmann'], true],
  ['four holders, two names, limit 3', ['Hansen Bygg', 'Hanssen Bygg AS', 'HANSEN BYGG', 'Berg Regnskap'], true],
  [
    'five holders, one name spelt several ways',
    ['Hansen Bygg', 'Hanssen Bygg AS', 'HANSEN BYGG', 'Hansen Bygg', null],
    false,
  ],
  ['three holders, three names (not more than the limit)', ['Hansen Bygg', 'Berg Regnskap', 'Fjordkraft'], false],
  ['five holders without names', [null, null, null, null, null], false],
  ['five holders, one named', ['Hansen Bygg', null, null, null, null], false],
  ['five holders, two named differently', ['Hansen Bygg', null, null, 'Berg Regnskap', null], true],
])('generic with limit 3: %s → %s', (_case, names, generic) => {
  expect(isGenericIdentifier(names, 3)).toBe(generic);
});
