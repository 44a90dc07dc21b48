/**
 * JWT bearer tokens issued for the API gateway in front: verified with `jose` against the issuer's JWKS
 * (fetched and cached by jose), with issuer, audience, expiry, not-before and algorithm checks, and a bounded
 * lifetime: `iat` is required, not in the future, and neither the token's age nor its whole lifetime
 * (`exp − iat`) may exceed `GATEWAY_JWT_MAX_AGE_SECONDS` (a token valid for ten years is a leaked password).
 * Provider access and scopes come from configurable claims; the subject must be a well-formed client name.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { CLIENT_NAME, SCOPES, type JwtSettings, type Scope } from '../../config/security.js';
import type { Client } from './grants.js';

/** Three dot-separated base64url parts (the signature may be empty, as in `alg: none`): a JWS compact token. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
export const looksLikeJwt = (token: string): boolean => JWT_SHAPE.test(token);

/**
 * The `typ` header values an access token may carry (RFC 9068 `at+jwt`, or the generic `JWT`), compared without
 * case and with or without the `application/` prefix (RFC 7515 §4.1.9). A token without `typ` is accepted.
 */
const ACCESS_TOKEN_TYPES: ReadonlySet<string> = new Set(['at+jwt', 'application/at+jwt', 'jwt', 'application/jwt']);

/** The token is wrong (401); `reason` is secret-free and goes to the log, never the token. */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** The token could not be checked now (the JWKS is unreachable or broken): not the caller's fault. */
export class TokenCheckUnavailableError extends Error {
  override name = 'TokenCheckUnavailableError';
}

export class JwtVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly settings: JwtSettings) {
    this.jwks = createRemoteJWKSet(new URL(settings.jwksUrl), {
      timeoutDuration: 3000,
      cooldownDuration: 30_000,
      cacheMaxAge: 10 * 60_000,
    });
  }

  async verify(token: string): Promise<Client> {
    let payload: JWTPayload;
    let typ: string | undefined;
    try {
      ({
        payload,
        protectedHeader: { typ },
      } = await jwtVerify(token, this.jwks, {
        issuer: this.settings.issuer,
        audience: [...this.settings.audience],
        algorithms: [...this.settings.algorithms],
        clockTolerance: this.settings.clockToleranceSeconds,
        // jose requires `iat` with a maximum age, and refuses one in the future (beyond the tolerance).
        maxTokenAge: this.settings.maxAgeSeconds,
        requiredClaims: ['exp', 'iat'],
      }));
    } catch (error) {
      if (isJwksFailure(error))
        throw new TokenCheckUnavailableError(error instanceof errors.JOSEError ? error.code : 'jwks-fetch-failed', {
          cause: error,
        });
      // The code and, for a claim check, the claim's name: enough to diagnose, nothing of the token itself.
      if (error instanceof errors.JWTClaimValidationFailed) throw new InvalidTokenError(`${error.code} ${error.claim}`);
      throw new InvalidTokenError(error instanceof errors.JOSEError ? error.code : 'ERR_JWT_INVALID');
    }
    // A token of another kind (an ID token, a logout token, a signed request object) is not an access token.
    if (typ !== undefined && !ACCESS_TOKEN_TYPES.has(typ.toLowerCase())) throw new InvalidTokenError('ERR_JWT_TYP typ');
    if ((payload.exp ?? 0) - (payload.iat ?? 0) > this.settings.maxAgeSeconds + this.settings.clockToleranceSeconds) {
      throw new InvalidTokenError('ERR_JWT_LIFETIME_TOO_LONG exp');
    }
    const name = firstString(payload.sub, payload.azp, payload.client_id);
    if (!name) throw new InvalidTokenError('token names no subject (sub, azp or client_id)');
    // The name goes into problem details and logs: only the characters a configured client name may have.
    if (!CLIENT_NAME.test(name)) throw new InvalidTokenError('token subject is not a valid client name');
    return {
      name,
      providers: words(payload[this.settings.providersClaim]),
      scopes: words(payload[this.settings.scopeClaim]).filter((s): s is Scope =>
        (SCOPES as readonly string[]).includes(s),
      ),
      kind: 'jwt',
    };
  }
}

/** jose's own errors about the key set (timeout, not 200, not a JWKS), and network errors of its fetch. */
function isJwksFailure(error: unknown): boolean {
  if (!(error instanceof errors.JOSEError)) return true;
  return error.code === 'ERR_JWKS_TIMEOUT' || error.code === 'ERR_JWKS_INVALID' || error.code === 'ERR_JOSE_GENERIC';
}

const firstString = (...values: unknown[]): string | undefined =>
  values.find((v): v is string => typeof v === 'string' && v !== '');

/** A claim as a list: an array of strings, or one space- or comma-separated string (OAuth `scope` style). */
function words(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.filter((v): v is string => typeof v === 'string');
  if (typeof claim === 'string') return claim.split(/[\s,]+/).filter(Boolean);
  return [];
}
