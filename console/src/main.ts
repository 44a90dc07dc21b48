/**
 * The support console's wiring: the provider list and id rules from the gateway, the search box, lookups with
 * their deep links and browser history, the customer card and trust panel, the same customer elsewhere,
 * problems, the raw view, the API key prompt and the recent lookups. Everything the page knows comes from the
 * gateway's public HTTP API.
 */
import { GatewayClient, type ApiOutcome } from './api.js';
import { ApiKeyStore, forgetKeyAfter } from './credentials.js';
import { RECENT_LOOKUPS_KEY, RecentLookups } from './history.js';
import { checkId, cleanId, idRuleOf, type IdRule } from './id-rule.js';
import type { CustomerDocument, ProviderInfo } from './model.js';
import {
  describeProblem,
  networkFailureText,
  problemCode,
  timeoutText,
  unreadableText,
  type ProblemText,
} from './problem-text.js';
import { renderCustomer } from './render-customer.js';
import { renderRecent } from './render-history.js';
import { renderProblem } from './render-problem.js';
import { renderRaw } from './render-raw.js';
import { renderPartialBanner, renderStaleBanner, renderTrust } from './render-trust.js';
import { storageOr } from './storage.js';
import { queryFromSearch, sameTarget, searchForTarget, targetFromSearch, type LookupTarget } from './url-state.js';
import { pageElements, setFieldError, show } from './view.js';
import { byId, h } from './dom.js';
import { setUpBrowsing } from './browse.js';
import { setUpLinks } from './links-panel.js';
import { setUpSearch } from './search-panel.js';
import { textOf } from './format.js';

const TITLE = document.title;
const els = pageElements();
const keys = new ApiKeyStore(storageOr(() => window.sessionStorage));
// The tab's storage, never localStorage: no customer data outlives the tab (and names are not stored at all).
const recent = new RecentLookups(storageOr(() => window.sessionStorage));
// An older console kept recent lookups, with names, in localStorage: they go.
try {
  window.localStorage.removeItem(RECENT_LOOKUPS_KEY);
} catch {
  // Storage refused: nothing was kept there either.
}
const apiBase = new URL(
  document.querySelector<HTMLMetaElement>('meta[name="gateway-api-base"]')?.content || '../',
  window.location.href,
).href;
const client = new GatewayClient({ baseUrl: apiBase, apiKey: () => keys.get() });

let providers: ProviderInfo[] = [];
const rules = new Map<string, IdRule>();
/** The customer on screen, with the answer that showed it. */
let shown: { target: LookupTarget; doc: CustomerDocument; requestId: string | null } | null = null;
let inFlight: AbortController | null = null;
/** Opens a customer chosen elsewhere on the page (a list row, a search match, a link), as a new lookup. */
function openCustomer(target: LookupTarget): void {
  fillForm(target);
  void lookup(target, { push: true }).then(() => document.getElementById('customer-name')?.focus());
}
/** The list and batch panels; a row there opens its customer here. */
const browsing = setUpBrowsing({ client, open: openCustomer });
const search = setUpSearch({
  client,
  providerName: (id) => providerName(id),
  open: openCustomer,
  onNewSearch: () => {
    inFlight?.abort();
    clearResult();
    clearProblem();
  },
  fail: (outcome, retry) => showFailure(outcome, { retry, what: 'the search' }),
});
const links = setUpLinks({
  client,
  region: byId('links', HTMLElement),
  providerName: (id) => providerName(id),
  open: openCustomer,
});
let rawWanted = false;
/** What to do once the user has given a key (the request that was refused). */
let afterKey: (() => void) | null = null;

interface LookupOptions {
  /** Put the lookup in the browser history (a new lookup by the user), rather than following a link or history. */
  push?: boolean;
  noCache?: boolean;
}

// ---- providers -------------------------------------------------------------------------------------------

