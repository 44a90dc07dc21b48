/**
 * The shared auth schemes (design §2, §5): HTTP Basic, static Bearer, OAuth2 client credentials.
 * An adapter picks one; the upstream client asks it for headers inside every attempt.
 */
import { hash } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import { GatewayError, isProblemCode } from './problems.js';
import { isRecord } from './normalize.js';

export interface AuthScheme {
  readonly kind: 'basic' | 'bearer' | 'oauth2-client-credentials';
  /** Headers for one attempt. May fetch a token; the fetch is shared by every attempt waiting for one. */
  headers(signal: AbortSignal): Promise<Record<string, string>>;
  /** After an upstream 401: forget the token. True when asking again with a new token makes sense. */
  invalidate(): boolean;
  /** For readiness and metrics: never the token itself. */
  state(): Record<string, unknown>;
}

/** What the core gives an adapter to build its auth scheme with. */
export interface AuthKit {
  provider: string;
  http: AxiosInstance;
  /** Timeout of one token request. */
  timeoutMs: number;
  onTokenFetch?: (outcome: 'ok' | 'refused' | 'failed') => void;
  /** Where a fleet of replicas shares one token per credential (src/fleet/shared-tokens.ts); absent: this process. */
  shared?: TokenShare;
}

/** A failure of a token fetch as the replicas waiting for it need it. */
export interface TokenFailure {
  code: string;
  detail: string;
  provider?: string;
  upstreamStatus?: number;
  retryAfterSeconds?: number;
}

/** One token per credential for the fleet: fetched under a lease by one replica, read by all, refused for all. */
export interface TokenShare {
  obtain(
    credential: string,
    deadline: number,
    work: { fetch: () => Promise<Token>; share: (error: unknown) => TokenFailure | undefined; rebuild: (failure: TokenFailure) => Error; timeout: () => Error },
  ): Promise<Token>;
  invalidate(credential: string, token: string): Promise<void>;
  /** Called when any replica dropped a token: (credential, digest of the token). */
  onDropped(listener: (credential: string, digest: string) => void): void;
}

