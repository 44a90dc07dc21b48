/**
 * The key of one cached lookup, in every tier: `{provider}:{id}` for a customer, `{provider}:{id}+balances` for
 * its `?include=balances` variant. Only this module knows that layout; everyone else makes keys and reads them
 * back through the functions below. The key stays a plain string (no allocation on the hit path beyond the key
 * itself), branded so that an arbitrary string cannot be passed where a key is expected. The layout must not
 * change: the shared tier's Redis keys are digests of it, and its stored values name the key they answer for.
 */

declare const cacheKeyBrand: unique symbol;

export type CacheKey = string & { readonly [cacheKeyBrand]: true };

/** The key of a customer; `id` is the validated id (NFC already). */
export const customerKey = (provider: string, id: string): CacheKey => `${provider}:${id}` as CacheKey;

/** The key of the balances variant of a customer: apart from the plain lookup's. */
export const balancesKey = (key: CacheKey): CacheKey => `${key}+balances` as CacheKey;

/** The provider whose customer the key names: the text before the first `:`. */
export const providerOf = (key: CacheKey): string => key.slice(0, key.indexOf(':'));
