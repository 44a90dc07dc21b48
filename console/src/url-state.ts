/**
 * Pure: the deep link of a lookup. `?provider=tango&id=zanzibar-health` opens the console on that customer,
 * and each lookup puts its own link in the browser history, so back and forward walk through lookups.
 */
export interface LookupTarget {
  provider: string;
  id: string;
}

/** The lookup a query string names, or null when it names none (both parameters are needed). */
export function targetFromSearch(search: string): LookupTarget | null {
  const params = new URLSearchParams(search);
  const provider = params.get('provider')?.trim() ?? '';
  const id = params.get('id') ?? '';
  return provider !== '' && id.trim() !== '' ? { provider, id } : null;
}

/** `?provider=…&id=…`, keeping any other parameter of the current query string. */
export function searchForTarget(target: LookupTarget | null, currentSearch = ''): string {
  const params = new URLSearchParams(currentSearch);
  params.delete('provider');
  params.delete('id');
  if (target !== null) {
    params.set('provider', target.provider);
    params.set('id', target.id);
  }
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

export function sameTarget(a: LookupTarget | null, b: LookupTarget | null): boolean {
  return a !== null && b !== null ? a.provider === b.provider && a.id === b.id : a === b;
}
