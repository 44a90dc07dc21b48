/**
 * Organisation numbers. The valid examples were checked by hand: 923609016 (weights 3,2,7,6,5,4,3,2 give 126,
 * remainder 5, check 6); 910000020 (sum 33, remainder 0, check 0); 5560360793 and 5565475489 (Luhn sums 40 and 50).
 */
import { normalizeOrgNumber } from '../../../src/linking/org-number.js';

test.each([
  ['Norwegian, bare', '923609016', undefined, 'NO:923609016'],
  ['Norwegian, grouped with spaces', '923 609 016', undefined, 'NO:923609016'],
  ['Norwegian, with dots', '923.609.016', undefined, 'NO:923609016'],
  ['Norwegian, as a VAT number', 'NO 923 609 016 MVA', undefined, 'NO:923609016'],
  ['Norwegian, VAT written together and in lower case', 'no923609016mva', undefined, 'NO:923609016'],
  ['Norwegian, remainder 0 gives check digit 0', '910000020', undefined, 'NO:910000020'],
  ['Norwegian, the record’s country named', '923609016', 'NO', 'NO:923609016'],
  ['Norwegian, the country in three letters', '923609016', 'nor', 'NO:923609016'],
  ['Swedish, with its dash', '556036-0793', undefined, 'SE:5560360793'],
  ['Swedish, bare', '5565475489', 'SE', 'SE:5565475489'],
  ['Swedish, with the 16 century prefix', '16556036-0793', undefined, 'SE:5560360793'],
  ['Swedish, as a VAT number', 'SE556036079301', undefined, 'SE:5560360793'],
  ['the prefix wins over the record’s country', 'SE 556036-0793', 'NO', 'SE:5560360793'],
  ['another country’s record: the digit count decides', '923609016', 'DK', 'NO:923609016'],
])('%s: %j (country %s) is %s', (_case, raw, country, normalized) => {
  expect(normalizeOrgNumber(raw, country)).toBe(normalized);
});

test.each([
  ['Norwegian, wrong check digit', '923609017', undefined],
  ['Norwegian, eight digits', '92360901', undefined],
  ['Swedish, wrong check digit', '556036-0794', undefined],
  ['Swedish, 12 digits without a legal entity’s century prefix', '195560360793', undefined],
  ['a Swedish personal number (third digit below 2), though its Luhn digit holds', '811218-9876', undefined],
  ['nine digits where the record says Sweden', '923609016', 'SE'],
  ['ten digits where the record says Norway', '5560360793', 'NO'],
  ['letters inside', '923 6O9 016', undefined],
  ['eleven digits (a Norwegian personal number’s length)', '01017012345', undefined],
  ['empty', '', undefined],
  ['null', null, undefined],
])('%s: %j (country %s) is null', (_case, raw, country) => {
  expect(normalizeOrgNumber(raw, country)).toBeNull();
});

test('a Norwegian number whose weighted sum leaves remainder 1 has no valid check digit', () => {
  // 91000008: 3·9 + 2·1 + 2·8 = 45, remainder 1.
  const all = Array.from({ length: 10 }, (_, digit) => normalizeOrgNumber(`91000008${digit}`));
  expect(all).toEqual(Array.from({ length: 10 }, () => null));
});
