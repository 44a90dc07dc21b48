/** The recent lookups list: links, so they open in a new tab too; a plain click looks up in place. */
import { h } from './dom.js';
import { formatDateTime } from './format.js';
import type { RecentLookup } from './history.js';
import { customerLink } from './customer-link.js';
import { searchForTarget, type LookupTarget } from './url-state.js';

export function renderRecent(
  list: RecentLookup[],
  providerName: (id: string) => string,
  onOpen: (target: LookupTarget) => void,
): HTMLElement {
  if (list.length === 0) return h('p', { class: 'is-empty', text: 'No lookups yet.' });
  return h(
    'ol',
    { class: 'recent-list' },
    list.map((entry) => {
      const target = { provider: entry.provider, id: entry.id };
      const when = formatDateTime(entry.at);
      return h(
        'li',
        {},
        customerLink(target, searchForTarget(target), onOpen, { text: entry.displayName ?? entry.id }),
        h('span', { class: 'recent-meta' }, `${providerName(entry.provider)} · `, h('code', { text: entry.id })),
        when !== null ? h('time', { class: 'recent-time muted', attrs: { datetime: entry.at }, text: when }) : null,
      );
    }),
  );
}
