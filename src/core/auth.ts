/**
 * The shared auth schemes: HTTP Basic, static Bearer, OAuth2 client credentials. An adapter picks one; the
 * upstream path asks it for headers inside every attempt.
 */
import type { AxiosInstance } from 'axios';
import type { Clock } from './clock.js';
import type { Deadline } from './deadline.js';
import { GatewayError } from './problems.js';
import { isRecord } from './normalize.js';
import { memoryTokenStore, type StoredToken, type TokenStore } from './seams.js';

export interface AuthScheme {
  readonly kind: 'basic' | 'bearer' | 'oauth2-client-credentials';
  /**
   * Headers for one attempt. May fetch a token; the fetch is shared by every attempt waiting for one, and an attempt
   * stops waiting for it when its request's deadline ends.
   */
  headers(deadline: Deadline): Promise<Record<string, string>>;
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
  /** Where OAuth tokens are kept; by default in this process. */
  tokens?: TokenStore;
  /** Token lifetimes are read on it. */
  clock: Clock;
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
    headers: async (deadline) => ({ ...extra, ...(await scheme.headers(deadline)) }),
    invalidate: () => scheme.invalidate(),
    state: () => scheme.state(),
  };
}

export interface ClientCredentialsOptions {
  tokenUrl: string;
  /** The form fields of the token request (`grant_type=client_credentials` is added). */
  form: Record<string, string>;
}

const DEFAULT_EXPIRES_IN_SECONDS = 3600;

/**
 * OAuth2 client-credentials token source: one cached token, refreshed on demand shortly before it expires,
 * with one request in flight however many lookups wait for it.
 */
export function clientCredentialsAuth(options: ClientCredentialsOptions, kit: AuthKit): AuthScheme {
  const store = kit.tokens ?? memoryTokenStore();
  /** The token this process used last (what a 401 refers to, and what readiness shows). */
  let token: StoredToken | undefined;
  let inFlight: Promise<StoredToken> | undefined;
  let fetches = 0;

  async function fetchToken(): Promise<StoredToken> {
    fetches += 1;
    const form = new URLSearchParams({ grant_type: 'client_credentials', ...options.form });
    let response;
    try {
      response = await kit.http.post(options.tokenUrl, form.toString(), {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        timeout: kit.timeoutMs,
        signal: kit.clock.timeoutSignal(kit.timeoutMs),
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
    const now = kit.clock.now();
    return { value: accessToken, refreshAt: now + (expiresIn - margin) * 1000, expiresAt: now + expiresIn * 1000 };
  }

  async function stored(): Promise<StoredToken> {
    const kept = await store.get();
    if (kept && kit.clock.now() < kept.refreshAt) return kept;
    let fresh: StoredToken;
    try {
      fresh = await fetchToken();
    } catch (error) {
      await store.abandon().catch(() => undefined);
      throw error;
    }
    await store.set(fresh);
    return fresh;
  }

  function current(): Promise<StoredToken> {
    if (token && kit.clock.now() < token.refreshAt && !kit.tokens) return Promise.resolve(token);
    inFlight ??= stored()
      .then((kept) => (token = kept))
      .finally(() => (inFlight = undefined));
    return inFlight;
  }

  return {
    kind: 'oauth2-client-credentials',
    async headers(deadline) {
      // A token at hand needs no wait, so no signal to bound it.
      const kept = token && kit.clock.now() < token.refreshAt && !kit.tokens ? token : undefined;
      // The token request is shared, so one caller giving up must not cancel it for the others.
      const fresh = kept ?? (await raceAbort(current(), deadline.signal));
      return { Authorization: `Bearer ${fresh.value}` };
    },
    invalidate() {
      if (token) void store.drop(token).catch(() => undefined);
      token = undefined;
      return true;
    },
    state: () => ({
      kind: 'oauth2-client-credentials',
      token: token ? (kit.clock.now() < token.expiresAt ? 'valid' : 'expired') : 'none',
      expiresAt: token ? new Date(token.expiresAt).toISOString() : null,
      tokenRequests: fetches,
    }),
  };
}

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
