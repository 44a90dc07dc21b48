/**
 * The request id, with a button that copies it for a ticket. The clipboard API exists only in secure contexts
 * (https or localhost); elsewhere the id is selected so that Ctrl+C / ⌘C copies it.
 */
import { h } from './dom.js';

export function requestIdLine(requestId: string | null, label = 'Request id'): HTMLElement {
  if (requestId === null) {
    return h(
      'p',
      { class: 'request-id' },
      h('span', { class: 'request-id-label', text: `${label}: ` }),
      h('span', { class: 'muted', text: 'none (no answer reached the console)' }),
    );
  }
  const code = h('code', { class: 'request-id-value', text: requestId });
  const feedback = h('span', { class: 'copy-feedback', attrs: { role: 'status' } });
  const button = h('button', {
    class: 'button-small',
    text: 'Copy',
    attrs: { type: 'button', 'aria-label': `Copy ${label.toLowerCase()}` },
    on: { click: () => void copy(requestId, code, feedback) },
  });
  return h(
    'p',
    { class: 'request-id' },
    h('span', { class: 'request-id-label', text: `${label}: ` }),
    code,
    ' ',
    button,
    ' ',
    feedback,
  );
}

async function copy(text: string, source: HTMLElement, feedback: HTMLElement): Promise<void> {
  try {
    if (!navigator.clipboard) throw new Error('no clipboard API');
    await navigator.clipboard.writeText(text);
    feedback.textContent = 'Copied';
  } catch {
    const selection = window.getSelection();
    const range = document.createRange();
    range.selectNodeContents(source);
    selection?.removeAllRanges();
    selection?.addRange(range);
    feedback.textContent = 'Selected: press Ctrl+C (⌘C) to copy';
  }
  window.setTimeout(() => {
    feedback.textContent = '';
  }, 4000);
}
