/**
 * The gateway API key of this browser session. It lives in sessionStorage only: it survives a reload and
 * back/forward, and is gone when the tab closes. Never localStorage, never a cookie, never the URL.
 */
import type { KeyValueStorage } from './storage.js';

export const API_KEY_STORAGE_KEY = 'customer-gateway.console.apiKey';

export type KeyCheck = { ok: true; key: string } | { ok: false; message: string };

/**
 * A key as typed or pasted: surrounding spaces and a pasted `Bearer ` prefix are dropped. What is left must be
 * printable ASCII without spaces, or the browser could not send it in the Authorization header at all.
 */
export function checkApiKey(input: string): KeyCheck {
  const key = input.trim().replace(/^Bearer\s+/i, '');
  if (key === '') return { ok: false, message: 'Enter an API key.' };
  if (key.length > 4096) return { ok: false, message: 'This is too long to be an API key.' };
  if (!/^[\x21-\x7E]+$/.test(key))
    return { ok: false, message: 'An API key has no spaces and only plain (ASCII) characters; check what was pasted.' };
  return { ok: true, key };
}

/**
 * Whether a key the gateway refused should be forgotten. A 401 says the key itself is wrong (unknown, revoked,
 * expired): keeping it would send it again on every lookup and on reload, and the header would still say a key
 * is set. A 403 says the key is valid but not granted this provider or operation: it stays, for what it may do.
 */
export const forgetKeyAfter = (status: number | null): boolean => status === 401;

export class ApiKeyStore {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly storageKey: string = API_KEY_STORAGE_KEY,
  ) {}

  get(): string | null {
    try {
      const stored = this.storage.getItem(this.storageKey);
      if (stored === null) return null;
      const check = checkApiKey(stored);
      return check.ok ? check.key : null;
    } catch {
      return null;
    }
  }

  /** Stores a key for this session; a key that cannot be sent is refused with the reason. */
  set(input: string): KeyCheck {
    const check = checkApiKey(input);
    if (check.ok) {
      try {
        this.storage.setItem(this.storageKey, check.key);
      } catch {
        // Storage refused: the caller still gets the key, for this page only.
      }
    }
    return check;
  }

  clear(): void {
    try {
      this.storage.removeItem(this.storageKey);
    } catch {
      // Already gone.
    }
  }
}
