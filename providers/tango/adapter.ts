/**
 * Tango Card RaaS v2: customers (groups) and their accounts.
 * https://developers.tangocard.com/docs/get-details-for-a-specific-customer
 */
import Joi from 'joi';
import { basicAuth, clientCredentialsAuth } from '../../src/core/auth.js';
import type { AccountStatus, CustomerStatus } from '../../src/core/model.js';
import { isoDate, isRecord, mapStatus, objectList, text } from '../../src/core/normalize.js';
import type { ProviderAdapter } from '../../src/core/provider.js';
import { tangoBalances, tangoList } from './listing.js';
import { TANGO_CUSTOMER_SCHEMA, type TangoCustomer } from './schema.js';

const CUSTOMER_STATUS: Record<string, CustomerStatus> = { active: 'active', inactive: 'inactive' };

const ACCOUNT_STATUS: Record<string, AccountStatus> = {
  active: 'active',
  inactive: 'inactive',
  disabled: 'suspended',
  frozen: 'suspended',
  deleted: 'closed',
};

/** Basic is the default: its credentials are required with a base URL, unless OAuth is configured. */
const basicCredential = Joi.string().when('TANGO_BASE_URL', {
  is: Joi.exist(),
  then: Joi.string().when('TANGO_TOKEN_URL', { is: Joi.exist(), otherwise: Joi.required() }),
});

export const tango: ProviderAdapter = {
  id: 'tango',
  displayName: 'Tango Card RaaS',
  exampleId: 'zanzibar-health',
  idRule: Joi.string().pattern(/^[A-Za-z0-9-]{5,100}$/),
  config: {
    // Basic is the default: required with a base URL unless OAuth is configured.
    TANGO_PLATFORM_NAME: basicCredential,
    TANGO_PLATFORM_KEY: basicCredential,
    // Optional OAuth client credentials instead of Basic; all three or none.
    TANGO_TOKEN_URL: Joi.string().uri({ scheme: ['http', 'https'] }),
    TANGO_CLIENT_ID: Joi.string().when('TANGO_TOKEN_URL', {
      is: Joi.exist(),
      then: Joi.required(),
      otherwise: Joi.forbidden(),
    }),
    TANGO_CLIENT_SECRET: Joi.string().when('TANGO_TOKEN_URL', {
      is: Joi.exist(),
      then: Joi.required(),
      otherwise: Joi.forbidden(),
    }),
    TANGO_OAUTH_SCOPE: Joi.string().default('raas.all'),
    TANGO_OAUTH_AUDIENCE: Joi.string().default('https://api.tangocard.com/'),
  },
  defaults: { rateLimitPerSecond: 1 },

  auth: (env, kit) =>
    env.TANGO_TOKEN_URL
      ? clientCredentialsAuth(
          {
            tokenUrl: env.TANGO_TOKEN_URL,
            form: {
              client_id: env.TANGO_CLIENT_ID ?? '',
              client_secret: env.TANGO_CLIENT_SECRET ?? '',
              scope: env.TANGO_OAUTH_SCOPE ?? 'raas.all',
              audience: env.TANGO_OAUTH_AUDIENCE ?? 'https://api.tangocard.com/',
            },
          },
          kit,
        )
      : basicAuth(env.TANGO_PLATFORM_NAME ?? '', env.TANGO_PLATFORM_KEY ?? ''),

  // https://developers.tangocard.com/docs/get-details-for-a-specific-customer
  request: (id) => ({ path: `/customers/${encodeURIComponent(id)}` }),

  schema: TANGO_CUSTOMER_SCHEMA,

  customerIdOf: (body) => (isRecord(body) ? body.customerIdentifier : undefined),

  normalize(body) {
    const raw = body as TangoCustomer;
    return {
      type: 'organization',
      displayName: text(raw.displayName),
      status: mapStatus(raw.status, CUSTOMER_STATUS, 'unknown'),
      statusReason: null,
      providerStatus: text(raw.status),
      createdAt: isoDate(raw.createdAt),
      email: null,
      phone: null,
      preferredLanguage: null,
      nationalId: null,
      organization: null,
      addresses: [],
      contacts: [],
      accounts: objectList(raw.accounts).map((account) => ({
        id: text(account.accountIdentifier),
        number: text(account.accountNumber),
        displayName: text(account.displayName),
        status: mapStatus(account.status, ACCOUNT_STATUS, 'unknown'),
        providerStatus: text(account.status),
        currency: text(account.currencyCode),
        // The customer endpoint carries no balance or contact; a later balances lookup fills them.
        balance: null,
        contactEmail: null,
        createdAt: isoDate(account.createdAt),
      })),
      providerDetails: {},
    };
  },

  list: tangoList,
  balances: tangoBalances,
  // Loaded on demand, so that the production program never imports a simulator.
  simulator: async (options) => (await import('./simulator.js')).tangoSimulator(options),
};
