/** "Can I trust what I see?": where the answer came from, how old it is, and the request id for a ticket. */
import { requestIdLine } from './copy.js';
import { h } from './dom.js';
import { explainCache, formatAge, formatDateTime, NOT_PROVIDED } from './format.js';
import type { LookupMeta } from './model.js';

export interface TrustActions {
  onRefresh: () => void;
}

export function renderTrust(meta: LookupMeta, requestId: string | null, actions: TrustActions): HTMLElement {
  const cache = explainCache(meta.cache);
  const age = formatAge(meta.ageSeconds);
  const fetchedAt = formatDateTime(meta.fetchedAt);
  return h(
    'section',
    { class: 'panel trust', attrs: { 'aria-labelledby': 'trust-heading' } },
    h('h2', { id: 'trust-heading', text: 'Source and freshness' }),
    h(
      'dl',
      { class: 'fields fields-stacked' },
      h(
        'div',
        { class: 'field-row' },
        h('dt', { text: 'Source' }),
        h(
          'dd',
          {},
          h('span', {
            class: `pill tone-${cache.tone}`,
            attrs: { 'data-cache': String(meta.cache) },
            text: cache.label,
          }),
          h('span', { class: 'trust-sentence', text: cache.sentence }),
        ),
      ),
      h(
        'div',
        { class: 'field-row' },
        h('dt', { text: 'Age' }),
        age === null
          ? h('dd', { class: 'is-empty', text: NOT_PROVIDED })
          : h('dd', { attrs: { 'data-age-seconds': String(meta.ageSeconds) }, text: age }),
      ),
      h(
        'div',
        { class: 'field-row' },
        h('dt', { text: 'Read from the provider at' }),
        fetchedAt === null
          ? h('dd', { class: 'is-empty', text: NOT_PROVIDED })
          : h('dd', {}, h('time', { attrs: { datetime: meta.fetchedAt }, text: fetchedAt })),
      ),
    ),
    requestIdLine(requestId ?? (typeof meta.requestId === 'string' ? meta.requestId : null)),
    h('button', {
      id: 'refresh',
      class: 'button-secondary',
      text: 'Refresh from provider',
      attrs: { type: 'button', 'aria-describedby': 'refresh-help' },
      on: { click: actions.onRefresh },
    }),
    h('p', { id: 'refresh-help', class: 'field-hint', text: 'Asks the provider again, skipping the gateway’s cache.' }),
  );
}

/** The banner over a stale answer: the data may be out of date, and why. */
/** The answer lacks the accounts' balances: the provider's accounts read failed. */
export function renderPartialBanner(meta: LookupMeta): HTMLElement {
  const why = typeof meta.partial?.detail === 'string' && meta.partial.detail !== '' ? ` (${meta.partial.detail})` : '';
  return h(
    'div',
    { class: 'banner banner-warn', id: 'partial-notice' },
    h('h2', { class: 'banner-title', text: 'Balances are not shown' }),
    h('p', { text: `The customer was found, but the provider’s accounts could not be read${why}.` }),
    h('p', { text: 'Use “Refresh from provider” to try again.' }),
  );
}

export function renderStaleBanner(meta: LookupMeta): HTMLElement {
  const age = formatAge(meta.ageSeconds);
  const fetchedAt = formatDateTime(meta.fetchedAt);
  const when = [age !== null ? `${age} ago` : null, fetchedAt !== null ? `(${fetchedAt})` : null]
    .filter((part) => part !== null)
    .join(' ');
  return h(
    'div',
    { class: 'banner banner-warn', id: 'stale-notice', attrs: { 'data-testid': 'stale-banner' } },
    h('h2', { class: 'banner-title', text: 'This may be out of date' }),
    h('p', {
      text:
        'The provider could not be reached, so the gateway is showing its last good copy' +
        `${when !== '' ? `, read from the provider ${when}` : ''}. Changes made since then are not shown.`,
    }),
    h('p', { text: 'Use “Refresh from provider” to try the provider again.' }),
  );
}