async function loadProviders(): Promise<void> {
  announce('Loading providers…');
  const outcome = await client.listProviders();
  if (outcome.kind === 'aborted') return;
  if (outcome.kind !== 'ok') {
    els.provider.replaceChildren(h('option', { attrs: { value: '' }, text: 'Providers unavailable' }));
    await showFailure(outcome, { retry: () => void loadProviders(), what: 'the provider list' });
    return;
  }
  providers = outcome.body;
  rules.clear();
  for (const provider of providers) rules.set(provider.id, idRuleOf(provider));
  const previous = els.provider.value;
  els.provider.replaceChildren(...providers.map((p) => h('option', { attrs: { value: p.id }, text: p.displayName })));
  els.provider.disabled = providers.length === 0;
  if (providers.length === 0) {
    els.provider.replaceChildren(h('option', { attrs: { value: '' }, text: 'No providers enabled' }));
    announce('This gateway has no provider enabled.');
    return;
  }
  if (providers.some((p) => p.id === previous)) els.provider.value = previous;
  browsing.setProviders(providers);
  els.keyPrompt.hidden = true;
  clearProblem();
  announce('');
  describeIdRule();
  renderRecentList();

  search.follow(window.location.search);
  const target = targetFromSearch(window.location.search);
  if (target !== null) {
    fillForm(target);
    void lookup(target, { push: false });
  } else if (queryFromSearch(window.location.search) === null) {
    search.focus();
  }
}

function providerInfo(id: string): ProviderInfo | undefined {
  return providers.find((p) => p.id === id);
}

const providerName = (id: string): string => providerInfo(id)?.displayName ?? id;

// ---- the id field ----------------------------------------------------------------------------------------

function describeIdRule(): void {
  const provider = providerInfo(els.provider.value);
  const rule = provider ? rules.get(provider.id) : undefined;
  const parts = [
    rule?.summary ? `${rule.summary}.` : null,
    provider?.exampleId ? `Example: ${provider.exampleId}` : null,
  ].filter((p) => p !== null);
  els.idHint.textContent = parts.join(' ');
  els.id.placeholder = provider?.exampleId ?? '';
}

/** Checks the id against the selected provider's rule; while typing, an empty field is not an error. */
function validateId(onSubmit: boolean): string | null {
  const providerId = els.provider.value;
  const check = checkId(els.id.value, rules.get(providerId) ?? null, providerName(providerId));
  if (check.ok) {
    setFieldError(els.id, els.idError, null);
    return check.id;
  }
  setFieldError(els.id, els.idError, check.empty && !onSubmit ? null : check.message);
  return null;
}

function fillForm(target: LookupTarget): void {
  if (providerInfo(target.provider)) els.provider.value = target.provider;
  els.id.value = target.id;
  describeIdRule();
  validateId(false);
}

// ---- lookups ---------------------------------------------------------------------------------------------

async function lookup(target: LookupTarget, options: LookupOptions = {}): Promise<void> {
  const check = checkId(target.id, rules.get(target.provider) ?? null, providerName(target.provider));
  if (!check.ok) {
    // The server would refuse it: no request. The field says why.
    fillForm(target);
    validateId(true);
    clearResult();
    announce('');
    els.id.focus();
    return;
  }
  const clean = { provider: target.provider, id: check.id };
  const current = targetFromSearch(window.location.search);
  if (options.push && !sameTarget(current, clean)) {
    window.history.pushState(clean, '', searchForTarget(clean, window.location.search));
  } else if (!sameTarget(current, clean) && current !== null) {
    window.history.replaceState(clean, '', searchForTarget(clean, window.location.search));
  }

  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  const sameCustomer = shown !== null && sameTarget(shown.target, clean);
  if (!sameCustomer) clearResult();
  clearProblem();
  els.result.setAttribute('aria-busy', 'true');
  announce(
    options.noCache
      ? `Asking ${providerName(clean.provider)} again…`
      : `Looking up ${clean.id} at ${providerName(clean.provider)}…`,
  );

  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.id : '';
  // Balances where the provider offers them (an accounts read beside the customer's).
  const balances = providerInfo(clean.provider)?.capabilities?.includes('balances') === true;
  const outcome = await client.getCustomer(clean.provider, clean.id, {
    raw: rawWanted,
    balances,
    noCache: options.noCache,
    signal: controller.signal,
  });
  if (controller.signal.aborted || outcome.kind === 'aborted') return;
  inFlight = null;
  els.result.removeAttribute('aria-busy');

  if (outcome.kind === 'ok') {
    showCustomer(clean, outcome.body, outcome.requestId, options.noCache === true);
  } else {
    clearResult();
    await showFailure(outcome, {
      retry: () => void lookup(clean, { noCache: options.noCache }),
      what: 'the lookup',
      providerName: providerName(clean.provider),
    });
  }
  restoreFocus(focused);
}

