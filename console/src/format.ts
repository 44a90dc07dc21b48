/**
 * Pure formatting of the common model for people: every empty value has one wording, and nothing the page
 * shows can read "undefined", "null" or "NaN".
 */
import type { Address, Contact } from './model.js';

/** What a field without a value says in the customer card. */
export const NOT_PROVIDED = 'not provided';
/** What an empty table cell shows (with NOT_PROVIDED for screen readers). */
export const EMPTY_CELL = '—';

export type Tone = 'good' | 'warn' | 'bad' | 'neutral';

/** A value as text, or null when there is nothing to show (null, undefined, empty or blank string, NaN). */
export function textOf(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return null;
}

/** A field value for the card: its text, or "not provided". */
export const orNotProvided = (value: unknown): string => textOf(value) ?? NOT_PROVIDED;

/** A table cell: its text, or "—". */
export const orDash = (value: unknown): string => textOf(value) ?? EMPTY_CELL;

const CUSTOMER_STATUS: Record<string, { label: string; tone: Tone }> = {
  active: { label: 'Active', tone: 'good' },
  pending: { label: 'Pending', tone: 'warn' },
  inactive: { label: 'Inactive', tone: 'bad' },
  unknown: { label: 'Unknown', tone: 'neutral' },
};

/** The status badge of a customer; anything outside the common model's values is "Unknown". */
export function customerStatusBadge(status: unknown): { key: string; label: string; tone: Tone } {
  const key = typeof status === 'string' && Object.hasOwn(CUSTOMER_STATUS, status) ? status : 'unknown';
  const { label, tone } = CUSTOMER_STATUS[key] ?? { label: 'Unknown', tone: 'neutral' as const };
  return { key, label, tone };
}

const ACCOUNT_STATUS: Record<string, { label: string; tone: Tone }> = {
  active: { label: 'Active', tone: 'good' },
  inactive: { label: 'Inactive', tone: 'bad' },
  suspended: { label: 'Suspended', tone: 'warn' },
  closed: { label: 'Closed', tone: 'bad' },
  unknown: { label: 'Unknown', tone: 'neutral' },
};

export function accountStatusBadge(status: unknown): { key: string; label: string; tone: Tone } {
  const key = typeof status === 'string' && Object.hasOwn(ACCOUNT_STATUS, status) ? status : 'unknown';
  const { label, tone } = ACCOUNT_STATUS[key] ?? { label: 'Unknown', tone: 'neutral' as const };
  return { key, label, tone };
}

export function customerTypeLabel(type: unknown): string {
  if (type === 'individual') return 'Individual';
  if (type === 'organization') return 'Organization';
  return 'Type unknown';
}

/** `account-blocked` → "account blocked"; null stays null. */
export function humanizeCode(code: unknown): string | null {
  const text = textOf(code);
  return text === null ? null : text.replace(/[-_]+/g, ' ').trim();
}

export interface DateFormatOptions {
  locale?: string;
  timeZone?: string;
}

/** An ISO date-time for people, with its time zone; an unparseable value is shown as sent. */
export function formatDateTime(iso: unknown, options: DateFormatOptions = {}): string | null {
  const text = textOf(iso);
  if (text === null) return null;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return text;
  return new Intl.DateTimeFormat(options.locale, {
    dateStyle: 'medium',
    timeStyle: 'long',
    timeZone: options.timeZone,
  }).format(date);
}

/** How long ago, in words: "12 seconds", "4 min 10 s", "3 h 5 min", "2 days 4 h". */
export function formatAge(seconds: unknown): string | null {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return null;
  const s = Math.floor(seconds);
  if (s === 0) return 'less than a second';
  if (s < 60) return s === 1 ? '1 second' : `${s} seconds`;
  if (s < 3600) return joinUnits(Math.floor(s / 60), 'min', s % 60, 's');
  if (s < 86_400) return joinUnits(Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'min');
  const days = Math.floor(s / 86_400);
  return joinUnits(days, days === 1 ? 'day' : 'days', Math.floor((s % 86_400) / 3600), 'h');
}

