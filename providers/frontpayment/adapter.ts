/**
 * Frontpayment Connect (FPGO Connect): customer details behind a static bearer token, wrapped in an envelope
 * whose `status_code` can contradict the HTTP status.
 * https://docs.frontpayment.no/books/fpgo-connect/page/get-customer-details-by-uuid
 */
import Joi from 'joi';
import { bearerAuth } from '../../src/core/auth.js';
import type { Address, CustomerStatus, CustomerType } from '../../src/core/model.js';
import { country, isRecord, mapStatus, text } from '../../src/core/normalize.js';
import { requiredWithBaseUrl, type Classification, type ProviderAdapter } from '../../src/core/provider.js';
import { defaultClassification } from '../../src/core/upstream.js';
import type { FrontpaymentCustomer } from './schema.js';

const STATUS: Record<string, CustomerStatus> = { active: 'active', inactive: 'inactive' };
const TYPE: Record<string, CustomerType> = { private: 'individual', corporate: 'organization' };

const is2xx = (status: number) => status >= 200 && status < 300;

/**
 * The envelope's `status_code` wins over an HTTP 2xx; a 404 is "customer not found" only with
 * `message: "customerNotFound"` (any other 404, such as a wrong base URL, is unexpected and not cached);
 * `is_error` is never read: the docs show it false on 4xx answers.
 */
export function classifyFrontpayment(httpStatus: number, body: unknown): Classification | undefined {
  const envelope = isRecord(body) ? body : {};
  const statusCode = Number(envelope.status_code);
  const fromEnvelope = is2xx(httpStatus) && Number.isInteger(statusCode) && statusCode >= 100 && !is2xx(statusCode);
  const status = fromEnvelope ? statusCode : httpStatus;
  const upstreamStatus = fromEnvelope ? statusCode : undefined;
  const message = typeof envelope.message === 'string' ? envelope.message : undefined;
  // The message is an i18n key such as `customerNotFound`: safe to put in the problem detail.
  const reason =
    message && /^[A-Za-z0-9 ._-]{1,80}$/.test(message) ? `Frontpayment answered ${status} (${message}).` : undefined;
  if (status === 404) {
    return message === 'customerNotFound'
      ? { verdict: 'not-found', upstreamStatus, reason }
      : { verdict: 'unexpected', upstreamStatus, reason };
  }
  if (!fromEnvelope) return httpStatus === 510 ? { verdict: 'server-error', reason } : undefined;
  return { ...defaultClassification(status), upstreamStatus, reason };
}

/** E.164: `+`, the country code's digits, the msisdn's digits; null when either is missing. */
function e164(countryCode: unknown, msisdn: unknown): string | null {
  const cc = text(countryCode)?.replace(/\D/g, '') ?? '';
  const number = text(msisdn)?.replace(/\D/g, '') ?? '';
  return cc && number ? `+${cc}${number}` : null;
}

function address(type: 'billing' | 'shipping', value: unknown): Address[] {
  if (!isRecord(value)) return [];
  return [
    {
      type,
      line1: text(value.street),
      line2: null,
      city: text(value.city),
      region: null,
      postalCode: text(value.zip),
      country: country(value.country),
      phone: null,
    },
  ];
}

export function normalizeFrontpaymentCustomer(body: unknown) {
  const envelope = isRecord(body) ? body : {};
  const raw = (isRecord(envelope.data) ? envelope.data : {}) as FrontpaymentCustomer & Record<string, unknown>;
  const type = mapStatus(raw.type, TYPE, 'unknown');
  const addresses = isRecord(raw.addresses) ? raw.addresses : {};
  return {
    type,
    displayName: text(raw.name),
    status: mapStatus(raw.status, STATUS, 'unknown'),
    statusReason: null,
    providerStatus: text(raw.status),
    // Frontpayment's customer has no creation date.
    createdAt: null,
    email: text(raw.email),
    phone: e164(raw.countryCode, raw.msisdn),
    preferredLanguage: text(raw.preferredLanguage),
    // Unmasked here: the core masks it per caller (src/core/pii.ts), in data, raw and logs.
    nationalId: text(raw.personalNumber),
    organization:
      type === 'organization'
        ? {
            name: text(raw.name),
            registrationNumber: text(raw.organizationId),
            marketSegment: null,
            marketSubSegments: [],
          }
        : null,
    addresses: [...address('billing', addresses.billing), ...address('shipping', addresses.shipping)],
    contacts: [],
    accounts: [],
    providerDetails: {},
  };
}

export const frontpayment: ProviderAdapter = {
  id: 'frontpayment',
  displayName: 'Frontpayment',
  exampleId: 'CSRT1511414842',
  // Observed `CSRT1511414842`; Frontpayment publishes no rule, so letters and digits, 4 to 64.
  idRule: Joi.string().pattern(/^[A-Za-z0-9]{4,64}$/),
  config: {
    // A static bearer token issued by Frontpayment out of band.
    FRONTPAYMENT_TOKEN: requiredWithBaseUrl('FRONTPAYMENT', Joi.string()),
  },

  auth: (env) => bearerAuth(env.FRONTPAYMENT_TOKEN ?? ''),

  // https://docs.frontpayment.no/books/fpgo-connect/page/get-customer-details-by-uuid
  request: (id) => ({ path: `/connect/customers/details/${encodeURIComponent(id)}` }),

  classify: classifyFrontpayment,
  customerIdOf: (body) => (isRecord(body) && isRecord(body.data) ? body.data.uuid : undefined),
  normalize: normalizeFrontpaymentCustomer,
  // The fødselsnummer: masked in `raw` (the normaliser maps it to `nationalId`) and kept out of the logs.
  personalData: { raw: ['data.personalNumber'] },
  // Loaded on demand, so that the production program never imports a simulator.
  simulator: async (options) => (await import('./simulator.js')).frontpaymentSimulator(options),
};
