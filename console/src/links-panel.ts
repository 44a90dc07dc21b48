/**
 * "Same customer elsewhere", under the customer card: `GET /customers/{provider}/{id}/links` once a customer is
 * shown. Each link names the other record (a link that opens it), its band and its evidence in words; candidates
 * the gateway could not read are listed as not checked. A key without the `customers:search` scope gets a short
 * note instead of the section: the customer it did show stays the answer.
 */
import type { GatewayClient } from './api.js';
import { h } from './dom.js';
import { humanizeCode, textOf } from './format.js';
import { bandLabel, evidenceWords, unavailableWords } from './link-text.js';
import type { CustomerLink, LinksDocument, UnavailableLink } from './model.js';
import { sameTarget, searchForTarget, type LookupTarget } from './url-state.js';
import { customerLink } from './customer-link.js';
import { show } from './view.js';

export interface LinksDeps {
  client: GatewayClient;
  region: HTMLElement;
  providerName: (id: string) => string;
  /** Opens a linked record in the customer view. */
  open: (target: LookupTarget) => void;
}

export interface LinksPanel {
  /** Shows the links of the customer on screen; a customer whose links are shown or coming is not asked again. */
  load(target: LookupTarget, options?: { again?: boolean }): void;
  clear(): void;
}

const HEADING = 'Same customer elsewhere';

export function setUpLinks(deps: LinksDeps): LinksPanel {
  let current: LookupTarget | null = null;
  let inFlight: AbortController | null = null;

  function clear(): void {
    inFlight?.abort();
    inFlight = null;
    current = null;
    show(deps.region);
  }

  async function load(target: LookupTarget): Promise<void> {
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    current = target;
    deps.region.setAttribute('aria-busy', 'true');
    if (deps.region.hidden) {
      show(deps.region, section('loading', h('p', { class: 'muted', text: 'Looking in the other providers…' })));
    }
    const outcome = await deps.client.customerLinks(target.provider, target.id, controller.signal);
    if (controller.signal.aborted || outcome.kind === 'aborted') return;
    inFlight = null;
    deps.region.removeAttribute('aria-busy');

    if (outcome.kind === 'ok') {
      const titles = await problemTitles(outcome.body.meta.unavailable);
      if (controller.signal.aborted) return;
      show(deps.region, renderLinks(outcome.body, titles));
      return;
    }
    if (outcome.kind === 'problem' && outcome.status === 403) {
      show(
        deps.region,
        h('p', {
          class: 'links-note muted',
          attrs: { 'data-state': 'forbidden' },
          text: `${HEADING} is not shown: this API key may not search customers (scope customers:search).`,
        }),
      );
      return;
    }
    const said =
      outcome.kind === 'problem'
        ? (textOf(outcome.problem.title) ?? `HTTP ${outcome.status}`)
        : outcome.kind === 'network'
          ? 'the gateway could not be reached'
          : outcome.kind === 'timeout'
            ? `no answer within ${outcome.seconds} seconds`
            : `an answer the console cannot read (HTTP ${outcome.status})`;
    show(
      deps.region,
      section(
        'failed',
        h('p', { text: `Could not look for this customer in the other providers: ${said}.` }),
        h('button', {
          class: 'button-small',
          text: 'Try again',
          attrs: { type: 'button' },
          on: { click: () => void load(target) },
        }),
      ),
    );
  }

  /** The gateway's own title of each problem code (`GET /problems/{code}`), else the code in words. */
  async function problemTitles(unavailable: UnavailableLink[]): Promise<Map<string, string>> {
    const codes = [...new Set(unavailable.map((u) => u.problem))];
    const described = await Promise.all(
      codes.map(async (code) => {
        const description = await deps.client.describeProblem(code);
        return [code, textOf(description?.title) ?? humanizeCode(code) ?? 'unknown problem'] as const;
      }),
    );
    return new Map(described);
  }

  function renderLinks(doc: LinksDocument, titles: Map<string, string>): HTMLElement {
    const { links } = doc.data;
    const { unavailable } = doc.meta;
    return section(
      links.length > 0 ? 'links' : 'none',
      links.length > 0
        ? h(
            'ul',
            { class: 'link-list' },
            links.map((link) => renderLink(link)),
          )
        : h('p', { class: 'is-empty', text: 'Not found in the other providers.' }),
      unavailable.length > 0
        ? h(
            'ul',
            { class: 'unavailable-list' },
            unavailable.map((u) =>
              h('li', {
                attrs: { 'data-provider': u.provider },
                text: unavailableWords(deps.providerName(u.provider), titles.get(u.problem) ?? u.problem),
              }),
            ),
          )
        : null,
    );
  }

  function renderLink(link: CustomerLink): HTMLElement {
    const target = { provider: link.provider, id: link.providerId };
    const tone = link.band === 'same' ? 'good' : 'warn';
    return h(
      'li',
      { class: 'link', attrs: { 'data-band': link.band, 'data-provider': link.provider, 'data-id': link.providerId } },
      h(
        'div',
        { class: 'link-head' },
        customerLink(
          target,
          searchForTarget(target, window.location.search),
          deps.open,
          { class: 'link-name' },
          textOf(link.displayName) ?? link.providerId,
        ),
        h('span', { class: 'link-provider muted', text: deps.providerName(link.provider) }),
        h('span', { class: `badge badge-small tone-${tone}`, text: bandLabel(link.band) }),
      ),
      h(
        'ul',
        { class: 'evidence-list', attrs: { 'aria-label': 'Evidence' } },
        link.evidence.map((evidence) => h('li', { text: evidenceWords(evidence) })),
      ),
    );
  }

  return {
    load(target, options = {}) {
      if (!options.again && sameTarget(current, target)) return;
      void load(target);
    },
    clear,
  };
}

function section(state: string, ...content: (HTMLElement | null)[]): HTMLElement {
  return h(
    'section',
    { class: 'panel links', attrs: { 'aria-labelledby': 'links-heading', 'data-state': state } },
    h('h2', { id: 'links-heading', text: HEADING }),
    ...content,
  );
}
