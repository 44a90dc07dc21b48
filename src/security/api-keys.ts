/**
 * API keys for internal apps. Only SHA-256 digests are configured; a presented key is hashed and compared
 * with every configured digest in constant time, so neither the match nor its position leaks through timing.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyClient } from '../../config/security.js';
import type { Client } from './grants.js';

// The one-shot `crypto.hash` (node 20.12) costs a fraction of a Hash object on every authenticated request.
export const sha256 = (value: string): Buffer => hash('sha256', value, 'buffer');

export class ApiKeyRegistry {
  private readonly digests: { digest: Buffer; client: Client }[];

  constructor(clients: readonly ApiKeyClient[]) {
    this.digests = clients.flatMap((c) => {
      const client: Client = {
        name: c.name,
        providers: c.providers,
        scopes: c.scopes,
        kind: 'api-key',
        rateLimitPerMinute: c.rateLimitPerMinute,
      };
      return c.keySha256.map((hex) => ({ digest: Buffer.from(hex, 'hex'), client }));
    });
  }

  get size(): number {
    return this.digests.length;
  }

  /** The client holding this key, or undefined. Every digest is compared, match or not. */
  find(key: string): Client | undefined {
    const presented = sha256(key);
    let found: Client | undefined;
    for (const { digest, client } of this.digests) {
      if (timingSafeEqual(presented, digest) && !found) found = client;
    }
    return found;
  }
}
