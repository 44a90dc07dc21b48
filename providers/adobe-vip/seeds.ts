/**
 * The Adobe simulator's customers: Fairmont exactly as in Adobe's docs, then one customer per account status
 * code, an LGA customer, a 3YC customer, a unicode company and a sparse profile; then the linked data set.
 */
import { ADOBE_LINKED_SEEDS } from './linked-seeds.js';
import type { AdobeCustomer } from './schema.js';

const links = (id: string) => ({ self: { uri: `/v3/customers/${id}`, method: 'GET', headers: [] } });

/** https://developer.adobe.com/vipmp/docs/customer-account/get-customer-account (response body, verbatim). */
export const FAIRMONT: AdobeCustomer = {
  externalReferenceId: '342',
  customerId: '9876543210',
  resellerId: '5556667778',
  globalSalesEnabled: false,
  companyProfile: {
    companyName: 'Fairmont',
    preferredLanguage: 'en-US',
    marketSegment: 'EDU',
    marketSubSegments: ['K_12'],
    address: {
      country: 'US',
      region: 'CA',
      city: 'San Jose',
      addressLine1: '200 Fairmont Ave',
      addressLine2: 'Apt 123',
      postalCode: '95110-1234',
      phoneNumber: '800-123-4567',
    },
    contacts: [{ firstName: 'Mickey', lastName: 'Mouse', email: 'mickey@mouse.com', phoneNumber: '408-123-4567' }],
  },
  discounts: [{ offerType: 'LICENSE', level: '02' }],
  cotermDate: '2020-05-02',
  creationDate: '2019-05-02T22:49:52Z',
  status: '1000',
  linkedMembership: {
    id: '51001315',
    name: 'This is the Group Created for 1005513636',
    type: 'STANDARD',
    linkedMembershipType: 'OWNER',
    creationDate: '2024-07-17T03:47:35',
  },
  links: links('9876543210'),
};

/** A COM customer with the given id, name and status, for the status-code seeds. */
function company(customerId: string, companyName: string, status: string, city: string): AdobeCustomer {
  return {
    externalReferenceId: `ext-${customerId}`,
    customerId,
    resellerId: '5556667778',
    globalSalesEnabled: false,
    companyProfile: {
      companyName,
      preferredLanguage: 'en-US',
      marketSegment: 'COM',
      marketSubSegments: [],
      address: {
        country: 'US',
        region: 'WA',
        city,
        addressLine1: '1 Main St',
        postalCode: '98101',
        phoneNumber: '206-555-0100',
      },
      contacts: [
        {
          firstName: 'Pat',
          lastName: 'Admin',
          email: `admin@${customerId.toLowerCase()}.example`,
          phoneNumber: '206-555-0101',
        },
      ],
    },
    discounts: [{ offerType: 'LICENSE', level: '01' }],
    cotermDate: '',
    creationDate: '2024-02-01T10:00:00Z',
    status,
    links: links(customerId),
  };
}

export const ADOBE_SEEDS: AdobeCustomer[] = [
  FAIRMONT,
  {
    // LGA: benefits LARGE_GOVERNMENT_AGENCY, linkedMembership with benefitTypes and country, GOV/FEDERAL, levels 06-09.
    externalReferenceId: 'lga-771',
    customerId: 'P1005229864',
    resellerId: '5556667778',
    globalSalesEnabled: true,
    companyProfile: {
      companyName: 'US Federal Parks Agency',
      preferredLanguage: 'en-US',
      marketSegment: 'GOV',
      marketSubSegments: ['FEDERAL'],
      address: {
        country: 'US',
        region: 'DC',
        city: 'Washington',
        addressLine1: '1849 C St NW',
        postalCode: '20240',
        phoneNumber: '202-555-0199',
      },
      contacts: [
        {
          firstName: 'Grace',
          lastName: 'Hopper',
          email: 'grace.hopper@parks.example.gov',
          phoneNumber: '202-555-0142',
        },
      ],
    },
    discounts: [{ offerType: 'LICENSE', level: '06' }],
    benefits: [{ type: 'LARGE_GOVERNMENT_AGENCY', status: 'ACTIVE' }],
    cotermDate: '2025-10-01',
    creationDate: '2024-10-01T14:00:00Z',
    status: '1000',
    linkedMembership: {
      id: '51009988',
      name: 'Federal Parks LGA',
      type: 'STANDARD',
      linkedMembershipType: 'OWNER',
      creationDate: '2024-10-01T14:05:00',
      country: 'US',
      benefitTypes: ['LARGE_GOVERNMENT_AGENCY'],
    },
    tags: ['HVD_MIGRATED_CUSTOMER'],
    links: links('P1005229864'),
  },
  {
    // Three-year commit, accepted.
    ...company('P1005230000', 'Contoso Design Studio', '1000', 'Seattle'),
    discounts: [
      { offerType: 'LICENSE', level: '12' },
      { offerType: 'CONSUMABLES', level: 'TB' },
    ],
    benefits: [
      {
        type: 'THREE_YEAR_COMMIT',
        commitment: {
          startDate: '2024-03-01',
          endDate: '2027-03-01',
          status: 'COMMITTED',
          minimumQuantities: [{ offerType: 'LICENSE', quantity: 10 }],
        },
      },
    ],
  },
  company('P1002000001', 'Pending Learning Co', '1002', 'Portland'),
  company('P1004000001', 'Inactive Widgets Inc', '1004', 'Boise'),
  company('P1010000001', 'Nowhere Street Ltd', '1010', 'Tacoma'),
  company('P1012000001', 'Blocked Media LLC', '1012', 'Spokane'),
  company('P1014000001', 'Duplicate Labs Inc', '1014', 'Olympia'),
  {
    // Adobe customer ids allow \p{L}; a non-ASCII company, with a non-US address.
    ...company('Ærøskøbing-7421', 'Ærøskøbing Skole — 日本語部', '1000', 'Ærøskøbing'),
    companyProfile: {
      companyName: 'Ærøskøbing Skole — 日本語部',
      preferredLanguage: 'da-DK',
      marketSegment: 'EDU',
      marketSubSegments: ['K_12'],
      address: { country: 'dk', region: '85', city: 'Ærøskøbing', addressLine1: 'Søndergade 1', postalCode: '5970' },
      contacts: [{ firstName: 'Søren', lastName: 'Kierkegaard', email: 'soren@skole.example.dk' }],
    },
  },
  {
    // Sparse: no sub-segments, no address, no contacts, empty strings, no linked membership.
    customerId: 'P1099000001',
    resellerId: '',
    companyProfile: { companyName: 'Sparse Profile GmbH', marketSegment: 'COM' },
    cotermDate: '',
    creationDate: 'not-a-date',
    status: '1000',
  },
  // The companies that are customers of the other providers too (providers/adobe-vip/linked-seeds.ts).
  ...ADOBE_LINKED_SEEDS,
];
