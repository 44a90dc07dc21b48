/** The masking rule for personal data of any JSON type (docs/security.md), and the log redaction it implies. */
import { personalDataRedactPaths } from '../../src/core/logger.js';
import { maskCustomer, maskRaw, maskValue } from '../../src/core/pii.js';
import type { Customer } from '../../src/core/model.js';
import { acme } from '../fixtures/provider-acme/adapter.js';

test.each([
  ['an 11-digit string', '01017012345', '*******2345'],
  ['a number: the masked string of its digits', 1017012345, '******2345'],
  ['4 characters or fewer: all stars', '1234', '****'],
  ['an empty string', '', ''],
  ['a boolean', false, '****'],
  ['null, which hides nothing', null, null],
  ['an array: each element', ['01017012345', 98765432], ['*******2345', '****5432']],
  [
    'an object: each leaf, keys kept',
    { kind: 'fnr', id: { value: 1017012345 } },
    { kind: '***', id: { value: '******2345' } },
  ],
])('%s', (_name, value, masked) => {
  expect(maskValue(value)).toEqual(masked);
});

test('a path crosses arrays, marked with [] or not, and leaves the original untouched', () => {
  const raw = { data: [{ personalNumber: 1017012345 }], people: [{ taxId: '01017012345' }, { other: 1 }] };
  const copy = structuredClone(raw);
  expect(maskRaw(raw, ['data.personalNumber', 'people[].taxId'])).toEqual({
    data: [{ personalNumber: '******2345' }],
    people: [{ taxId: '*******2345' }, { other: 1 }],
  });
  expect(raw).toEqual(copy);
});

test('nothing to mask gives the same object back (one view then serves both policies)', () => {
  const raw = { data: { personalNumber: null }, other: '01017012345' };
  expect(maskRaw(raw, ['data.personalNumber', 'absent.path'])).toBe(raw);
  const customer = { nationalId: null, providerDetails: {} } as unknown as Customer;
  expect(maskCustomer(customer, ['providerDetails.cosignerTaxIds'])).toBe(customer);
});

test('log redaction paths come from the declarations: each key up to two levels deep, deeper paths as paths', () => {
  expect(personalDataRedactPaths([acme]).sort()).toEqual(
    [
      'nationalId',
      '*.nationalId',
      '*.*.nationalId',
      'taxId',
      '*.taxId',
      '*.*.taxId',
      'cosignerTaxIds',
      '*.cosignerTaxIds',
      '*.*.cosignerTaxIds',
      '*.cosigners.*.taxId',
    ].sort(),
  );
  expect(personalDataRedactPaths([])).toEqual(['nationalId', '*.nationalId', '*.*.nationalId']);
});
