/**
 * Who is calling: an API key (`Authorization: Bearer <key>` or `X-Api-Key`) or a JWT from the API gateway in
 * front (`Authorization: Bearer <jwt>`). Puts the caller in `res.locals.client` and the PII decision in
 * `res.locals.clearPii`. With no method configured (only when every provider is simulated, or by the explicit
 * `GATEWAY_ALLOW_ANONYMOUS=true` outside production) every caller is the open client, which may look up, search and
 * purge but never sees PII in clear. Failed authentications are throttled per source address.
 */
import type { RequestHandler, Request } from 'express';
import type { SecurityConfig } from '../../config/security.js';
import type { Logger } from '../core/logger.js';
import { GatewayError } from '../core/problems.js';
import { ApiKeyRegistry } from './api-keys.js';
import { AuthFailureThrottle } from './auth-failures.js';
import { hasScope, type Client } from './grants.js';
import { type InvalidTokenError, JwtVerifier, looksLikeJwt, TokenCheckUnavailableError } from './jwt.js';

const REALM = 'Bearer realm="customer-gateway"';

export const OPEN_CLIENT: Client = Object.freeze({
  name: 'open',
  providers: ['*'],
  scopes: ['cache:purge', 'cache:bypass', 'customers:search'] as const,
  kind: 'open' as const,
});

export function authenticate(security: SecurityConfig, logger: Logger): RequestHandler {
  const keys = new ApiKeyRegistry(security.apiKeys);
  const jwt = security.jwt ? new JwtVerifier(security.jwt) : undefined;
  const throttle = new AuthFailureThrottle(security.authFailuresPerMinute);
  if (security.open) {
    logger.warn(
      'no inbound authentication configured (GATEWAY_API_KEYS_FILE, GATEWAY_API_KEYS, GATEWAY_JWT_JWKS_URL): ' +
        'the gateway is OPEN to every caller, national ids stay masked; never run this way in production',
    );
  }

  const identify = async (req: Request, requestId: string): Promise<Client> => {
    const credential = presented(req);
    if (credential === undefined) {
      throw unauthorized(
        'This route needs credentials: an API key (Authorization: Bearer, or X-Api-Key) or a bearer token.',
        false,
      );
    }
    if ('error' in credential) throw unauthorized(credential.error, true);
    if (credential.kind === 'bearer' && jwt && looksLikeJwt(credential.value)) {
      try {
        return await jwt.verify(credential.value);
      } catch (error) {
        if (error instanceof TokenCheckUnavailableError) {
          logger.error(
            { requestId, reason: error.message },
            'cannot verify bearer tokens: the JWKS is unreachable or invalid',
          );
          throw new GatewayError('internal-error', {
            detail: 'The gateway cannot verify bearer tokens right now; try again shortly.',
          });
        }
        logger.info({ requestId, reason: (error as InvalidTokenError).message }, 'bearer token refused');
        throw unauthorized('The bearer token is not valid (signature, issuer, audience, algorithm or lifetime).', true);
      }
    }
    const client = keys.find(credential.value);
    if (!client) throw unauthorized('The API key or token is not valid.', true);
    return client;
  };

  return async (req, res, next) => {
    // The answer depends on who asks: shared caches must key on the credential headers.
    res.vary('Authorization, X-Api-Key');
    // Open mode has nothing to check a credential against: any credential is ignored rather than half-trusted.
    if (security.open) {
      res.locals.client = OPEN_CLIENT;
      res.locals.clearPii = false;
      next();
      return;
    }
    throttle.check(req);
    let client: Client;
    try {
      client = await identify(req, res.locals.requestId ?? '');
    } catch (error) {
      if (error instanceof GatewayError && error.code === 'unauthorized') throttle.failed(req);
      throw error;
    }
    res.locals.client = client;
    res.locals.clearPii = hasScope(client, 'pii:read');
    next();
  };
}

type Presented = { kind: 'bearer' | 'api-key'; value: string } | { error: string };

function presented(req: Request): Presented | undefined {
  const authorization = req.get('authorization');
  const apiKey = req.get('x-api-key');
  if (authorization === undefined && apiKey === undefined) return undefined;
  if (authorization !== undefined && apiKey !== undefined)
    return { error: 'Send one credential: Authorization or X-Api-Key, not both.' };
  if (apiKey !== undefined)
    return apiKey.trim() ? { kind: 'api-key', value: apiKey.trim() } : { error: 'X-Api-Key is empty.' };
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1] ? { kind: 'bearer', value: match[1] } : { error: 'Authorization must be "Bearer <key or token>".' };
}

function unauthorized(detail: string, presentedCredential: boolean): GatewayError {
  return new GatewayError('unauthorized', {
    detail,
    headers: { 'WWW-Authenticate': presentedCredential ? `${REALM}, error="invalid_token"` : REALM },
  });
}
