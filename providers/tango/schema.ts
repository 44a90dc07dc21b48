/**
 * Tango Card RaaS v2 payloads (shared/providers/tango.md).
 * https://developers.tangocard.com/reference (CustomerViewSummary, AccountViewSummary, ErrorInfo)
 * Tango may add fields at any time, so every field is optional here and unknown fields are ignored.
 */
import type { SchemaDeclaration } from '../../src/core/schema-drift.js';

/** What the adapter knows of a customer body, for the schema-drift metrics (mirrors `TangoCustomer`). */
export const TANGO_CUSTOMER_SCHEMA: SchemaDeclaration = {
  known: [
    'customerIdentifier',
    'displayName',
    'status',
    'createdAt',
    'accounts[].accountIdentifier',
    'accounts[].accountNumber',
    'accounts[].displayName',
    'accounts[].createdAt',
    'accounts[].status',
    'accounts[].currencyCode',
  ],
  expected: [
    'customerIdentifier',
    'displayName',
    'status',
    'createdAt',
    'accounts',
    'accounts[].accountIdentifier',
    'accounts[].status',
    'accounts[].currencyCode',
  ],
};

/** `GET /customers/{customerIdentifier}` → CustomerViewSummary. */
export interface TangoCustomer {
  customerIdentifier?: string;
  displayName?: string;
  /** Documented values ACTIVE, INACTIVE; the examples show lower case. */
  status?: string;
  createdAt?: string;
  accounts?: TangoAccountSummary[];
}

/** AccountViewSummary, embedded in the customer: it has no balance. */
export interface TangoAccountSummary {
  accountIdentifier?: string;
  accountNumber?: string;
  displayName?: string;
  createdAt?: string;
  /** ACTIVE | INACTIVE | DISABLED | FROZEN | DELETED */
  status?: string;
  currencyCode?: string;
}

/** AccountView, from `GET /customers/{id}/accounts`: the summary plus the balance. */
export interface TangoAccount extends TangoAccountSummary {
  currentBalance: number;
  contactEmail?: string;
}

/** Tango's main error shape. */
export interface TangoErrorInfo {
  timestamp: string;
  requestId: string;
  path: string;
  httpCode: number;
  httpPhrase: string;
  i18nKey: string;
  message: string;
  errors: { path?: string; code?: number; i18nKey?: string; message?: string }[];
}

/** The other error shape customer endpoints may answer. */
export interface TangoErrorDTO {
  message: string;
  i18nKey: string;
  i18nTokenReplacements: string[];
}
