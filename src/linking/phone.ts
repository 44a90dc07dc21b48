/** Phone numbers as linking compares them: E.164, parsed by libphonenumber-js, only numbers that can exist. */
import { isSupportedCountry as isKnownCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** The region a number without country code belongs to when its record names no country. */
export const DEFAULT_LINK_REGION: CountryCode = 'NO';

/** True when libphonenumber knows the region (ISO 3166-1 alpha-2, upper case), so it can place a national number. */
export function isSupportedCountry(code: string | null | undefined): code is CountryCode {
  return typeof code === 'string' && isKnownCountry(code);
}

/**
 * E.164 (`+4755123456`), or null when the text is no valid number. A number without country code is read in
 * `region`. `00` is the international prefix in most of Europe but not in every region (the US dials `011`), and
 * records keep their `0047 …` numbers whatever country their address names: when the number is not valid in
 * `region`, a leading `00` is read once more as `+`.
 */
export function normalizePhone(raw: string | null | undefined, region: CountryCode): string | null {
  const text = raw?.trim();
  if (!text) return null;
  const parsed = parsePhoneNumberFromString(text, region);
  if (parsed?.isValid()) return parsed.number;
  if (!text.startsWith('00')) return null;
  const international = parsePhoneNumberFromString(`+${text.slice(2)}`);
  return international?.isValid() ? international.number : null;
}
