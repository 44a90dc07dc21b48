/** The common customer model (docs/api.md): one shape whatever the upstream. */

export type CustomerType = 'individual' | 'organization' | 'unknown';
export type CustomerStatus = 'active' | 'pending' | 'inactive' | 'unknown';
export type AccountStatus = 'active' | 'inactive' | 'suspended' | 'closed' | 'unknown';

export interface Address {
  type: 'billing' | 'shipping' | 'company';
  line1: string | null;
  line2: string | null;
  city: string | null;
  region: string | null;
  postalCode: string | null;
  country: string | null;
  phone: string | null;
}

export interface Contact {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
}

export interface Organization {
  name: string | null;
  registrationNumber: string | null;
  marketSegment: string | null;
  marketSubSegments: string[];
}

export interface Account {
  id: string | null;
  number: string | null;
  displayName: string | null;
  status: AccountStatus;
  providerStatus: string | null;
  currency: string | null;
  balance: number | null;
  contactEmail: string | null;
  createdAt: string | null;
}

export interface Customer {
  id: string;
  provider: string;
  providerId: string;
  type: CustomerType;
  displayName: string | null;
  status: CustomerStatus;
  statusReason: string | null;
  providerStatus: string | null;
  createdAt: string | null;
  email: string | null;
  phone: string | null;
  preferredLanguage: string | null;
  nationalId: string | null;
  organization: Organization | null;
  addresses: Address[];
  contacts: Contact[];
  accounts: Account[];
  providerDetails: Record<string, unknown>;
}

/** What a normaliser returns: the core adds `id`, `provider` and `providerId` from the path. */
export type NormalizedCustomer = Omit<Customer, 'id' | 'provider' | 'providerId'>;