const joinUnits = (major: number, majorUnit: string, minor: number, minorUnit: string): string =>
  minor === 0 ? `${major} ${majorUnit}` : `${major} ${majorUnit} ${minor} ${minorUnit}`;

/** A balance in its currency; null when the balance is not known. An unknown currency code is kept as text. */
export function formatMoney(amount: unknown, currency: unknown, locale?: string): string | null {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return null;
  const code = textOf(currency);
  if (code !== null) {
    try {
      return new Intl.NumberFormat(locale, { style: 'currency', currency: code }).format(amount);
    } catch {
      return `${new Intl.NumberFormat(locale).format(amount)} ${code}`;
    }
  }
  return new Intl.NumberFormat(locale).format(amount);
}

/** An address as the lines of a postal label; empty parts are left out. */
export function addressLines(address: Partial<Address>): string[] {
  const cityLine = [textOf(address.postalCode), textOf(address.city)]
    .filter((part): part is string => part !== null)
    .join(' ');
  return [
    textOf(address.line1),
    textOf(address.line2),
    textOf(cityLine),
    textOf(address.region),
    textOf(address.country),
  ].filter((line): line is string => line !== null);
}

const ADDRESS_TYPES: Record<string, string> = { billing: 'Billing', shipping: 'Shipping', company: 'Company' };

export const addressTypeLabel = (type: unknown): string =>
  typeof type === 'string' && Object.hasOwn(ADDRESS_TYPES, type)
    ? (ADDRESS_TYPES[type] ?? type)
    : (textOf(type) ?? 'Address');

/** "First Last", or null when neither is known. */
export function personName(contact: Partial<Contact>): string | null {
  return textOf([textOf(contact.firstName), textOf(contact.lastName)].filter((part) => part !== null).join(' '));
}

/**
 * A provider detail of any JSON type, as one line a person can read: lists joined by commas, objects as
 * "Label: value" pairs (`{ offerType: 'LICENSE' }` → "Offer type: LICENSE"), a list of objects with " | "
 * between its items, nested objects in parentheses.
 */
export function detailValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    const ofObjects = value.some((item) => typeof item === 'object' && item !== null);
    return value.map((item) => detailValue(item) ?? NOT_PROVIDED).join(ofObjects ? ' | ' : ', ');
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return 'none';
    return entries
      .map(([key, item]) => {
        const text = detailValue(item) ?? NOT_PROVIDED;
        return `${labelFromKey(key)}: ${typeof item === 'object' && item !== null ? `(${text})` : text}`;
      })
      .join('; ');
  }
  return textOf(value);
}

/** `resellerId` → "Reseller id"; `global_sales` → "Global sales". */
export function labelFromKey(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_]+/g, ' ')
    .trim()
    .toLowerCase();
  return words === '' ? key : words.charAt(0).toUpperCase() + words.slice(1);
}

export interface CacheExplanation {
  label: string;
  sentence: string;
  tone: Tone;
}

/** Where the answer came from (`meta.cache`), in words a support person can repeat. */
export function explainCache(cache: unknown): CacheExplanation {
  switch (cache) {
    case 'hit':
      return {
        label: 'Gateway cache (fresh)',
        sentence: 'Served from the gateway’s cache, within its freshness time.',
        tone: 'good',
      };
    case 'miss':
      return { label: 'Provider (live)', sentence: 'Fetched from the provider for this request.', tone: 'good' };
    case 'stale':
      return {
        label: 'Gateway cache (stale)',
        sentence: 'The provider could not be reached, so the gateway served an expired copy from its cache.',
        tone: 'warn',
      };
    default:
      return {
        label: orNotProvided(cache),
        sentence: 'The gateway did not say where this answer came from.',
        tone: 'neutral',
      };
  }
}
