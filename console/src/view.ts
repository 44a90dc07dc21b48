/** The page's fixed elements (index.html), found once, and the few state changes they go through. */
import { byId, replaceChildren, type Child } from './dom.js';

export interface PageElements {
  lookupForm: HTMLFormElement;
  provider: HTMLSelectElement;
  id: HTMLInputElement;
  idError: HTMLElement;
  idHint: HTMLElement;
  keyState: HTMLElement;
  forgetKey: HTMLButtonElement;
  keyPrompt: HTMLElement;
  keyPromptHeading: HTMLElement;
  keyPromptReason: HTMLElement;
  keyForm: HTMLFormElement;
  keyInput: HTMLInputElement;
  keyError: HTMLElement;
  status: HTMLElement;
  result: HTMLElement;
  problem: HTMLElement;
  staleBanner: HTMLElement;
  resultGrid: HTMLElement;
  customer: HTMLElement;
  trust: HTMLElement;
  rawSection: HTMLElement;
  rawToggle: HTMLButtonElement;
  rawBody: HTMLElement;
  recentList: HTMLElement;
  recentClear: HTMLButtonElement;
}

export function pageElements(): PageElements {
  return {
    lookupForm: byId('lookup-form', HTMLFormElement),
    provider: byId('lookup-provider', HTMLSelectElement),
    id: byId('lookup-id', HTMLInputElement),
    idError: byId('lookup-id-error', HTMLElement),
    idHint: byId('lookup-id-hint', HTMLElement),
    keyState: byId('key-state', HTMLElement),
    forgetKey: byId('forget-key', HTMLButtonElement),
    keyPrompt: byId('key-prompt', HTMLElement),
    keyPromptHeading: byId('key-prompt-heading', HTMLElement),
    keyPromptReason: byId('key-prompt-reason', HTMLElement),
    keyForm: byId('key-form', HTMLFormElement),
    keyInput: byId('key-input', HTMLInputElement),
    keyError: byId('key-error', HTMLElement),
    status: byId('status', HTMLElement),
    result: byId('result', HTMLElement),
    problem: byId('problem', HTMLElement),
    staleBanner: byId('stale-banner', HTMLElement),
    resultGrid: byId('result-grid', HTMLElement),
    customer: byId('customer', HTMLElement),
    trust: byId('trust', HTMLElement),
    rawSection: byId('raw-section', HTMLElement),
    rawToggle: byId('raw-toggle', HTMLButtonElement),
    rawBody: byId('raw-body', HTMLElement),
    recentList: byId('recent-list', HTMLElement),
    recentClear: byId('recent-clear', HTMLButtonElement),
  };
}

/** A field's error message: shown, linked, and the field marked invalid; null clears it. */
export function setFieldError(
  input: HTMLInputElement | HTMLTextAreaElement,
  error: HTMLElement,
  message: string | null,
): void {
  error.textContent = message ?? '';
  error.hidden = message === null;
  if (message === null) input.removeAttribute('aria-invalid');
  else input.setAttribute('aria-invalid', 'true');
}

/** Replaces what a region shows; no children hides it. */
export function show(region: HTMLElement, ...children: Child[]): void {
  replaceChildren(region, ...children);
  region.hidden = children.every((c) => c === null || c === undefined || c === false);
}
