/**
 * A test-only provider whose customers carry a national id (Tango's have none), so that masking per scope can
 * be checked end to end: a real adapter declaration in front of a real simulator on loopback.
 */
import Joi from 'joi';
import { bearerAuth } from '../../src/core/auth.js';
import { isRecord, text } from '../../src/core/normalize.js';
import { requiredWithBaseUrl, type ProviderAdapter } from '../../src/core/provider.js';
import { bearerToken, Simulator } from '../../src/core/simulator.js';

export const PII_CUSTOMER = { id: 'PERSON0001', personalNumber: '01017012345', name: 'Kari Testperson' };
const SIM_TOKEN = 'pii-sim-token';

export const piiTestAdapter: ProviderAdapter = {
  id: 'piitest',
  displayName: 'PII test provider',
  exampleId: PII_CUSTOMER.id,
  idRule: Joi.string().pattern(/^[A-Za-z0-9]{4,64}$/),
  config: { PIITEST_TOKEN: requiredWithBaseUrl('PIITEST', Joi.string()) },
  auth: (env) => bearerAuth(env.PIITEST_TOKEN ?? ''),
  request: (id) => ({ path: `/people/${encodeURIComponent(id)}` }),
  customerIdOf: (body) => (isRecord(body) ? body.uuid : undefined),
  personalData: { raw: ['personalNumber'] },
  normalize: (body) => {
    const raw = isRecord(body) ? body : {};
    return {
      type: 'individual',
      displayName: text(raw.name),
      status: 'active',
      statusReason: null,
      providerStatus: 'Active',
      createdAt: null,
      email: null,
      phone: null,
      preferredLanguage: null,
      nationalId: text(raw.personalNumber),
      organization: null,
      addresses: [],
      contacts: [],
      accounts: [],
      providerDetails: {},
    };
  },
  simulator: (options) =>
    Simulator.start(
      {
        name: 'piitest',
        basePath: '/api',
        env: { PIITEST_TOKEN: SIM_TOKEN },
        handle: (request) => {
          if (bearerToken(request.headers) !== SIM_TOKEN) return { status: 401, body: { message: 'unauthorized' } };
          const id = decodeURIComponent(request.path.split('/')[2] ?? '');
          if (id !== PII_CUSTOMER.id) return { status: 404, body: { message: 'not found' } };
          return {
            status: 200,
            body: { uuid: PII_CUSTOMER.id, name: PII_CUSTOMER.name, personalNumber: PII_CUSTOMER.personalNumber },
          };
        },
      },
      options,
    ),
};
