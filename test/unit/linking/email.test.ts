/** E-mail normalisation: what linking and the search route take for one mailbox, and what they refuse. */
import { normalizeEmail } from '../../../src/linking/email.js';

test.each([
  ['ola.nordmann@example.no', 'ola.nordmann@example.no'],
  ['  Ola.Nordmann@Example.NO \n', 'ola.nordmann@example.no'],
  ['faktura+kunde@fjordkraft.no', 'faktura+kunde@fjordkraft.no'],
  ['ÅSE@Blåbær.no', 'åse@blåbær.no'],
])('%j is the address %j', (raw, normalized) => {
  expect(normalizeEmail(raw)).toBe(normalized);
});

test.each([
  ['no @', 'ola.nordmann.example.no'],
  ['nothing before @', '@example.no'],
  ['no domain', 'ola@'],
  ['no top-level domain', 'ola@localhost'],
  ['a space inside', 'ola nordmann@example.no'],
  ['a display name', 'Ola Nordmann <ola@example.no>'],
  ['two addresses', 'ola@example.no, kari@example.no'],
  ['only spaces', '   '],
  ['empty', ''],
  ['null', null],
  ['undefined', undefined],
])('%s is no address (null, so search answers 400)', (_case, raw) => {
  expect(normalizeEmail(raw)).toBeNull();
});
