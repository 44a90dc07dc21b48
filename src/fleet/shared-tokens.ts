/**
 * One OAuth token per credential for the fleet (Adobe IMS, Tango OAuth), as the auth scheme's `TokenStore`:
 * kept in Redis under a keyed digest of the credential (never the secret), with a copy in each replica.
 *
 * When no usable token is stored, the one replica that takes the credential's lease gets `undefined` from
 * `get()` and fetches (its `set()` stores the token, tells the others and releases the lease); the others wait
 * for that, notified, and read it. A replica whose fetch fails calls `abandon()`: its lease goes at once, and a
 * waiter (or its own retry) fetches.
 *
 * An upstream 401 (`drop`) deletes the token for everyone, only if it is still the one that was refused (a
 * replica refused with an old token must not throw away the new one), and every replica drops its copy.
 * The stored value is `<token digest>.<payload>`: the digest lets that compare-and-delete run in Redis; the
 * payload is sealed with `CACHE_ENCRYPTION_KEY` when it is set.
 */
import { hash, randomUUID } from 'node:crypto';
import type { StoredToken, TokenStore } from '../core/seams.js';
import type { ValueCipher } from './cipher.js';
import type { FleetEvents } from './events.js';
import { storedTokenSchema, valid } from './stored-shapes.js';
import { RedisUnavailable, type FleetRedis } from './redis.js';

const DELETE_IF_SAME = `local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '.' then return redis.call('DEL', KEYS[1]) end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export const tokenDigest = (token: string): string => hash('sha256', token, 'base64url').slice(0, 22);

export class SharedTokens {
  private readonly stores = new Map<string, FleetTokenStore>();

  constructor(
    private readonly redis: FleetRedis,
    private readonly events: FleetEvents,
    private readonly cipher: ValueCipher | undefined,
  ) {
    events.on((event) => {
      if (event.t === 'token') this.stores.get(event.credential)?.forget(event.token);
    });
  }

  /** The token store of one credential; `leaseMs` is how long one token request may take. */
  store(credential: string, leaseMs: number): TokenStore {
    let store = this.stores.get(credential);
    if (!store)
      this.stores.set(
        credential,
        (store = new FleetTokenStore(this.redis, this.events, this.cipher, credential, leaseMs)),
      );
    return store;
  }
}

class FleetTokenStore implements TokenStore {
  private readonly key: string;
  private readonly leaseKey: string;
  private local: StoredToken | undefined;
  /** This replica's lease, while it fetches the fleet's token. */
  private lease: string | undefined;

  constructor(
    private readonly redis: FleetRedis,
    private readonly events: FleetEvents,
    private readonly cipher: ValueCipher | undefined,
    private readonly credential: string,
    private readonly leaseMs: number,
  ) {
    // One unit per credential: the token and its lease sit in one slot in a Cluster (no script needs both today;
    // kept together so that one may).
    this.key = redis.key('token', redis.unit(credential));
    this.leaseKey = redis.key('lease', 'token', redis.unit(credential));
  }

  /** A usable token, or undefined: then this replica fetches one and `set`s it. */
  async get(): Promise<StoredToken | undefined> {
    const { clock } = this.redis;
    if (this.local && clock.now() < this.local.refreshAt) return this.local;
    const until = clock.now() + 2 * this.leaseMs;
    try {
      while (clock.now() < until) {
        const next = this.events.next(`token:${this.credential}`, this.leaseMs);
        const stored = await this.read();
        if (stored) {
          next.cancel();
          return (this.local = stored);
        }
        const lease = randomUUID();
        if ((await this.redis.run('set', (c) => c.set(this.leaseKey, lease, 'PX', this.leaseMs, 'NX'))) === 'OK') {
          next.cancel();
          this.lease = lease;
          return undefined;
        }
        // Another replica fetches: its `set` announces the token (or its lease runs out).
        await next.event;
      }
    } catch (error) {
      if (!(error instanceof RedisUnavailable)) throw error;
    }
    // Redis unavailable, or no token came in time: this replica fetches its own.
    return undefined;
  }

  async set(token: StoredToken): Promise<void> {
    this.local = token;
    const ttl = Math.floor(token.expiresAt - this.redis.clock.now());
    const json = Buffer.from(JSON.stringify(token));
    const payload = this.cipher ? this.cipher.seal(json, this.key) : json;
    const value = Buffer.concat([Buffer.from(`${tokenDigest(token.value)}.`), payload]);
    const lease = this.lease;
    this.lease = undefined;
    try {
      if (ttl > 0) await this.redis.run('set', (c) => c.set(this.key, value, 'PX', ttl));
      await this.events.publish({ t: 'done', name: `token:${this.credential}` });
      if (lease) await this.redis.run('eval', (c) => c.eval(RELEASE, 1, this.leaseKey, lease));
    } catch (error) {
      if (!(error instanceof RedisUnavailable)) throw error;
    }
  }

  /** This replica's token request failed: its lease goes now, and the replicas waiting for a token try at once. */
  async abandon(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    if (!lease) return;
    try {
      await this.redis.run('eval', (c) => c.eval(RELEASE, 1, this.leaseKey, lease));
      await this.events.publish({ t: 'done', name: `token:${this.credential}` });
    } catch (error) {
      if (!(error instanceof RedisUnavailable)) throw error;
    }
  }

  /** The upstream refused `token`: gone here, from Redis if it is still the stored one, and from every replica. */
  async drop(token: StoredToken): Promise<void> {
    const digest = tokenDigest(token.value);
    this.forget(digest);
    try {
      await this.redis.run('eval', (c) => c.eval(DELETE_IF_SAME, 1, this.key, digest));
      await this.events.publish({ t: 'token', credential: this.credential, token: digest });
    } catch (error) {
      if (!(error instanceof RedisUnavailable)) throw error;
    }
  }

  /** Another replica (or this one) refused the token with this digest. */
  forget(digest: string): void {
    if (this.local && tokenDigest(this.local.value) === digest) this.local = undefined;
  }

  private async read(): Promise<StoredToken | undefined> {
    const value = await this.redis.run('get', (c) => c.getBuffer(this.key));
    if (!value) return undefined;
    const dot = value.indexOf(0x2e);
    if (dot < 0) return undefined;
    const payload = value.subarray(dot + 1);
    const plain = this.cipher ? this.cipher.open(payload, this.key) : payload;
    if (!plain) return undefined;
    let token: StoredToken | undefined;
    try {
      token = valid<StoredToken>(storedTokenSchema, JSON.parse(plain.toString('utf8')));
    } catch {
      return undefined;
    }
    return token && this.redis.clock.now() < token.refreshAt ? token : undefined;
  }
}
