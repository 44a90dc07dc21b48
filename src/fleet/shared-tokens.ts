/**
 * One OAuth token per credential for the fleet (Adobe IMS, Tango OAuth): stored in Redis under a digest of the
 * credential (never the secret), fetched by the one replica that holds the credential's lease, read by all.
 * An upstream 401 deletes the token for everyone, only if it is still the one that was refused (a replica
 * that refused an old token must not throw away the new one), and tells every replica to drop its copy.
 *
 * The stored value is `<token digest>.<payload>`: the digest lets the compare-and-delete run in Redis, the
 * payload is sealed with `CACHE_ENCRYPTION_KEY` when it is set.
 */
import { hash } from 'node:crypto';
import type { ValueCipher } from './cipher.js';
import type { FleetEvents, SharedFailure } from './events.js';
import type { FleetCoalescer } from './lease.js';
import { RedisUnavailable, type FleetRedis } from './redis.js';

export interface SharedToken {
  value: string;
  /** When to fetch a new one (ms since the epoch). */
  refreshAt: number;
  expiresAt: number;
}

export interface TokenFetch {
  fetch: () => Promise<SharedToken>;
  share: (error: unknown) => SharedFailure | undefined;
  rebuild: (failure: SharedFailure) => Error;
  timeout: () => Error;
}

const DELETE_IF_SAME = `local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '.' then return redis.call('DEL', KEYS[1]) end
return 0`;

export const tokenDigest = (token: string): string => hash('sha256', token, 'base64url').slice(0, 22);

/** The name of a credential in Redis: a digest of everything that identifies it, the secret included. */
export const credentialName = (...parts: string[]): string => hash('sha256', parts.join('\0'), 'base64url').slice(0, 22);

export class SharedTokens {
  private readonly dropListeners = new Set<(credential: string, digest: string) => void>();

  constructor(
    private readonly redis: FleetRedis,
    private readonly events: FleetEvents,
    private readonly coalescer: FleetCoalescer,
    private readonly cipher: ValueCipher | undefined,
  ) {
    events.on((event) => {
      if (event.t !== 'token') return;
      for (const listener of this.dropListeners) listener(event.credential, event.token);
    });
  }

  /** A usable token for the credential: the fleet's, or one fetched under the lease. */
  async obtain(credential: string, deadline: number, work: TokenFetch): Promise<SharedToken> {
    const stored = await this.read(credential);
    if (stored) return stored;
    const result = await this.coalescer.run(`token:${credential}`, deadline, {
      read: () => this.read(credential),
      load: async () => {
        const token = await work.fetch();
        await this.write(credential, token);
        return token;
      },
      share: work.share,
      rebuild: work.rebuild,
      timeout: work.timeout,
    });
    return result.value;
  }

  /** The fleet's token, if it is stored and not yet due for refresh. */
  async read(credential: string): Promise<SharedToken | undefined> {
    const key = this.redis.key('token', credential);
    let value: Buffer | null;
    try {
      value = await this.redis.run('get', (c) => c.getBuffer(key));
    } catch (error) {
      if (error instanceof RedisUnavailable) return undefined;
      throw error;
    }
    if (!value) return undefined;
    const dot = value.indexOf(0x2e);
    if (dot < 0) return undefined;
    const payload = value.subarray(dot + 1);
    const plain = this.cipher ? this.cipher.open(payload, key) : payload;
    if (!plain) return undefined;
    try {
      const token = JSON.parse(plain.toString('utf8')) as SharedToken;
      return typeof token.value === 'string' && Date.now() < token.refreshAt ? token : undefined;
    } catch {
      return undefined;
    }
  }

  /** The upstream refused `token`: delete it for the fleet (if it is still the stored one) and tell every replica. */
  async invalidate(credential: string, token: string): Promise<void> {
    const key = this.redis.key('token', credential);
    const digest = tokenDigest(token);
    try {
      await this.redis.run('eval', (c) => c.eval(DELETE_IF_SAME, 1, key, digest));
      await this.events.publish({ t: 'token', credential, token: digest });
    } catch (error) {
      if (!(error instanceof RedisUnavailable)) throw error;
    }
  }

  /** Called when any replica refused a token: (credential, digest of the refused token). */
  onDropped(listener: (credential: string, digest: string) => void): void {
    this.dropListeners.add(listener);
  }

  private async write(credential: string, token: SharedToken): Promise<void> {
    const key = this.redis.key('token', credential);
    const ttl = Math.floor(token.expiresAt - Date.now());
    if (ttl <= 0) return;
    const json = Buffer.from(JSON.stringify(token));
    const payload = this.cipher ? this.cipher.seal(json, key) : json;
    const value = Buffer.concat([Buffer.from(`${tokenDigest(token.value)}.`), payload]);
    await this.redis.run('set', (c) => c.set(key, value, 'PX', ttl)).catch(() => undefined);
  }
}
