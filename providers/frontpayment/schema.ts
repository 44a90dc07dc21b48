/**
 * Frontpayment Connect (FPGO Connect) payloads (shared/providers/frontpayment.md).
 * https://docs.frontpayment.no/books/fpgo-connect/page/get-customer-details-by-uuid
 * Every field is optional here and unknown fields are ignored: the envelope is known to be inconsistent.
 */

/** Every answer is wrapped: `{status_code, status_message, message, is_data, data}` or `{…, is_error, errors}`. */
export interface FrontpaymentEnvelope<T = unknown> {
  status_code?: number;
  status_message?: string;
  /** A camelCase i18n key: `customerDetailsRetrievedSuccessfully`, `customerNotFound`… */
  message?: string;
  is_data?: boolean;
  data?: T | null;
  /** Unreliable (false on some 4xx): never used to classify. */
  is_error?: boolean;
  errors?: unknown;
}

/** `GET /connect/customers/details/{CUSTOMER_UUID}` → `data`. */
export interface FrontpaymentCustomer {
  uuid?: string;
  /** `Private` | `Corporate` (the latter inferred from the request-side enum). */
  type?: string;
  name?: string;
  /** `+47` */
  countryCode?: string | null;
  msisdn?: string | null;
  /** 9 digits, corporate only. */
  organizationId?: string | null;
  /** 11 digits (Norwegian fødselsnummer): a national id, masked by the gateway. */
  personalNumber?: string | null;
  email?: string | null;
  /** en | no | sv | da | de */
  preferredLanguage?: string | null;
  /** Only `Active` observed. */
  status?: string;
  addresses?: { billing?: FrontpaymentAddress | null; shipping?: FrontpaymentAddress | null } | null;
}

export interface FrontpaymentAddress {
  uuid?: string;
  street?: string | null;
  zip?: string | null;
  city?: string | null;
  /** ISO 3166-1 alpha-2 */
  country?: string | null;
}
