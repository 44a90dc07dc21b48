/**
 * Organisation numbers as linking compares them: `NO:923609016` or `SE:5560360793`, and only numbers whose check
 * digit holds, so a typo never ties two companies together.
 */

type Scheme = 'NO' | 'SE';

/** Countries whose numbering linking knows; a provider may name them with three letters. */
const SCHEMES: Readonly<Record<string, Scheme>> = { NO: 'NO', NOR: 'NO', SE: 'SE', SWE: 'SE' };

/** Brønnøysundregistrene's weights for the ninth digit of a Norwegian organisation number (modulus 11). */
const NO_WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2];

/**
 * The number with its country, or null. Spaces, dots and dashes, a leading `NO`/`SE` and the Norwegian `MVA` (VAT)
 * suffix are how people write them and are dropped. The scheme is the one the number is prefixed with, else
 * `country` when it is Norway or Sweden, else the digit count (9 Norwegian, 10 or 12 Swedish).
 */
export function normalizeOrgNumber(raw: string | null | undefined, country?: string | null): string | null {
  let text = raw?.trim().toUpperCase() ?? '';
  const prefix = text.startsWith('NO') || text.startsWith('SE') ? (text.slice(0, 2) as Scheme) : null;
  if (prefix) text = text.slice(2);
  if (text.endsWith('MVA')) text = text.slice(0, -3);
  if (!/^[\d\s.-]+$/.test(text)) return null;
  const digits = text.replace(/\D/g, '');
  const scheme = prefix ?? SCHEMES[country?.trim().toUpperCase() ?? ''] ?? (digits.length === 9 ? 'NO' : 'SE');
  const number = scheme === 'NO' ? norwegian(digits) : swedish(digits, prefix === 'SE');
  return number === null ? null : `${scheme}:${number}`;
}

/** Nine digits; the last is 11 minus the weighted sum modulo 11 (0 when that is 11; no number has remainder 1). */
function norwegian(digits: string): string | null {
  if (!/^\d{9}$/.test(digits)) return null;
  const sum = NO_WEIGHTS.reduce((total, weight, i) => total + weight * Number(digits[i]), 0);
  const remainder = sum % 11;
  if (remainder === 1) return null;
  const check = remainder === 0 ? 0 : 11 - remainder;
  return Number(digits[8]) === check ? digits : null;
}

/**
 * Ten digits with a Luhn check digit. Twelve are accepted in two forms: the `16` century prefix legal entities
 * carry, and the VAT number (`SE` + number + `01`). The third digit is at least 2 for a legal entity; below that
 * the ten digits are a personal number (a sole trader's), which linking never reads.
 */
function swedish(digits: string, vat: boolean): string | null {
  let ten = digits;
  if (digits.length === 12 && vat && digits.endsWith('01')) ten = digits.slice(0, 10);
  else if (digits.length === 12 && digits.startsWith('16')) ten = digits.slice(2);
  if (!/^\d{10}$/.test(ten) || Number(ten[2]) < 2) return null;
  return luhn(ten) ? ten : null;
}

/** Luhn: from the right, every second digit doubled (its digits summed); the total is a multiple of 10. */
function luhn(digits: string): boolean {
  const sum = [...digits].reverse().reduce((total, char, i) => {
    const doubled = i % 2 === 1 ? Number(char) * 2 : Number(char);
    return total + (doubled > 9 ? doubled - 9 : doubled);
  }, 0);
  return sum % 10 === 0;
}
