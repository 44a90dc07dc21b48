/**
 * Recent lookups of this browser tab: newest first, one entry per customer, a short list. Only lookups that
 * found a customer are kept. The console keeps no customer data in persistent browser storage: the stored list
 * (the page gives it `sessionStorage`) holds provider, id and time only; the names the gateway returned are
 * remembered in memory, for as long as the page lives, so the list reads like a list of customers while it can.
 */
import type { KeyValueStorage } from './storage.js';

export interface RecentLookup {
  provider: string;
  id: string;
  /** The name shown by a lookup of this page; null after a reload (names are never stored). */
  displayName: string | null;
  /** When the lookup was made, ISO 8601. */
  at: string;
}

export interface RecentLookupsOptions {
  key?: string;
  limit?: number;
  now?: () => Date;
}

export const RECENT_LOOKUPS_KEY = 'customer-gateway.console.recent';

export class RecentLookups {
  private readonly key: string;
  private readonly limit: number;
  private readonly now: () => Date;
  /** `provider id` → the name a lookup of this page showed. */
  private readonly names = new Map<string, string>();

  constructor(
    private readonly storage: KeyValueStorage,
    options: RecentLookupsOptions = {},
  ) {
    this.key = options.key ?? RECENT_LOOKUPS_KEY;
    this.limit = options.limit ?? 10;
    this.now = options.now ?? (() => new Date());
  }

  /** The stored list; entries this version cannot read are skipped rather than failing the page. */
  list(): RecentLookup[] {
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.storage.getItem(this.key) ?? '[]');
    } catch {
      return [];
    }
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter(isStoredLookup)
      .slice(0, this.limit)
      .map((entry) => ({
        provider: entry.provider,
        id: entry.id,
        displayName: this.names.get(nameKey(entry)) ?? null,
        at: entry.at,
      }));
  }

  /** Puts a lookup first, replacing an earlier entry for the same customer; returns the new list. */
  add(entry: { provider: string; id: string; displayName: string | null }): RecentLookup[] {
    if (entry.displayName !== null) this.names.set(nameKey(entry), entry.displayName);
    const item: StoredLookup = { provider: entry.provider, id: entry.id, at: this.now().toISOString() };
    const older = this.list()
      .filter((old) => old.provider !== entry.provider || old.id !== entry.id)
      .map(({ provider, id, at }) => ({ provider, id, at }));
    this.write([item, ...older].slice(0, this.limit));
    // What the page shows even when storage is refused: this lookup at least.
    const stored = this.list();
    return stored.length > 0 ? stored : [{ ...item, displayName: entry.displayName }];
  }

  clear(): void {
    this.names.clear();
    try {
      this.storage.removeItem(this.key);
    } catch {
      // Nothing more to do: the list is gone or was never stored.
    }
  }

  private write(list: StoredLookup[]): void {
    try {
      this.storage.setItem(this.key, JSON.stringify(list));
    } catch {
      // A full or refused storage costs the history, never the lookup.
    }
  }
}

/** What is stored of a lookup: no name, nothing else about the customer. */
interface StoredLookup {
  provider: string;
  id: string;
  at: string;
}

const nameKey = (entry: { provider: string; id: string }): string => `${entry.provider} ${entry.id}`;

function isStoredLookup(value: unknown): value is StoredLookup {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.provider === 'string' &&
    v.provider !== '' &&
    typeof v.id === 'string' &&
    v.id !== '' &&
    typeof v.at === 'string'
  );
}
