/**
 * A stand-in for Frontpayment Connect (shared/providers/frontpayment.md): static bearer auth, every answer in
 * Frontpayment's envelope, 404 `customerNotFound`, the demo server's rate-limit headers, seeded customers.
 * 510 ("Execution Exception Occurred") comes from fault injection, with `FRONTPAYMENT_510` as its body.
 */
import {
  bearerToken,
  Simulator,
  type SimRequest,
  type SimResponse,
  type SimulatorOptions,
} from '../../src/core/simulator.js';
import type { FrontpaymentEnvelope } from './schema.js';
import { FRONTPAYMENT_SEEDS } from './seeds.js';

export const FRONTPAYMENT_SIM_TOKEN = 'sandbox-frontpayment-bearer-token';
const BASE_PATH = '/api/v1';

/** The documented 510 body (`errors` is a placeholder in the docs). */
export const FRONTPAYMENT_510: FrontpaymentEnvelope = {
  status_code: 510,
  status_message: 'Execution Exception Occurred',
  message: 'Something Went Wrong',
  is_error: true,
  errors: [],
};

export const CUSTOMER_NOT_FOUND: FrontpaymentEnvelope = {
  status_code: 404,
  status_message: 'Not Found',
  message: 'customerNotFound',
  is_data: false,
  data: null,
};

const envelope = (status: number, statusMessage: string, message: string): SimResponse => ({
  status,
  body: {
    status_code: status,
    status_message: statusMessage,
    message,
    is_error: true,
    errors: null,
  } satisfies FrontpaymentEnvelope,
});

// The demo server's headers (recorded July 2025): nginx, a 240-per-window limit, no caching.
const HEADERS = { 'Cache-Control': 'no-cache, private', 'X-RateLimit-Limit': '240' };

function handle(request: SimRequest): SimResponse {
  // [INFERRED] 401 bodies are not documented: the envelope with an `unauthenticated` key.
  if (bearerToken(request.headers) !== FRONTPAYMENT_SIM_TOKEN) return envelope(401, 'Unauthorized', 'unauthenticated');
  const match = /^\/connect\/customers\/details\/([^/]+)$/.exec(request.path);
  if (!match?.[1]) return envelope(404, 'Not Found', 'routeNotFound');
  if (request.method !== 'GET') return envelope(405, 'Method Not Allowed', 'methodNotAllowed');
  const id = decodeURIComponent(match[1]);
  const data = FRONTPAYMENT_SEEDS.find((c) => c.uuid === id);
  if (!data) return { status: 404, body: CUSTOMER_NOT_FOUND };
  const body: FrontpaymentEnvelope = {
    status_code: 200,
    status_message: 'OK',
    message: 'customerDetailsRetrievedSuccessfully',
    is_data: true,
    data,
  };
  return { status: 200, body };
}

export function frontpaymentSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  return Simulator.start(
    {
      name: 'frontpayment',
      basePath: BASE_PATH,
      env: { FRONTPAYMENT_TOKEN: FRONTPAYMENT_SIM_TOKEN },
      seedIds: FRONTPAYMENT_SEEDS.flatMap((c) => (c.uuid === undefined ? [] : [c.uuid])),
      // [INFERRED] Laravel's throttle answer; the limit itself is not published, so none is enforced by default.
      rateLimited: () => ({ status: 429, headers: { 'Retry-After': '60' }, body: { message: 'Too Many Attempts.' } }),
      handle: (request) => {
        const answer = handle(request);
        return { ...answer, headers: { ...HEADERS, ...answer.headers } };
      },
    },
    options,
  );
}
