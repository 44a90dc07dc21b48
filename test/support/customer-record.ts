/** A customer in the common model with nothing set but what a test names: for the linking rules' tests. */
import type { Account, Address, Contact, Customer } from '../../src/core/model.js';

export function customerRecord(fields: Partial<Customer> = {}): Customer {
  return {
    id: 'tango:c-1',
    provider: 'tango',
    providerId: 'c-1',
    type: 'organization',
    displayName: null,
    status: 'active',
    statusReason: null,
    providerStatus: null,
    createdAt: null,
    email: null,
    phone: null,
    preferredLanguage: null,
    nationalId: null,
    organization: null,
    addresses: [],
    contacts: [],
    accounts: [],
    providerDetails: {},
    ...fields,
  };
}

export function address(fields: Partial<Address> = {}): Address {
  return {
    type: 'billing',
    line1: null,
    line2: null,
    city: null,
    region: null,
    postalCode: null,
    country: null,
    phone: null,
    ...fields,
  };
}

export function contact(fields: Partial<Contact> = {}): Contact {
  return { firstName: null, lastName: null, email: null, phone: null, ...fields };
}

export function account(fields: Partial<Account> = {}): Account {
  return {
    id: null,
    number: null,
    displayName: null,
    status: 'active',
    providerStatus: null,
    currency: null,
    balance: null,
    contactEmail: null,
    createdAt: null,
    ...fields,
  };
}

/** An organisation block with a name and, when given, a registration number. */
export function organization(name: string | null, registrationNumber: string | null = null): Customer['organization'] {
  return { name, registrationNumber, marketSegment: null, marketSubSegments: [] };
}
