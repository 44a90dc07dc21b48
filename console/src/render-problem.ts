/** A failed request as the page shows it: what happened, what to do, and the request id. */
import { requestIdLine } from './copy.js';
import { h } from './dom.js';
import type { ProblemText } from './problem-text.js';

export interface ProblemActions {
  /** Shown as "Try again" when trying again may help. */
  onRetry?: () => void;
}

export function renderProblem(text: ProblemText, status: number | null, actions: ProblemActions = {}): HTMLElement {
  const technical = [status !== null ? `HTTP ${status}` : null, text.code].filter((part) => part !== null).join(' · ');
  return h(
    'section',
    {
      class: `panel problem${text.code === null ? ' problem-network' : ''}`,
      attrs: { 'aria-labelledby': 'problem-heading', 'data-problem': text.code ?? 'none' },
    },
    h('h2', { id: 'problem-heading', attrs: { tabindex: '-1' }, text: text.heading }),
    h('p', { class: 'problem-sentence', text: text.sentence }),
    text.detail !== null ? h('p', { class: 'problem-detail', text: text.detail }) : null,
    text.advice.length > 0
      ? h(
          'div',
          { class: 'advice' },
          h('h3', { class: 'advice-title', text: 'What you can do' }),
          h(
            'ul',
            {},
            text.advice.map((line) => h('li', { text: line })),
          ),
        )
      : null,
    requestIdLine(text.requestId),
    technical !== '' ? h('p', { class: 'muted problem-technical', text: technical }) : null,
    text.retryable && actions.onRetry
      ? h('button', {
          class: 'button-secondary',
          text: 'Try again',
          attrs: { type: 'button' },
          on: { click: actions.onRetry },
        })
      : null,
  );
}