/**
 * A re-render replaces the button that was used ("Refresh from provider", "Try again"): keyboard users keep
 * their place on its successor, or land on the new result's heading rather than at the top of the page.
 */
function restoreFocus(previousId: string): void {
  if (document.activeElement !== document.body && document.activeElement !== null) return;
  const again = previousId ? document.getElementById(previousId) : null;
  const target = again ?? document.getElementById('customer-name') ?? document.getElementById('problem-heading');
  target?.focus();
}

function showCustomer(target: LookupTarget, doc: CustomerDocument, requestId: string | null, fresh: boolean): void {
  shown = { target, doc, requestId };
  els.keyPrompt.hidden = true;
  const name = textOf(doc.data.displayName);
  const stale = doc.meta.cache === 'stale';
  show(els.staleBanner, stale ? renderStaleBanner(doc.meta) : doc.meta.partial ? renderPartialBanner(doc.meta) : null);
  els.customer.replaceChildren(renderCustomer(doc.data, providerName(target.provider)));
  els.trust.replaceChildren(
    renderTrust(doc.meta, requestId, { onRefresh: () => void lookup(target, { noCache: true }) }),
  );
  els.resultGrid.hidden = false;
  els.rawSection.hidden = false;
  renderRawView();
  document.title = `${name ?? target.id} · ${TITLE}`;
  announce(`Found ${name ?? target.id}${stale ? ': stale copy, the provider could not be reached' : ''}.`);
  renderRecentList(recent.add({ provider: target.provider, id: target.id, displayName: name }));
  // Asked again when the customer was read again from the provider; a raw view or a repeat keeps them.
  links.load(target, { again: fresh });
}

function clearResult(): void {
  shown = null;
  show(els.staleBanner);
  els.customer.replaceChildren();
  els.trust.replaceChildren();
  links.clear();
  els.resultGrid.hidden = true;
  els.rawSection.hidden = true;
  els.rawBody.replaceChildren();
  document.title = TITLE;
}

function clearProblem(): void {
  show(els.problem);
}

// ---- problems and credentials ----------------------------------------------------------------------------

interface FailureContext {
  retry: () => void;
  /** What failed, for the key prompt: "the lookup", "the provider list". */
  what: string;
  providerName?: string;
}

async function showFailure(
  outcome: Exclude<ApiOutcome<unknown>, { kind: 'ok' } | { kind: 'aborted' }>,
  context: FailureContext,
): Promise<void> {
  let text: ProblemText;
  let status: number | null = null;
  switch (outcome.kind) {
    case 'network':
      text = networkFailureText(outcome.message);
      break;
    case 'timeout':
      text = timeoutText(outcome.seconds);
      break;
    case 'unreadable':
      status = outcome.status;
      text = unreadableText(outcome.status, outcome.requestId);
      break;
    case 'problem': {
      status = outcome.status;
      const code = problemCode(outcome.problem.type);
      const description = code ? await client.describeProblem(code) : null;
      text = describeProblem({
        status,
        problem: outcome.problem,
        retryAfter: outcome.retryAfter,
        requestId: outcome.requestId,
        description,
        providerName: context.providerName,
      });
      break;
    }
  }
  if (text.needsKey) {
    askForKey(text, status, context);
    return;
  }
  show(els.problem, renderProblem(text, status, { onRetry: context.retry }));
  announce(`${text.heading}. ${text.advice[0] ?? ''}`);
}

