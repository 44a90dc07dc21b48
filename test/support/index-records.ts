/** Index records for the tests of both index stores (memory and Redis): features, summaries and references. */
import type { RecordFeatures, RecordRef, RecordSummary } from '../../src/linking/types.js';

interface Shape {
  emails?: string[];
  phones?: string[];
  orgNumbers?: string[];
  name?: string;
}

export function features({ emails = [], phones = [], orgNumbers = [], name }: Shape): RecordFeatures {
  return {
    identifiers: [
      ...emails.map((value, i) => ({ feature: 'email' as const, value, path: `contacts[${i}].email` })),
      ...phones.map((value) => ({ feature: 'phone' as const, value, path: 'phone' })),
      ...orgNumbers.map((value) => ({ feature: 'orgNumber' as const, value, path: 'organization.registrationNumber' })),
    ],
    name: name === undefined ? null : { value: name, path: 'organization.name' },
    country: { value: 'NO', path: 'addresses[0].country' },
    cities: [],
    postalCodes: [],
  };
}

export const summaryOf = (displayName: string, indexedAt = 0): RecordSummary => ({
  displayName,
  type: 'organization',
  status: 'active',
  indexedAt,
  name: displayName.toLowerCase(),
  country: 'NO',
});

export const tango = (id: string): RecordRef => ({ provider: 'tango', providerId: id });
export const adobe = (id: string): RecordRef => ({ provider: 'adobe-vip', providerId: id });
export const refsOf = (found: { ref: RecordRef }[]) => found.map((record) => record.ref);

export const FJORDLINE = features({
  emails: ['post@fjordline.no'],
  phones: ['+4755123456'],
  orgNumbers: ['NO:923609016'],
  name: 'fjordline shipping',
});
