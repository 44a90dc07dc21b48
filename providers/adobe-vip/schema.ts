/**
 * Adobe VIP Marketplace (Commerce Partner API) payloads (shared/providers/adobe-vip.md).
 * https://developer.adobe.com/vipmp/docs/customer-account/get-customer-account
 * https://developer.adobe.com/vipmp/docs/references/resources
 * Adobe may add fields at any time, so every field is optional here and unknown fields are ignored.
 */

/** `GET /v3/customers/{customer-id}` → Customer resource. */
export interface AdobeCustomer {
  externalReferenceId?: string;
  /** `^[\p{L}\d\-]{4,40}$` */
  customerId?: string;
  resellerId?: string;
  globalSalesEnabled?: boolean | string;
  tags?: string[];
  companyProfile?: AdobeCompanyProfile;
  discounts?: { offerType?: 'LICENSE' | 'CONSUMABLES' | string; level?: string }[];
  benefits?: AdobeBenefit[];
  /** `YYYY-MM-DD` or `""` before the first order. */
  cotermDate?: string;
  creationDate?: string;
  /** A 4-character status code: 1000, 1002, 1004, 1010, 1012, 1014 on a customer account. */
  status?: string;
  linkedMembership?: AdobeLinkedMembership;
  links?: Record<string, { uri?: string; method?: string; headers?: unknown[] }>;
}

export interface AdobeCompanyProfile {
  companyName?: string;
  /** IETF tag, e.g. `en-US`. */
  preferredLanguage?: string;
  marketSegment?: 'COM' | 'EDU' | 'GOV' | string;
  /** Read-only; EDU: K_12 | HIGHER_ED | NON_PROFIT; GOV/LGA: FEDERAL | STATE. */
  marketSubSegments?: string[];
  address?: AdobeAddress;
  contacts?: AdobeContact[];
}

export interface AdobeAddress {
  country?: string;
  region?: string;
  city?: string;
  addressLine1?: string;
  addressLine2?: string;
  postalCode?: string;
  phoneNumber?: string;
}

export interface AdobeContact {
  firstName?: string;
  lastName?: string;
  email?: string;
  phoneNumber?: string;
}

export interface AdobeBenefit {
  type?: 'LARGE_GOVERNMENT_AGENCY' | 'THREE_YEAR_COMMIT' | string;
  status?: string;
  commitment?: Record<string, unknown>;
  commitmentRequest?: Record<string, unknown>;
  recommitmentRequest?: Record<string, unknown>;
}

export interface AdobeLinkedMembership {
  id?: string;
  name?: string;
  type?: 'STANDARD' | 'CONSORTIUM' | string;
  linkedMembershipType?: 'OWNER' | 'MEMBER' | string;
  creationDate?: string;
  /** LGA only. */
  country?: string;
  benefitTypes?: string[];
}

/**
 * Adobe's error body: `code` is Adobe's own code as a string (1116, 4115…), not the HTTP status.
 * https://developer.adobe.com/vipmp/docs/references/error-handling
 */
export interface AdobeError {
  code: string;
  message: string;
  additionalDetails?: string[];
}

/** The IMS token answer. https://developer.adobe.com/developer-console/docs/guides/authentication/ */
export interface ImsToken {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
}
