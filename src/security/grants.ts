/**
 * What an authenticated caller may do: which providers it may look up and which operations (scopes) it holds.
 * Routes ask here; authentication (`authenticate.ts`) only establishes who the caller is.
 */
import type { Response } from 'express';
import type { Scope } from '../../config/security.js';
import { GatewayError } from '../core/problems.js';

export interface Client {
  name: string;
  /** Provider ids, or `*` for every provider. */
  providers: readonly string[];
  scopes: readonly Scope[];
  /** How the caller proved who it is; also keeps an API-key client and a JWT subject of one name apart. */
  kind: 'api-key' | 'jwt' | 'open';
  /** Its own requests per minute, when the key file sets one. */
  rateLimitPerMinute?: number | undefined;
}

export const mayUseProvider = (client: Client, provider: string): boolean =>
  client.providers.includes('*') || client.providers.includes(provider);

export const hasScope = (client: Client, scope: Scope): boolean => client.scopes.includes(scope);

/** The caller put there by `authenticate`; a route mounted without it is a wiring bug, not an open door. */
export function clientOf(res: Response): Client {
  const client = res.locals.client;
  if (!client) throw new GatewayError('internal-error', { detail: 'The route was reached without authentication.' });
  return client;
}

export function requireProvider(res: Response, provider: string): void {
  const client = clientOf(res);
  if (!mayUseProvider(client, provider)) {
    throw new GatewayError('forbidden', {
      provider,
      detail: `The caller "${client.name}" may not use the provider "${provider}".`,
    });
  }
}

export function requireScope(res: Response, scope: Scope, operation: string): void {
  const client = clientOf(res);
  if (!hasScope(client, scope))
    throw new GatewayError('forbidden', {
      detail: `${operation} needs the scope "${scope}", which the caller "${client.name}" does not hold.`,
    });
}
