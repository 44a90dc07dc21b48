/** Phone normalisation: the ways real records write one number all come to the same E.164. */
import type { CountryCode } from 'libphonenumber-js';
import { DEFAULT_LINK_REGION, isSupportedCountry, normalizePhone } from '../../../src/linking/phone.js';

test.each<[string, string, CountryCode, string]>([
  ['international with spaces', '+47 55 12 34 56', 'NO', '+4755123456'],
  ['the 00 international prefix', '0047 55123456', 'NO', '+4755123456'],
  ['national, in the record’s region', '55 12 34 56', 'NO', '+4755123456'],
  ['the same national digits read in Sweden', '55 12 34 56', 'SE', '+4655123456'],
  ['international, whatever the region', '+47 55 12 34 56', 'SE', '+4755123456'],
  ['00 where the region dials 011 (a US record with a Norwegian number)', '0047 55123456', 'US', '+4755123456'],
  ['a Norwegian mobile as Frontpayment’s adapter joins it', '+4741234567', 'NO', '+4741234567'],
  ['a Norwegian mobile, national', '412 34 567', 'NO', '+4741234567'],
  ['a Swedish mobile, national with its trunk 0', '070-123 45 67', 'SE', '+46701234567'],
  ['a US number in its usual form', '(212) 555-0199', 'US', '+12125550199'],
  ['the US international prefix', '011 47 55 12 34 56', 'US', '+4755123456'],
  ['an extension, dropped', '+47 55 12 34 56 ext. 3', 'NO', '+4755123456'],
])('%s: %j in %s is %s', (_case, raw, region, e164) => {
  expect(normalizePhone(raw, region)).toBe(e164);
});

test.each<[string, string | null | undefined, CountryCode]>([
  ['too short', '12', 'NO'],
  ['a Norwegian number cannot start with 1', '12345678', 'NO'],
  ['555 is no US area code (a film number)', '(555) 010-0199', 'US'],
  ['a US number read as Norwegian (too long)', '(212) 555-0199', 'NO'],
  ['no digits', 'unknown', 'NO'],
  ['only spaces', '  ', 'NO'],
  ['null', null, 'NO'],
  ['undefined', undefined, 'NO'],
])('%s: %j in %s is no number (null)', (_case, raw, region) => {
  expect(normalizePhone(raw, region)).toBeNull();
});

test('a region is supported when libphonenumber knows it, in upper case', () => {
  expect(['NO', 'SE', 'US', DEFAULT_LINK_REGION].every((code) => isSupportedCountry(code))).toBe(true);
  expect([' NO', 'no', 'XX', 'NOR', '', null, undefined].some((code) => isSupportedCountry(code))).toBe(false);
});
