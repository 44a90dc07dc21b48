/** The customer card: the common model (docs/api.md) as a support person reads it. */
import { h, smallBadge, srOnly, type Child } from './dom.js';
import {
  accountStatusBadge,
  addressLines,
  addressTypeLabel,
  customerStatusBadge,
  customerTypeLabel,
  detailValue,
  EMPTY_CELL,
  formatDateTime,
  formatMoney,
  humanizeCode,
  labelFromKey,
  NOT_PROVIDED,
  personName,
  textOf,
} from './format.js';
import type { Account, Address, Contact, Customer, Organization } from './model.js';

export function renderCustomer(customer: Customer, providerName: string): HTMLElement {
  const name = textOf(customer.displayName);
  const badge = customerStatusBadge(customer.status);
  const reason = humanizeCode(customer.statusReason);
  const addresses = arrayOf<Address>(customer.addresses);
  const contacts = arrayOf<Contact>(customer.contacts);
  const accounts = arrayOf<Account>(customer.accounts);

  return h(
    'article',
    { class: 'panel card', attrs: { 'aria-labelledby': 'customer-name' } },
    h(
      'header',
      { class: 'card-head' },
      h(
        'div',
        { class: 'card-title' },
        h('p', { class: 'eyebrow', text: `${providerName} · ${customerTypeLabel(customer.type)}` }),
        h('h2', {
          id: 'customer-name',
          class: name === null ? 'is-empty' : undefined,
          attrs: { tabindex: '-1' },
          text: name ?? 'Name not provided',
        }),
        h(
          'p',
          { class: 'card-id' },
          srOnly('Gateway id: '),
          h('code', { text: textOf(customer.id) ?? `${customer.provider}:${customer.providerId}` }),
        ),
      ),
      h(
        'div',
        { class: 'card-status' },
        h(
          'p',
          { class: `badge tone-${badge.tone}`, attrs: { 'data-status': badge.key } },
          srOnly('Status: '),
          badge.label,
        ),
        reason !== null ? h('p', { class: 'status-reason', text: `Reason: ${reason}` }) : null,
      ),
    ),
    section(
      'Details',
      'details',
      fields([
        ['Status at provider', textOf(customer.providerStatus)],
        ['Created', formatDateTime(customer.createdAt)],
        ['Email', textOf(customer.email)],
        ['Phone', textOf(customer.phone)],
        ['Preferred language', textOf(customer.preferredLanguage)],
        ['National id', textOf(customer.nationalId)],
      ]),
    ),
    section('Organization', 'organization', renderOrganization(customer.organization)),
    section(`Addresses (${addresses.length})`, 'addresses', renderAddresses(addresses)),
    section(`Contacts (${contacts.length})`, 'contacts', renderContacts(contacts)),
    section(`Accounts (${accounts.length})`, 'accounts', renderAccounts(accounts)),
    section('Provider details', 'provider-details', renderProviderDetails(customer.providerDetails)),
  );
}

function section(title: string, key: string, ...content: Child[]): HTMLElement {
  const headingId = `card-${key}-heading`;
  return h(
    'section',
    { class: `card-section card-${key}`, attrs: { 'aria-labelledby': headingId } },
    h('h3', { id: headingId, text: title }),
    ...content,
  );
}

/** A definition list where every missing value reads "not provided". */
function fields(rows: [string, string | null][]): HTMLElement {
  return h(
    'dl',
    { class: 'fields' },
    rows.map(([label, value]) =>
      h(
        'div',
        { class: 'field-row' },
        h('dt', { text: label }),
        value === null ? h('dd', { class: 'is-empty', text: NOT_PROVIDED }) : h('dd', { text: value }),
      ),
    ),
  );
}

function none(text: string): HTMLElement {
  return h('p', { class: 'is-empty', text });
}

function renderOrganization(organization: Organization | null | undefined): HTMLElement {
  if (!organization || typeof organization !== 'object') return none('No organization.');
  const segments = arrayOf<string>(organization.marketSubSegments)
    .map((s) => textOf(s))
    .filter((s): s is string => s !== null);
  return fields([
    ['Name', textOf(organization.name)],
    ['Registration number', textOf(organization.registrationNumber)],
    ['Market segment', textOf(organization.marketSegment)],
    ['Market sub-segments', segments.length > 0 ? segments.join(', ') : null],
  ]);
}

function renderAddresses(addresses: Address[]): HTMLElement {
  if (addresses.length === 0) return none('No addresses.');
  return h(
    'ul',
    { class: 'address-list' },
    addresses.map((address) => {
      const lines = addressLines(address);
      const phone = textOf(address.phone);
      return h(
        'li',
        { class: 'address' },
        h('p', { class: 'address-type', text: addressTypeLabel(address.type) }),
        lines.length > 0
          ? h(
              'p',
              { class: 'address-lines' },
              lines.flatMap((line, i) => (i === 0 ? [line] : [h('br'), line])),
            )
          : none(`Address ${NOT_PROVIDED}`),
        phone !== null ? h('p', { class: 'address-phone' }, srOnly('Phone: '), phone) : null,
      );
    }),
  );
}

/** A table cell: the value, or a dash that screen readers read as "not provided". */
function cell(label: string, value: string | null, emptyText = NOT_PROVIDED): HTMLTableCellElement {
  return h(
    'td',
    { attrs: { 'data-label': label }, class: value === null ? 'is-empty' : undefined },
    value === null ? [h('span', { attrs: { 'aria-hidden': 'true' }, text: EMPTY_CELL }), srOnly(emptyText)] : value,
  );
}

function table(caption: string, headings: string[], rows: HTMLTableRowElement[]): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data-table' },
      h('caption', { class: 'visually-hidden', text: caption }),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headings.map((text) => h('th', { attrs: { scope: 'col' }, text })),
        ),
      ),
      h('tbody', {}, rows),
    ),
  );
}

function renderContacts(contacts: Contact[]): HTMLElement {
  if (contacts.length === 0) return none('No contacts.');
  return table(
    'Contacts',
    ['Name', 'Email', 'Phone'],
    contacts.map((contact) =>
      h(
        'tr',
        {},
        cell('Name', personName(contact)),
        cell('Email', textOf(contact.email)),
        cell('Phone', textOf(contact.phone)),
      ),
    ),
  );
}

function renderAccounts(accounts: Account[]): HTMLElement {
  if (accounts.length === 0) return none('No accounts.');
  return table(
    'Accounts',
    ['Number', 'Name', 'Status', 'Currency', 'Balance'],
    accounts.map((account) => {
      const badge = accountStatusBadge(account.status);
      const provider = textOf(account.providerStatus);
      return h(
        'tr',
        {},
        cell('Number', textOf(account.number) ?? textOf(account.id)),
        cell('Name', textOf(account.displayName)),
        h(
          'td',
          { attrs: { 'data-label': 'Status' } },
          // One wrapper: on narrow screens the cell is a two-column grid (label, value).
          h(
            'span',
            {},
            smallBadge(badge),
            provider !== null && provider.toLowerCase() !== badge.key
              ? h('span', { class: 'muted provider-status', text: ` (${provider})` })
              : null,
          ),
        ),
        cell('Currency', textOf(account.currency)),
        cell('Balance', formatMoney(account.balance, account.currency), 'not known'),
      );
    }),
  );
}

function renderProviderDetails(details: Record<string, unknown> | null | undefined): HTMLElement {
  const entries = details && typeof details === 'object' ? Object.entries(details) : [];
  if (entries.length === 0) return none('None.');
  return fields(entries.map(([key, value]) => [labelFromKey(key), detailValue(value)]));
}

const arrayOf = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