function askForKey(text: ProblemText, status: number | null, context: FailureContext): void {
  const hadKey = keys.get() !== null;
  if (hadKey && forgetKeyAfter(status)) {
    keys.clear();
    updateKeyState();
  }
  const reason = text.detail ?? text.sentence;
  const lead =
    status === 403
      ? `Your key may not do this (${context.what} was refused).`
      : hadKey
        ? `The key was refused for ${context.what}.`
        : `The gateway asks for an API key for ${context.what}.`;
  els.keyPromptHeading.textContent = status === 403 ? 'This API key may not do this' : 'This gateway needs an API key';
  els.keyPromptReason.textContent = `${lead} ${reason}`;
  els.keyPrompt.hidden = false;
  setFieldError(els.keyInput, els.keyError, null);
  afterKey = context.retry;
  // The prompt says why; a problem panel beside it would say it twice.
  clearProblem();
  announce(
    status === 403
      ? `${text.heading}: enter another API key, or look up with a provider this key may use.`
      : `${text.heading}: enter an API key.`,
  );
  els.keyInput.focus();
}

function updateKeyState(): void {
  els.keyState.hidden = keys.get() === null;
}

// ---- raw view --------------------------------------------------------------------------------------------

function renderRawView(): void {
  els.rawToggle.setAttribute('aria-expanded', String(rawWanted));
  els.rawToggle.textContent = rawWanted ? 'Hide raw answer' : 'Show raw answer';
  els.rawBody.hidden = !rawWanted;
  els.rawBody.replaceChildren(rawWanted && shown ? renderRaw(shown.doc.raw) : '');
}

function toggleRaw(): void {
  rawWanted = !rawWanted;
  if (rawWanted && shown && shown.doc.raw === undefined) {
    // The answer on screen came without `raw`: ask again with it (usually a cache hit at the gateway).
    renderRawView();
    els.rawBody.replaceChildren(h('p', { class: 'muted', text: 'Loading the raw answer…' }));
    void lookup(shown.target);
    return;
  }
  renderRawView();
}

// ---- recent lookups --------------------------------------------------------------------------------------

function renderRecentList(list = recent.list()): void {
  els.recentList.replaceChildren(
    renderRecent(list, providerName, (target) => {
      fillForm(target);
      void lookup(target, { push: true });
    }),
  );
  els.recentClear.hidden = list.length === 0;
}

// ---- status line -----------------------------------------------------------------------------------------

function announce(message: string): void {
  els.status.textContent = message;
}

// ---- events ----------------------------------------------------------------------------------------------

els.lookupForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (els.provider.value === '') {
    announce('No provider to look up with: the provider list did not load.');
    return;
  }
  const id = validateId(true);
  if (id === null) {
    // Focus brings the field's error (aria-describedby) to screen readers; no second copy in the status line.
    announce('');
    els.id.focus();
    return;
  }
  void lookup({ provider: els.provider.value, id }, { push: true });
});

els.id.addEventListener('input', () => validateId(false));
els.provider.addEventListener('change', () => {
  describeIdRule();
  validateId(false);
});

els.keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const result = keys.set(els.keyInput.value);
  if (!result.ok) {
    setFieldError(els.keyInput, els.keyError, result.message);
    els.keyInput.focus();
    return;
  }
  els.keyInput.value = '';
  els.keyPrompt.hidden = true;
  updateKeyState();
  clearProblem();
  const next = afterKey;
  afterKey = null;
  if (next) next();
  else els.id.focus();
});

els.forgetKey.addEventListener('click', () => {
  keys.clear();
  updateKeyState();
  announce('The API key is forgotten.');
  els.id.focus();
});

els.rawToggle.addEventListener('click', toggleRaw);

els.recentClear.addEventListener('click', () => {
  recent.clear();
  renderRecentList([]);
  announce('Recent lookups cleared.');
  els.id.focus();
});

window.addEventListener('popstate', () => {
  search.follow(window.location.search);
  const target = targetFromSearch(window.location.search);
  if (target === null) {
    inFlight?.abort();
    clearResult();
    clearProblem();
    els.id.value = '';
    setFieldError(els.id, els.idError, null);
    announce('');
    return;
  }
  fillForm(target);
  void lookup(target, { push: false });
});

// A pasted id with spaces around it is shown as it will be sent.
els.id.addEventListener('blur', () => {
  const clean = cleanId(els.id.value);
  if (clean !== els.id.value && clean !== '') els.id.value = clean;
});

updateKeyState();
renderRecentList();
void loadProviders();
