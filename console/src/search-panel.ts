/**
 * The search box of the first screen: one field for an e-mail, a phone number, an organisation number or a name,
 * recognised as typed (a hint says which), answered by `GET /customers/search` as a table of matches that open
 * the customer view, with a line saying how much of each provider the search covers. A search is a deep link
 * (`?q=`) and an entry in the browser history. The term is never stored: it lives in the field and the URL.
 */
import type { ApiOutcome, GatewayClient } from './api.js';
import { byId, h, smallBadge } from './dom.js';
import { customerStatusBadge, textOf } from './format.js';
import { coverageWords, matchWords } from './link-text.js';
import type { SearchDocument, SearchMatch } from './model.js';
import { recogniseSearchTerm, SEARCH_HINTS } from './search-term.js';
import { queryFromSearch, searchForQuery, searchForTarget, type LookupTarget } from './url-state.js';
import { customerLink } from './customer-link.js';
import { setFieldError, show } from './view.js';

export type Failure = Exclude<ApiOutcome<unknown>, { kind: 'ok' } | { kind: 'aborted' }>;

export interface SearchDeps {
  client: GatewayClient;
  providerName: (id: string) => string;
  /** Opens a match in the customer view (a new entry in the browser history). */
  open: (target: LookupTarget) => void;
  /** A new search replaced the page's link: the customer view empties. */
  onNewSearch: () => void;
  /** A failure other than a refused term (credentials, the network, the gateway): the page's problem panel. */
  fail: (outcome: Failure, retry: () => void) => Promise<void>;
}

export interface SearchPanel {
  /** Follows the page's link: runs the search it names (unless it is on screen), or clears it. */
  follow(search: string): void;
  focus(): void;
}

const IDLE_HINT = 'By e-mail address, phone number, organisation number or name.';

export function setUpSearch(deps: SearchDeps): SearchPanel {
  const els = {
    form: byId('search-form', HTMLFormElement),
    input: byId('search-q', HTMLInputElement),
    error: byId('search-q-error', HTMLElement),
    hint: byId('search-q-hint', HTMLElement),
    line: byId('search-line', HTMLElement),
    result: byId('search-result', HTMLElement),
  };
  /** The search on screen (or on its way), as its link names it. */
  let shownQuery: string | null = null;
  let inFlight: AbortController | null = null;

  function describeTerm(): void {
    const term = recogniseSearchTerm(els.input.value);
    els.hint.textContent = term === null ? IDLE_HINT : `${SEARCH_HINTS[term.key]}.`;
  }

  function clear(): void {
    inFlight?.abort();
    inFlight = null;
    shownQuery = null;
    els.input.value = '';
    describeTerm();
    setFieldError(els.input, els.error, null);
    els.line.textContent = '';
    show(els.result);
  }

  async function run(query: string, options: { push: boolean }): Promise<void> {
    const term = recogniseSearchTerm(query);
    if (term === null) {
      setFieldError(els.input, els.error, 'Type an e-mail address, a phone number, an organisation number or a name.');
      els.input.focus();
      return;
    }
    if (els.input.value !== term.value) els.input.value = term.value;
    describeTerm();
    setFieldError(els.input, els.error, null);
    if (options.push) {
      const link = searchForQuery(term.value, window.location.search);
      if (link !== window.location.search) window.history.pushState(null, '', link);
      deps.onNewSearch();
    }
    shownQuery = term.value;

    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    els.result.setAttribute('aria-busy', 'true');
    els.line.textContent = `${SEARCH_HINTS[term.key]}…`;
    const outcome = await deps.client.searchCustomers(term, controller.signal);
    if (controller.signal.aborted || outcome.kind === 'aborted') return;
    inFlight = null;
    els.result.removeAttribute('aria-busy');

    if (outcome.kind === 'ok') {
      showMatches(outcome.body);
      return;
    }
    show(els.result);
    els.line.textContent = '';
    if (outcome.kind === 'problem' && outcome.status === 400) {
      // The gateway read the term and refused it: its reason goes by the field it is about.
      const said =
        textOf(outcome.problem.detail) ?? textOf(outcome.problem.title) ?? 'The gateway refused this search.';
      setFieldError(els.input, els.error, said);
      els.input.focus();
      return;
    }
    await deps.fail(outcome, () => void run(term.value, { push: false }));
  }

  function showMatches(doc: SearchDocument): void {
    const matches = doc.data;
    const providers = new Set(matches.map((m) => m.provider)).size;
    els.line.textContent =
      matches.length === 0
        ? 'No customer found.'
        : `${plural(matches.length, 'customer')} found in ${plural(providers, 'provider')}.`;
    const coverage = Object.entries(doc.meta.coverage).map(([provider, c]) =>
      coverageWords(deps.providerName(provider), c),
    );
    show(
      els.result,
      matches.length > 0
        ? matchTable(matches)
        : h('p', { class: 'is-empty', text: 'No customer matches this search.' }),
      coverage.length > 0
        ? h('p', { class: 'coverage muted', attrs: { 'data-coverage': '' } }, `Searched: ${coverage.join('; ')}.`)
        : null,
    );
  }

  function matchTable(matches: SearchMatch[]): HTMLElement {
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data-table search-table' },
        h('caption', { class: 'visually-hidden', text: 'Customers found' }),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Customer', 'Provider', 'Status', 'Match'].map((label) =>
              h('th', { attrs: { scope: 'col' }, text: label }),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          matches.map((match) => {
            const badge = customerStatusBadge(match.status);
            const target = { provider: match.provider, id: match.providerId };
            return h(
              'tr',
              { attrs: { 'data-provider': match.provider, 'data-id': match.providerId } },
              h(
                'td',
                { attrs: { 'data-label': 'Customer' } },
                openLink(target, textOf(match.displayName) ?? match.providerId),
              ),
              h('td', { attrs: { 'data-label': 'Provider' }, text: deps.providerName(match.provider) }),
              h('td', { attrs: { 'data-label': 'Status' } }, smallBadge(badge)),
              h('td', { attrs: { 'data-label': 'Match', 'data-score': String(match.score) }, text: matchWords(match) }),
            );
          }),
        ),
      ),
    );
  }

  /** A plain click opens the customer below the results. */
  function openLink(target: LookupTarget, text: string): HTMLElement {
    return customerLink(target, searchForTarget(target, window.location.search), deps.open, { text });
  }

  els.input.addEventListener('input', () => {
    describeTerm();
    setFieldError(els.input, els.error, null);
  });
  els.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void run(els.input.value, { push: true });
  });
  describeTerm();

  return {
    follow(search) {
      const query = queryFromSearch(search);
      if (query === null) {
        if (shownQuery !== null) clear();
        return;
      }
      if (query !== shownQuery) void run(query, { push: false });
    },
    focus: () => els.input.focus(),
  };
}

const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
