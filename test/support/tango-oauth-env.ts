/**
 * The environment of a gateway replica that reaches Tango's simulator with OAuth (client credentials), anonymous
 * inbound: what the fleet tests of shared tokens, Sentinel and Cluster each start their replicas with.
 */
import { TANGO_SIM_OAUTH } from '../../providers/tango/simulator.js';
import type { Simulator } from '../../src/core/simulator.js';

export function tangoOAuthEnv(sim: Simulator): Record<string, string> {
  return {
    PROVIDERS: 'tango',
    GATEWAY_ALLOW_ANONYMOUS: 'true',
    TANGO_BASE_URL: sim.baseUrl,
    TANGO_TOKEN_URL: `${sim.origin}/oauth/token`,
    TANGO_CLIENT_ID: TANGO_SIM_OAUTH.id,
    TANGO_CLIENT_SECRET: TANGO_SIM_OAUTH.secret,
  };
}
