/** `?include=raw`: the provider's own answer, masked like the common model, as indented JSON. */
import { h } from './dom.js';

export function renderRaw(raw: unknown): HTMLElement {
  if (raw === undefined)
    return h('p', { class: 'is-empty', text: 'The gateway sent no raw answer for this customer.' });
  return h(
    'div',
    {},
    h('p', {
      class: 'field-hint',
      text: 'As the provider sent it, with personal numbers masked as in the card above.',
    }),
    // Focusable so that keyboard users can scroll a long answer.
    h(
      'pre',
      { class: 'raw-json', attrs: { tabindex: '0', 'aria-label': 'Raw answer, JSON' } },
      h('code', { text: JSON.stringify(raw, null, 2) }),
    ),
  );
}
