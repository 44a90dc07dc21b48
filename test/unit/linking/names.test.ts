/** Names: folding, legal forms, blocking tokens, and when two names are taken for one customer. */
import {
  NAME_AGREEMENT_THRESHOLD,
  foldName,
  foldText,
  nameSimilarity,
  nameTokens,
  namesAgree,
} from '../../../src/linking/names.js';

const folds: [string, string | null | undefined, string | null][] = [
  ['a legal form after the name', 'Equinor ASA', 'equinor'],
  ['a legal form before it, and “(publ)”', 'AB Volvo (publ)', 'volvo'],
  ['“& Co” and a legal form', 'Hansen & Co AS', 'hansen'],
  ['legal forms with dots', 'Acme Corp. Ltd.', 'acme'],
  ['German and Nordic letters', 'Björn Müller GmbH', 'bjorn muller'],
  ['ø as ö, æ as ae, å as a', 'Bjørn Ærø Åsen', 'bjorn aero asen'],
  ['letters without a decomposition', 'Straße Œuvre Łódź', 'strasse oeuvre lodz'],
  ['ø with an accent', 'Ǿrsta', 'orsta'],
  ['full-width letters', 'Ｆｕｌｌ Width', 'full width'],
  ['punctuation and runs of space', ' Café  Øst—Vest, Inc. ', 'cafe ost vest'],
  ['dots and apostrophes join', "A.S. Ola's Bakeri", 'olas bakeri'],
  ['a legal form only as a whole word', 'Asker Cobalt AS', 'asker cobalt'],
  ['digits stay', 'Rema 1000 AS', 'rema 1000'],
  ['a name that is only a legal form keeps it', 'AS', 'as'],
  ['nothing but punctuation', '—', null],
  ['only spaces', '   ', null],
  ['null', null, null],
  ['undefined', undefined, null],
];

test.each(folds)('folding: %s (%j → %j)', (_case, raw, folded) => {
  expect(foldName(raw)).toBe(folded);
});

test('folding a folded name changes nothing', () => {
  for (const [, raw] of folds) {
    const once = foldName(raw);
    expect(foldName(once)).toBe(once);
  }
});

test('text folding (cities) keeps words that are legal forms in a name', () => {
  expect(foldText('  SANDNES  AS ')).toBe('sandnes as');
  expect(foldName('  SANDNES  AS ')).toBe('sandnes');
});

test('blocking tokens are the distinct words of two characters or more', () => {
  expect(nameTokens('per a hansen hansen 7')).toEqual(['per', 'hansen']);
});

test.each([
  ['the same name, legal form on one side', 'Fjordkraft AS', 'FJORDKRAFT', true],
  ['the same words in another order', 'Hansen Per', 'Per Hansen', true],
  ['the same letters spaced otherwise', 'Fjord Kraft', 'Fjordkraft AS', true],
  ['ø and ö', 'Bjørn Hansen', 'Björn Hansen', true],
  ['a doubled letter', 'Hansen Bygg', 'Hanssen Bygg', true],
  ['a dropped letter', 'Kari Nordmann', 'Kari Nordman', true],
  ['a name spelt another way', 'Johansen Transport', 'Johannesen Transport', true],
  ['two letters swapped', 'Telenor', 'Telenro', true],
  ['a second word that differs', 'Nordic Power AS', 'Nordic Paper AS', false],
  ['another short word', 'Bergen Bil', 'Bergen Bolig', false],
  ['a word one name lacks', 'Equinor ASA', 'Equinor Energy AS', false],
  ['another first name', 'Kari Nordmann', 'Ola Nordmann', false],
  ['nothing in common', 'Fjordkraft', 'Telenor', false],
])('%s: %j and %j agree: %s', (_case, a, b, agree) => {
  expect(namesAgree(a, b)).toBe(agree);
  expect(namesAgree(b, a)).toBe(agree);
  expect(nameSimilarity(a, b) >= NAME_AGREEMENT_THRESHOLD).toBe(agree);
});

test('similarity is 1 for the same words, between 0 and 1 otherwise, and 0 when a side has no name', () => {
  expect(nameSimilarity('Per Hansen AS', 'hansen per')).toBe(1);
  const similar = nameSimilarity('Hansen Bygg', 'Hanssen Bygg');
  expect(similar).toBeGreaterThan(NAME_AGREEMENT_THRESHOLD);
  expect(similar).toBeLessThan(1);
  expect(nameSimilarity('Fjordkraft', '—')).toBe(0);
});
