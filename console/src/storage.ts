/**
 * The part of the Web Storage API the console uses, so that history and credentials run in jest with an
 * in-memory stand-in, and in a browser that refuses storage (privacy settings throw on access) too.
 */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export class MemoryStorage implements KeyValueStorage {
  private readonly items = new Map<string, string>();

  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    this.items.set(key, String(value));
  }

  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/** The browser's storage when it can be used, else memory that lasts as long as the page. */
export function storageOr(get: () => KeyValueStorage | null | undefined): KeyValueStorage {
  try {
    const storage = get();
    if (storage) {
      const probe = '__customer-gateway-console__';
      storage.setItem(probe, probe);
      storage.removeItem(probe);
      return storage;
    }
  } catch {
    // Storage disabled or full: fall through to memory.
  }
  return new MemoryStorage();
}
