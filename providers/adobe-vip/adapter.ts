/**
 * Adobe VIP Marketplace (Commerce Partner API): one customer account, IMS OAuth server-to-server token,
 * Adobe's request and correlation ids.
 * https://developer.adobe.com/vipmp/docs/customer-account/get-customer-account
 */
import Joi from 'joi';
import { clientCredentialsAuth, withHeaders } from '../../src/core/auth.js';
import type { Address, CustomerStatus } from '../../src/core/model.js';
import { country, isoDate, isRecord, mapStatus, objectList, pick, stringList, text } from '../../src/core/normalize.js';
import { requiredWithBaseUrl, type Classification, type ProviderAdapter } from '../../src/core/provider.js';
import { adobeList } from './listing.js';
import type { AdobeCustomer } from './schema.js';

/** https://developer.adobe.com/vipmp/docs/references/error-handling (customer account codes). */
const STATUS: Record<string, CustomerStatus> = {
  '1000': 'active',
  '1002': 'pending',
  '1004': 'inactive',
  '1010': 'inactive',
  '1012': 'inactive',
  '1014': 'inactive',
};

const STATUS_REASON: Record<string, string> = {
  '1010': 'invalid-address',
  '1012': 'account-blocked',
  '1014': 'duplicate-company',
};

/** Adobe codes that say the gateway's request was wrong (missing correlation id…): never the caller's fault. */
const GATEWAY_FAULT_CODES = new Set(['4119', '4120', '1121', '1122']);

const PROVIDER_DETAILS = [
  'resellerId',
  'externalReferenceId',
  'globalSalesEnabled',
  'cotermDate',
  'discounts',
  'benefits',
  'linkedMembership',
  'tags',
] as const;

const credential = Joi.string();

export const IMS_TOKEN_URL = 'https://ims-na1.adobelogin.com/ims/token/v3';

/** `ADOBE_VIP_SCOPES` is comma-separated in env; IMS takes one comma-joined `scope` field. */
const scopeList = (scopes: string | undefined): string =>
  (scopes ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(',');

/** Adobe's own error code, when the body carries one. */
const adobeCode = (body: unknown): string | undefined =>
  isRecord(body) && (typeof body.code === 'string' || typeof body.code === 'number') ? String(body.code) : undefined;

export function classifyAdobe(status: number, body: unknown): Classification | undefined {
  const code = adobeCode(body);
  const reason = code ? `Adobe answered ${status} with code ${code}.` : undefined;
  if (status === 404)
    return code === undefined || code === '1116' ? { verdict: 'not-found', reason } : { verdict: 'unexpected', reason };
  if (status === 429 || code === '4118') return { verdict: 'rate-limited', reason };
  if (status === 400)
    return { verdict: code !== undefined && GATEWAY_FAULT_CODES.has(code) ? 'unexpected' : 'bad-request', reason };
  if (status === 401) return { verdict: 'unauthorized', reason };
  if (status === 403) return { verdict: 'forbidden', reason };
  return undefined;
}

export function normalizeAdobeCustomer(body: unknown) {
  const raw = (isRecord(body) ? body : {}) as AdobeCustomer & Record<string, unknown>;
  const profile = isRecord(raw.companyProfile) ? raw.companyProfile : undefined;
  const contacts = objectList(profile?.contacts).map((c) => ({
    firstName: text(c.firstName),
    lastName: text(c.lastName),
    email: text(c.email),
    phone: text(c.phoneNumber),
  }));
  const address = isRecord(profile?.address) ? profile.address : undefined;
  const addresses: Address[] = address
    ? [
        {
          type: 'company',
          line1: text(address.addressLine1),
          line2: text(address.addressLine2),
          city: text(address.city),
          region: text(address.region),
          postalCode: text(address.postalCode),
          country: country(address.country),
          phone: text(address.phoneNumber),
        },
      ]
    : [];
  const status = text(raw.status);
  const details = pick(raw, PROVIDER_DETAILS);
  for (const key of ['resellerId', 'externalReferenceId', 'cotermDate'] as const)
    if (key in details) details[key] = text(details[key]);
  return {
    type: 'organization' as const,
    displayName: text(profile?.companyName),
    status: mapStatus(status, STATUS, 'unknown'),
    statusReason: (status !== null && STATUS_REASON[status]) || null,
    providerStatus: status,
    createdAt: isoDate(raw.creationDate),
    email: contacts[0]?.email ?? null,
    phone: contacts[0]?.phone ?? null,
    preferredLanguage: text(profile?.preferredLanguage),
    nationalId: null,
    organization: profile
      ? {
          name: text(profile.companyName),
          registrationNumber: null,
          marketSegment: text(profile.marketSegment),
          marketSubSegments: stringList(profile.marketSubSegments),
        }
      : null,
    addresses,
    contacts,
    accounts: [],
    providerDetails: details,
  };
}

export const adobeVip: ProviderAdapter = {
  id: 'adobe-vip',
  displayName: 'Adobe VIP Marketplace',
  exampleId: '9876543210',
  // Adobe's ACCOUNT_ID_REGEX `^[\p{L}\d\-]{4,40}$`.
  idRule: Joi.string().pattern(/^[\p{L}0-9-]{4,40}$/u),
  config: {
    // The OAuth server-to-server credential of the Adobe Developer Console: client id (also the API key) and secret.
    ADOBE_VIP_API_KEY: requiredWithBaseUrl('ADOBE_VIP', credential),
    ADOBE_VIP_CLIENT_SECRET: requiredWithBaseUrl('ADOBE_VIP', credential),
    ADOBE_VIP_SCOPES: requiredWithBaseUrl('ADOBE_VIP', credential),
    ADOBE_VIP_TOKEN_URL: Joi.string()
      .uri({ scheme: ['http', 'https'] })
      .default(IMS_TOKEN_URL),
    // The reseller whose customers `GET /customers/adobe-vip` lists; without it, listing is not offered.
    ADOBE_VIP_RESELLER_ID: Joi.string().max(40),
  },

  auth: (env, kit) =>
    withHeaders(
      clientCredentialsAuth(
        {
          tokenUrl: env.ADOBE_VIP_TOKEN_URL ?? IMS_TOKEN_URL,
          form: {
            client_id: env.ADOBE_VIP_API_KEY ?? '',
            client_secret: env.ADOBE_VIP_CLIENT_SECRET ?? '',
            scope: scopeList(env.ADOBE_VIP_SCOPES),
          },
        },
        kit,
      ),
      { 'X-Api-Key': env.ADOBE_VIP_API_KEY ?? '' },
    ),

  // https://developer.adobe.com/vipmp/docs/customer-account/get-customer-account
  // https://developer.adobe.com/vipmp/docs/references/idempotency
  request: (id, attempt) => ({
    path: `/v3/customers/${encodeURIComponent(id)}`,
    headers: {
      'X-Request-Id': attempt.attemptId,
      'X-Correlation-Id': attempt.idempotencyKey,
      Accept: 'application/json',
      // Required by Adobe even on a GET.
      'Content-Type': 'application/json',
    },
  }),

  classify: classifyAdobe,
  customerIdOf: (body) => (isRecord(body) ? body.customerId : undefined),
  normalize: normalizeAdobeCustomer,
  list: adobeList,
  // Loaded on demand, so that the production program never imports a simulator.
  simulator: async (options) => (await import('./simulator.js')).adobeVipSimulator(options),
};
