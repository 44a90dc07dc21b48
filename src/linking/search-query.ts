/**
 * The query of `GET /customers/search`, read and normalised before anything is looked up: exactly one of
 * `email`, `phone`, `orgNumber`, `name`, with optional `country`, `provider` and `limit`. A value the rules
 * cannot read is `invalid-request` naming the parameter; the value itself is never echoed back.
 */
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js';
import { GatewayError } from '../core/problems.js';
import { normalizeEmail } from './email.js';
import { foldName, nameTokens } from './names.js';
import { normalizeOrgNumber } from './org-number.js';
import { normalizePhone } from './phone.js';
import type { StrongFeature } from './types.js';

export const SEARCH_KEYS = ['email', 'phone', 'orgNumber', 'name'] as const;
export type SearchKey = (typeof SEARCH_KEYS)[number];
export const SEARCH_MAX_LIMIT = 50;
export const SEARCH_DEFAULT_LIMIT = 20;
const MAX_TERM_LENGTH = 200;

export type SearchTerm = { key: StrongFeature; value: string } | { key: 'name'; value: string; tokens: string[] };

export interface SearchQuery {
  term: SearchTerm;
  country: CountryCode | undefined;
  provider: string | undefined;
  limit: number;
}

const invalid = (parameter: string, detail: string) => new GatewayError('invalid-request', { parameter, detail });

export function parseSearchQuery(query: Record<string, unknown>, defaultRegion: CountryCode): SearchQuery {
  const single = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length > MAX_TERM_LENGTH || /\p{Cc}/u.test(value))
      throw invalid(name, `The query parameter "${name}" takes one value of at most ${MAX_TERM_LENGTH} characters.`);
    return value;
  };
  const given = SEARCH_KEYS.filter((key) => query[key] !== undefined);
  if (given.length !== 1) {
    const parameter = given[1] ?? 'email';
    throw invalid(
      parameter,
      given.length === 0
        ? 'Search by exactly one of the query parameters "email", "phone", "orgNumber" or "name".'
        : `Search by one key at a time: "${given.join('" and "')}" were given.`,
    );
  }

  const countryText = single('country')?.trim().toUpperCase();
  if (countryText !== undefined && !isSupportedCountry(countryText))
    throw invalid('country', 'The query parameter "country" takes a two-letter country code (ISO 3166-1), e.g. NO.');
  const country = countryText;

  const limitText = single('limit');
  const limit = limitText === undefined ? SEARCH_DEFAULT_LIMIT : /^\d{1,2}$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= SEARCH_MAX_LIMIT))
    throw invalid('limit', `The query parameter "limit" takes a whole number from 1 to ${SEARCH_MAX_LIMIT}.`);

  const provider = single('provider');
  const key = given[0] as SearchKey;
  const raw = single(key) ?? '';
  return { term: termOf(key, raw, country ?? defaultRegion, country), country, provider, limit };
}

function termOf(key: SearchKey, raw: string, region: CountryCode, country: CountryCode | undefined): SearchTerm {
  switch (key) {
    case 'email': {
      const value = normalizeEmail(raw);
      if (value === null) throw invalid('email', 'The query parameter "email" is not an e-mail address.');
      return { key, value };
    }
    case 'phone': {
      const value = normalizePhone(raw, region);
      if (value === null)
        throw invalid(
          'phone',
          `The query parameter "phone" is not a valid phone number (without a country code, read as ${region}).`,
        );
      return { key, value };
    }
    case 'orgNumber': {
      const value = normalizeOrgNumber(raw, country ?? null);
      if (value === null)
        throw invalid(
          'orgNumber',
          'The query parameter "orgNumber" is not a valid organisation number (Norwegian 9 digits, mod 11; ' +
            'Swedish 10 digits, Luhn).',
        );
      return { key, value };
    }
    case 'name': {
      const value = foldName(raw);
      const tokens = value === null ? [] : nameTokens(value);
      if (value === null || tokens.length === 0)
        throw invalid('name', 'The query parameter "name" needs a word of at least two letters.');
      return { key, value, tokens };
    }
  }
}
