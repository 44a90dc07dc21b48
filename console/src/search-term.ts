/**
 * Pure: what a person typed in the search box → which query parameter of `GET /customers/search` to send it as.
 * It only picks the parameter, from the shape of the text; the gateway reads and validates the value (and says
 * why when it refuses), so the rules here stay small and never second-guess it.
 */

export type SearchKey = 'email' | 'phone' | 'orgNumber' | 'name';

export interface SearchTerm {
  key: SearchKey;
  /** The text as typed, without the spaces around it: the gateway normalises it. */
  value: string;
}

/** What the hint under the box says for each kind. */
export const SEARCH_HINTS: Record<SearchKey, string> = {
  email: 'Searching by e-mail address',
  phone: 'Searching by phone number',
  orgNumber: 'Searching by organisation number',
  name: 'Searching by name',
};

/** Digits with the separators people write phone numbers with, and an optional leading `+`. */
const PHONE_SHAPE = /^\+?[\d\s().\-/]+$/u;
/** Fewer digits than this is no phone number anywhere (and a short number is more likely part of a name). */
const PHONE_MIN_DIGITS = 5;
/**
 * An organisation number as it is printed: Norway's 9 digits (`913728467`, `913 728 467`) or Sweden's 10
 * (`5568713423`, `556871-3423`). Neither starts with 0, while a phone number written the national way does
 * (`031-712 34 56`), and a phone grouped otherwise (`408-123-4567`) stays a phone number.
 */
const ORG_NUMBER_SHAPES = [/^[1-9]\d{2}[ -]?\d{3}[ -]?\d{3}$/u, /^[1-9]\d{5}-?\d{4}$/u];

/** The term to search for, or null when there is nothing but spaces. */
export function recogniseSearchTerm(text: string): SearchTerm | null {
  const value = text.trim();
  if (value === '') return null;
  if (value.includes('@')) return { key: 'email', value };
  if (ORG_NUMBER_SHAPES.some((shape) => shape.test(value))) return { key: 'orgNumber', value };
  const digits = value.replace(/\D/gu, '').length;
  if (PHONE_SHAPE.test(value) && digits >= PHONE_MIN_DIGITS) return { key: 'phone', value };
  return { key: 'name', value };
}
