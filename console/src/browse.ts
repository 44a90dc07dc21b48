/**
 * The two many-customer panels: a provider's customers a page at a time (with the filters its list takes), and
 * a box where support staff paste many ids of one provider and get one table of results (the batch route).
 * A row opens the customer in the lookup panel above, through `open`.
 */
import type { ApiOutcome, GatewayClient } from './api.js';
import { byId, h, smallBadge } from './dom.js';
import { customerStatusBadge, formatDateTime, orDash, textOf } from './format.js';
import type { BatchResult, Customer, CustomerPage, ProviderInfo } from './model.js';
import { searchForTarget, type LookupTarget } from './url-state.js';
import { customerLink } from './customer-link.js';
import { setFieldError, show } from './view.js';

export const BATCH_MAX_IDS = 100;

export interface BrowseDeps {
  client: GatewayClient;
  /** Looks the customer up in the lookup panel. */
  open: (target: LookupTarget) => void;
}

/** Ids pasted in any of the usual ways: one a line, or separated by commas, semicolons or spaces. */
export function parseIds(text: string): string[] {
  return text
    .split(/[\s,;]+/u)
    .map((id) => id.trim())
    .filter((id) => id !== '');
}

export function setUpBrowsing(deps: BrowseDeps): { setProviders(providers: ProviderInfo[]): void } {
  const els = {
    listPanel: byId('browse-panel', HTMLElement),
    listForm: byId('browse-form', HTMLFormElement),
    listProvider: byId('browse-provider', HTMLSelectElement),
    listStatus: byId('browse-status', HTMLSelectElement),
    listStatusField: byId('browse-status-field', HTMLElement),
    listName: byId('browse-name', HTMLInputElement),
    listSize: byId('browse-size', HTMLSelectElement),
    listNameField: byId('browse-name-field', HTMLElement),
    listLine: byId('browse-line', HTMLElement),
    listResult: byId('browse-result', HTMLElement),
    batchForm: byId('batch-form', HTMLFormElement),
    batchProvider: byId('batch-provider', HTMLSelectElement),
    batchIds: byId('batch-ids', HTMLTextAreaElement),
    batchError: byId('batch-ids-error', HTMLElement),
    batchLine: byId('batch-line', HTMLElement),
    batchResult: byId('batch-result', HTMLElement),
  };
  let providers: ProviderInfo[] = [];
  let listing: AbortController | null = null;
  let pageNo = 1;
  const nameOf = (id: string) => providers.find((p) => p.id === id)?.displayName ?? id;

  // ---- the list ----------------------------------------------------------------------------------------

  function describeFilters(): void {
    const filters = providers.find((p) => p.id === els.listProvider.value)?.listFilters;
    const statuses = filters?.status ?? [];
    els.listStatus.replaceChildren(
      h('option', { attrs: { value: '' }, text: 'Any status' }),
      ...statuses.map((s) => h('option', { attrs: { value: s }, text: customerStatusBadge(s).label })),
    );
    els.listStatusField.hidden = statuses.length === 0;
    els.listNameField.hidden = filters?.name !== true;
    if (filters?.name !== true) els.listName.value = '';
  }

  async function showPage(
    request: (signal: AbortSignal) => Promise<ApiOutcome<CustomerPage>>,
    provider: string,
  ): Promise<void> {
    listing?.abort();
    const controller = new AbortController();
    listing = controller;
    els.listResult.setAttribute('aria-busy', 'true');
    els.listLine.textContent = `Listing ${nameOf(provider)} customers…`;
    const outcome = await request(controller.signal);
    if (controller.signal.aborted || outcome.kind === 'aborted') return;
    listing = null;
    els.listResult.removeAttribute('aria-busy');
    if (outcome.kind !== 'ok') {
      show(els.listResult);
      els.listLine.textContent = failureText(outcome);
      return;
    }
    const page = outcome.body;
    const count = page.data.length;
    const customers = `${count} customer${count === 1 ? '' : 's'}`;
    const last = page.links.next === null ? ', the last page' : '';
    els.listLine.textContent =
      count === 0 && pageNo === 1 ? `No ${nameOf(provider)} customers match.` : `Page ${pageNo}: ${customers}${last}.`;
    const next = page.links.next;
    show(
      els.listResult,
      count > 0 ? customerTable(page.data, provider) : null,
      h(
        'div',
        { class: 'pager' },
        pageNo > 1
          ? h('button', {
              class: 'button-small',
              attrs: { type: 'button' },
              text: 'First page',
              on: { click: () => listFirst() },
            })
          : null,
        next !== null
          ? h('button', {
              class: 'button-small',
              attrs: { type: 'button', id: 'browse-next' },
              text: 'Next page',
              on: {
                click: () => {
                  pageNo += 1;
                  void showPage((signal) => deps.client.nextPage(next, signal), provider).then(() =>
                    byId('browse-heading', HTMLElement).scrollIntoView(),
                  );
                },
              },
            })
          : null,
      ),
    );
  }

  function listFirst(): void {
    const provider = els.listProvider.value;
    if (provider === '') return;
    pageNo = 1;
    const status = els.listStatusField.hidden ? '' : els.listStatus.value;
    const name = els.listNameField.hidden ? '' : els.listName.value.trim();
    void showPage(
      (signal) => deps.client.listCustomers(provider, { limit: Number(els.listSize.value), status, name, signal }),
      provider,
    );
  }

  function customerTable(customers: Customer[], provider: string): HTMLElement {
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data-table browse-table' },
        h('caption', { class: 'visually-hidden', text: `${nameOf(provider)} customers, page ${pageNo}` }),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Name', 'Id', 'Status', 'Created'].map((label) => h('th', { attrs: { scope: 'col' }, text: label })),
          ),
        ),
        h(
          'tbody',
          {},
          customers.map((customer) => {
            const badge = customerStatusBadge(customer.status);
            const target = { provider, id: customer.providerId };
            return h(
              'tr',
              {},
              h(
                'td',
                { attrs: { 'data-label': 'Name' } },
                openLink(target, textOf(customer.displayName) ?? customer.providerId),
              ),
              h('td', { attrs: { 'data-label': 'Id' } }, h('code', { text: customer.providerId })),
              h('td', { attrs: { 'data-label': 'Status' } }, smallBadge(badge)),
              h('td', { attrs: { 'data-label': 'Created' }, text: orDash(formatDateTime(customer.createdAt)) }),
            );
          }),
        ),
      ),
    );
  }

  function openLink(target: LookupTarget, text: string): HTMLElement {
    return customerLink(target, searchForTarget(target), deps.open, { text });
  }

  // ---- the batch box -----------------------------------------------------------------------------------

  async function lookUpAll(): Promise<void> {
    const provider = els.batchProvider.value;
    const ids = parseIds(els.batchIds.value);
    if (ids.length === 0) return fieldError('Paste at least one customer id.');
    if (ids.length > BATCH_MAX_IDS) return fieldError(`${ids.length} ids: at most ${BATCH_MAX_IDS} at once.`);
    setFieldError(els.batchIds, els.batchError, null);
    els.batchResult.setAttribute('aria-busy', 'true');
    els.batchLine.textContent = `Looking up ${ids.length} id${ids.length === 1 ? '' : 's'} at ${nameOf(provider)}…`;
    const outcome = await deps.client.batchLookup(provider, ids);
    els.batchResult.removeAttribute('aria-busy');
    if (outcome.kind === 'aborted') return;
    if (outcome.kind !== 'ok') {
      show(els.batchResult);
      els.batchLine.textContent = failureText(outcome);
      return;
    }
    const results = outcome.body.results;
    const found = results.filter((r) => r.status === 200).length;
    els.batchLine.textContent = `${found} of ${results.length} found.`;
    show(els.batchResult, batchTable(ids, results, provider));
  }

  function fieldError(message: string): void {
    setFieldError(els.batchIds, els.batchError, message);
    els.batchIds.focus();
  }

  function batchTable(ids: string[], results: BatchResult[], provider: string): HTMLElement {
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'data-table batch-table' },
        h('caption', { class: 'visually-hidden', text: `Results of ${ids.length} lookups at ${nameOf(provider)}` }),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Id', 'Result', 'Status'].map((label) => h('th', { attrs: { scope: 'col' }, text: label })),
          ),
        ),
        h(
          'tbody',
          {},
          results.map((result, i) => {
            const id = ids[i] ?? '';
            const customer = result.status === 200 ? result.data : undefined;
            const badge = customer ? customerStatusBadge(customer.status) : null;
            return h(
              'tr',
              { attrs: { 'data-status': String(result.status) } },
              h('td', { attrs: { 'data-label': 'Id' } }, h('code', { text: id })),
              h(
                'td',
                { attrs: { 'data-label': 'Result' } },
                customer
                  ? openLink({ provider, id: customer.providerId }, textOf(customer.displayName) ?? customer.providerId)
                  : problemSummary(result),
              ),
              h(
                'td',
                { attrs: { 'data-label': 'Status' } },
                badge ? smallBadge(badge) : h('span', { class: 'muted', text: String(result.status) }),
              ),
            );
          }),
        ),
      ),
    );
  }

  // ---- wiring ------------------------------------------------------------------------------------------

  els.listProvider.addEventListener('change', describeFilters);
  els.listForm.addEventListener('submit', (event) => {
    event.preventDefault();
    listFirst();
  });
  els.batchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void lookUpAll();
  });

  return {
    setProviders(list) {
      providers = list;
      const listable = list.filter((p) => p.capabilities?.includes('list'));
      const options = (ps: ProviderInfo[]) =>
        ps.map((p) => h('option', { attrs: { value: p.id }, text: p.displayName }));
      els.listProvider.replaceChildren(...options(listable));
      els.listProvider.disabled = listable.length === 0;
      els.listPanel.hidden = listable.length === 0;
      els.batchProvider.replaceChildren(...options(list));
      els.batchProvider.disabled = list.length === 0;
      describeFilters();
    },
  };
}

function problemSummary(result: BatchResult): HTMLElement {
  const title = textOf(result.problem?.title) ?? `Answered ${result.status}`;
  const detail = textOf(result.problem?.detail);
  return h(
    'span',
    { class: 'batch-problem' },
    h('strong', { text: title }),
    detail ? h('span', { class: 'muted', text: ` ${detail}` }) : null,
  );
}

function failureText(outcome: Exclude<ApiOutcome<unknown>, { kind: 'ok' } | { kind: 'aborted' }>): string {
  switch (outcome.kind) {
    case 'problem':
      return [
        textOf(outcome.problem.title) ?? `Error ${outcome.status}`,
        textOf(outcome.problem.detail) ?? 'no detail given.',
      ].join(': ');
    case 'network':
      return 'The gateway could not be reached. Check the connection and try again.';
    case 'timeout':
      return `The gateway did not answer within ${outcome.seconds} seconds.`;
    case 'unreadable':
      return `The gateway answered ${outcome.status} with something the console cannot read.`;
  }
}
