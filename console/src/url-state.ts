/**
 * Pure: the deep links of the page. `?provider=tango&id=zanzibar-health` opens the console on that customer,
 * `?q=post@nordlys.example.no` on a search; a customer opened from the results keeps the search
 * (`?q=…&provider=…&id=…`). Each lookup and search puts its own link in the browser history, so back and
 * forward walk through them.
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

/** The search a query string names (`?q=`), or null; spaces around it do not count. */
export function queryFromSearch(search: string): string | null {
  const q = new URLSearchParams(search).get('q')?.trim() ?? '';
  return q === '' ? null : q;
}

/**
 * `?q=…` for a new search: the customer of the previous link goes (a new search shows no customer yet); other
 * parameters stay. Null removes the search and keeps the customer.
 */
export function searchForQuery(query: string | null, currentSearch = ''): string {
  const params = new URLSearchParams(currentSearch);
  params.delete('q');
  if (query !== null) {
    params.delete('provider');
    params.delete('id');
    params.set('q', query);
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
