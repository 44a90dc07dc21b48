/**
 * Recent lookups of this browser (localStorage): newest first, one entry per customer, a short list. Only
 * lookups that found a customer are kept, with the name the gateway returned, so the list reads like a
 * list of customers rather than of ids.
 */
import type { KeyValueStorage } from './storage.js';

export interface RecentLookup {
  provider: string;
  id: string;
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
    return Array.isArray(parsed) ? parsed.filter(isRecentLookup).slice(0, this.limit) : [];
  }

  /** Puts a lookup first, replacing an earlier entry for the same customer; returns the new list. */
  add(entry: { provider: string; id: string; displayName: string | null }): RecentLookup[] {
    const item: RecentLookup = {
      provider: entry.provider,
      id: entry.id,
      displayName: entry.displayName,
      at: this.now().toISOString(),
    };
    const list = [item, ...this.list().filter((old) => old.provider !== entry.provider || old.id !== entry.id)].slice(
      0,
      this.limit,
    );
    this.write(list);
    return list;
  }

  clear(): void {
    try {
      this.storage.removeItem(this.key);
    } catch {
      // Nothing more to do: the list is gone or was never stored.
    }
  }

  private write(list: RecentLookup[]): void {
    try {
      this.storage.setItem(this.key, JSON.stringify(list));
    } catch {
      // A full or refused storage costs the history, never the lookup.
    }
  }
}

function isRecentLookup(value: unknown): value is RecentLookup {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.provider === 'string' &&
    v.provider !== '' &&
    typeof v.id === 'string' &&
    v.id !== '' &&
    (v.displayName === null || typeof v.displayName === 'string') &&
    typeof v.at === 'string'
  );
}
