/**
 * Credentials for the security tests: random API keys with their SHA-256 hex (as the key file holds them), and
 * an issuer with its own JWKS served on loopback, signing tokens the way the API gateway in front would.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { startTestGateway, type TestGateway, type TestGatewayOptions } from '../support/gateway.js';

export const newApiKey = (): string => randomBytes(32).toString('base64url');
export const sha256Hex = (key: string): string => createHash('sha256').update(key).digest('hex');

export interface KeyFileClient {
  name: string;
  keySha256: string[];
  providers: string[];
  scopes: string[];
  rateLimitPerMinute?: number;
}

export const keyFile = (clients: KeyFileClient[]): string => JSON.stringify({ clients });

/** Two clients of every provider: a `reader` (purges, national ids masked) and a `case-worker` (`pii:read`). */
export const readerAndCaseWorker = (readerKey: string, caseWorkerKey: string): string =>
  keyFile([
    { name: 'reader', keySha256: [sha256Hex(readerKey)], providers: ['*'], scopes: ['cache:purge'] },
    { name: 'case-worker', keySha256: [sha256Hex(caseWorkerKey)], providers: ['*'], scopes: ['pii:read'] },
  ]);

export const ISSUER = 'https://issuer.test/';
export const AUDIENCE = 'customer-gateway';

export interface Issuer {
  jwksUrl: string;
  /** JWKS fetches served, to tell a cached key set from a refetch. */
  fetches: number;
  sign(claims: JWTPayload, options?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

export interface SignOptions {
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  notBefore?: number;
  /** Sign with a key the JWKS does not publish (same kid): a wrongly-signed token. */
  foreignKey?: boolean;
  kid?: string;
  omitExp?: boolean;
  /** Seconds from now for `iat` (negative: issued in the past; positive: in the future); default now. */
  issuedAt?: number;
  omitIat?: boolean;
  /** The `typ` header (none by default). */
  typ?: string;
}

export async function startIssuer(): Promise<Issuer> {
  const good = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(good.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const state = { fetches: 0 };
  const server = http.createServer((req, res) => {
    state.fetches += 1;
    if (req.url !== '/jwks.json') return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
    get fetches() {
      return state.fetches;
    },
    async sign(claims, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const key: CryptoKey = options.foreignKey ? foreign.privateKey : good.privateKey;
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1', ...(options.typ ? { typ: options.typ } : {}) })
        .setIssuer(options.issuer ?? ISSUER)
        .setAudience(options.audience ?? AUDIENCE);
      if (!options.omitIat) jwt.setIssuedAt(now + (options.issuedAt ?? 0));
      if (!options.omitExp) jwt.setExpirationTime(now + (options.expiresIn ?? 300));
      if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
      return jwt.sign(key);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An unsecured token (`alg: none`), hand-built: jose refuses to make one for signing. */
export function unsignedToken(claims: JWTPayload): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const payload = b64({ iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 300, ...claims });
  return `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`;
}

export const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });
export const xApiKey = (key: string): Record<string, string> => ({ 'X-Api-Key': key });

/** A gateway for one test, closed whatever the test does. */
export async function withGateway(options: TestGatewayOptions, use: (gw: TestGateway) => Promise<void>): Promise<void> {
  const gw = await startTestGateway(options);
  try {
    await use(gw);
  } finally {
    await gw.close();
  }
}