export function basicAuth(username: string, password: string): AuthScheme {
  const header = { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
  return {
    kind: 'basic',
    headers: async () => header,
    invalidate: () => false,
    state: () => ({ kind: 'basic' }),
  };
}

export function bearerAuth(token: string): AuthScheme {
  const header = { Authorization: `Bearer ${token}` };
  return {
    kind: 'bearer',
    headers: async () => header,
    invalidate: () => false,
    state: () => ({ kind: 'bearer' }),
  };
}

/**
 * A scheme plus static credential headers sent with every API request (Adobe's `X-Api-Key` beside its IMS
 * token): credentials stay in the auth scheme, out of the adapter's per-attempt request.
 */
export function withHeaders(scheme: AuthScheme, extra: Record<string, string>): AuthScheme {
  return {
    kind: scheme.kind,
    headers: async (signal) => ({ ...extra, ...(await scheme.headers(signal)) }),
    invalidate: () => scheme.invalidate(),
    state: () => scheme.state(),
  };
}

export interface ClientCredentialsOptions {
  tokenUrl: string;
  /** The form fields of the token request (`grant_type=client_credentials` is added). */
  form: Record<string, string>;
}

export interface Token {
  value: string;
  /** When to fetch a new one: `min(300 s, 10%)` before `expires_in` runs out (design §5). */
  refreshAt: number;
  expiresAt: number;
}

const DEFAULT_EXPIRES_IN_SECONDS = 3600;

/**
 * OAuth2 client-credentials token source: one cached token, refreshed on demand shortly before it expires,
 * with one request in flight however many lookups wait for it.
 */
export function clientCredentialsAuth(options: ClientCredentialsOptions, kit: AuthKit): AuthScheme {
  let token: Token | undefined;
  let inFlight: Promise<Token> | undefined;
  let fetches = 0;

  async function fetchToken(): Promise<Token> {
    fetches += 1;
    const form = new URLSearchParams({ grant_type: 'client_credentials', ...options.form });
    let response;
    try {
      response = await kit.http.post(options.tokenUrl, form.toString(), {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        timeout: kit.timeoutMs,
        signal: AbortSignal.timeout(kit.timeoutMs),
        responseType: 'text',
        transformResponse: (body: unknown) => body,
        validateStatus: () => true,
        maxRedirects: 0,
      });
    } catch (cause) {
      kit.onTokenFetch?.('failed');
      throw new GatewayError('upstream-error', {
        provider: kit.provider,
        detail: 'The token endpoint could not be reached.',
        transient: true,
        cause,
      });
    }
    const { status } = response;
    if (status >= 500 || status === 429) {
      kit.onTokenFetch?.('failed');
      throw new GatewayError('upstream-error', {
        provider: kit.provider,
        upstreamStatus: status,
        detail: `The token endpoint answered ${status}.`,
        transient: true,
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(String(response.data));
    } catch {
      body = undefined;
    }
    const accessToken = isRecord(body) ? body.access_token : undefined;
    if (status < 200 || status >= 300 || typeof accessToken !== 'string' || accessToken === '') {
      kit.onTokenFetch?.('refused');
      throw new GatewayError('upstream-auth-failed', {
        provider: kit.provider,
        upstreamStatus: status,
        detail: `The token endpoint refused to issue a token (HTTP ${status}).`,
      });
    }
    kit.onTokenFetch?.('ok');
    const rawExpiry = isRecord(body) ? Number(body.expires_in) : NaN;
    const expiresIn = Number.isFinite(rawExpiry) && rawExpiry > 0 ? rawExpiry : DEFAULT_EXPIRES_IN_SECONDS;
    const margin = Math.min(300, expiresIn * 0.1);
    const now = Date.now();
    return { value: accessToken, refreshAt: now + (expiresIn - margin) * 1000, expiresAt: now + expiresIn * 1000 };
  }

  // The fleet knows the credential by a digest of everything that identifies it, never by the secret itself.
  const credential = hash('sha256', [options.tokenUrl, ...Object.entries(options.form).flat()].join('\0'), 'base64url').slice(0, 22);
  const shared = kit.shared;
  /** A refusal being written to the fleet: the next token must not be read before it is deleted there. */
  let dropping: Promise<void> | undefined;
  shared?.onDropped((name, digest) => {
    if (name === credential && token && tokenDigest(token.value) === digest) token = undefined;
  });

  function obtain(): Promise<Token> {
    if (!shared) return fetchToken();
    return (dropping ?? Promise.resolve()).then(() =>
      shared.obtain(credential, Date.now() + 2 * kit.timeoutMs, {
        fetch: fetchToken,
        share: (error) => (error instanceof GatewayError ? { code: error.code, detail: error.message, provider: error.provider, upstreamStatus: error.upstreamStatus } : undefined),
        rebuild: (failure) =>
          new GatewayError(isProblemCode(failure.code) ? failure.code : 'upstream-error', {
            provider: kit.provider,
            detail: failure.detail,
            upstreamStatus: failure.upstreamStatus,
            transient: failure.code === 'upstream-error',
          }),
        timeout: () => new GatewayError('upstream-error', { provider: kit.provider, detail: 'Another replica is fetching a token and did not finish in time.', transient: true }),
      }),
    );
  }

  function current(): Promise<Token> {
    if (token && Date.now() < token.refreshAt) return Promise.resolve(token);
    inFlight ??= obtain()
      .then((fresh) => (token = fresh))
      .finally(() => (inFlight = undefined));
    return inFlight;
  }

  return {
    kind: 'oauth2-client-credentials',
    async headers(signal) {
      // The token request is shared, so one caller giving up must not cancel it for the others.
      const fresh = await raceAbort(current(), signal);
      return { Authorization: `Bearer ${fresh.value}` };
    },
    invalidate() {
      if (shared && token) {
        const refused = token.value;
        dropping = shared.invalidate(credential, refused).finally(() => (dropping = undefined));
      }
      token = undefined;
      return true;
    },
    state: () => ({
      kind: 'oauth2-client-credentials',
      token: token ? (Date.now() < token.expiresAt ? 'valid' : 'expired') : 'none',
      expiresAt: token ? new Date(token.expiresAt).toISOString() : null,
      tokenRequests: fetches,
    }),
  };
}

const tokenDigest = (value: string): string => hash('sha256', value, 'base64url').slice(0, 22);

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
