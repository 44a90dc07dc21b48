/** E-mail addresses as linking compares them: one spelling per mailbox, and nothing that is not an address. */
import validator from 'validator';

/**
 * Trimmed and lower-cased, or null when it is not an address. The local part is case-sensitive in theory, but no
 * mail system a customer uses treats `Ola@x.no` and `ola@x.no` as two mailboxes, and providers spell them both ways.
 * Search answers 400 for a term this returns null for.
 */
export function normalizeEmail(raw: string | null | undefined): string | null {
  const value = raw?.trim().toLowerCase();
  return value && validator.isEmail(value) ? value : null;
}
