/**
 * The Frontpayment simulator's customers: Kari Nordmann as in Frontpayment's docs, a private customer with a
 * personal number (to show masking), a corporate customer without a shipping address, and one full of nulls;
 * then the linked data set.
 */
import { FRONTPAYMENT_LINKED_SEEDS } from './linked-seeds.js';
import type { FrontpaymentCustomer } from './schema.js';

/**
 * https://docs.frontpayment.no/books/fpgo-connect/page/get-customer-details-by-uuid (response, verbatim except
 * `email`, which the published page shows obfuscated by its CDN as "[email protected]").
 */
export const KARI_NORDMANN: FrontpaymentCustomer = {
  uuid: 'CSRT1511414842',
  type: 'Private',
  name: 'Kari Nordmann',
  countryCode: '+47',
  msisdn: '00000000',
  organizationId: null,
  personalNumber: null,
  email: 'kari.nordmann@example.no',
  preferredLanguage: null,
  status: 'Active',
  addresses: {
    billing: { uuid: 'ADRS2208147269', street: 'Luramyrveien 65', zip: '4313', city: 'Sandnes', country: 'NO' },
    shipping: { uuid: 'ADRS1016062549', street: 'Sjøhusbakken 42', zip: '4313', city: 'Stavanger', country: 'NO' },
  },
};

export const FRONTPAYMENT_SEEDS: FrontpaymentCustomer[] = [
  KARI_NORDMANN,
  {
    // A private customer with a fødselsnummer (11 digits): the gateway masks it to *******2345.
    uuid: 'CSRT1700000001',
    type: 'Private',
    name: 'Ola Nordmann',
    countryCode: '+47',
    msisdn: '412 34 567',
    organizationId: null,
    personalNumber: '01017012345',
    email: 'ola.nordmann@example.no',
    preferredLanguage: 'no',
    status: 'Active',
    addresses: {
      billing: { uuid: 'ADRS1700000011', street: 'Karl Johans gate 1', zip: '0154', city: 'Oslo', country: 'no' },
      shipping: { uuid: 'ADRS1700000012', street: 'Bryggen 5', zip: '5003', city: 'Bergen', country: 'NO' },
    },
  },
  {
    // Corporate, 9-digit organisation number, no shipping address.
    uuid: 'CSRT1800000001',
    type: 'Corporate',
    name: 'Fjord Fisk AS',
    countryCode: '+47',
    msisdn: '55123456',
    organizationId: '987654321',
    personalNumber: null,
    email: 'post@fjordfisk.example.no',
    preferredLanguage: 'en',
    status: 'Active',
    addresses: {
      billing: { uuid: 'ADRS1800000011', street: 'Strandkaien 2', zip: '5013', city: 'Bergen', country: 'NO' },
      shipping: null,
    },
  },
  {
    // Everything that may be null is null (or empty), and an inactive status.
    uuid: 'CSRT1900000001',
    type: 'Private',
    name: 'Nils Nullmann',
    countryCode: null,
    msisdn: null,
    organizationId: null,
    personalNumber: null,
    email: '',
    preferredLanguage: null,
    status: 'Inactive',
    addresses: { billing: null, shipping: null },
  },
  // The companies that are customers of the other providers too (providers/frontpayment/linked-seeds.ts).
  ...FRONTPAYMENT_LINKED_SEEDS,
];
