/** The linking-quality figures of the bench (bench/link-quality.ts), against tables counted by hand. */
import { linkQuality, type Judgement } from '../../bench/link-quality.js';

const j = (truth: Judgement['truth'], band: Judgement['band'], strong = true): Judgement => ({ truth, band, strong });

test('judgements are counted into truth × band', () => {
  const quality = linkQuality([
    j('same', 'same'),
    j('same', 'same'),
    j('same', 'possible'),
    j('different', 'possible', false),
    j('different', 'none', false),
    j('different', 'none', false),
  ]);
  expect(quality.table).toEqual({
    same: { same: 2, possible: 1, none: 0 },
    different: { same: 0, possible: 1, none: 2 },
  });
});

test.each([
  // judgements, false `same` outside the pairs, precision, recall, strong pairs of one company
  ['every pair right', [j('same', 'same'), j('different', 'none', false)], 0, 1, 1, 1],
  ['a pair that differs called `same`', [j('same', 'same'), j('different', 'same')], 0, 0.5, 1, 1],
  ['a false `same` outside the labelled pairs', [j('same', 'same')], 1, 0.5, 1, 1],
  ['a strong pair called `possible`', [j('same', 'same'), j('same', 'possible')], 0, 1, 0.5, 2],
  [
    'a pair without a strong identifier is outside the recall',
    [j('same', 'same'), j('same', 'none', false)],
    0,
    1,
    1,
    1,
  ],
  ['nothing called `same`: no precision', [j('same', 'possible')], 0, NaN, 0, 1],
  ['no strong pair of one company: no recall', [j('different', 'none', false)], 0, NaN, NaN, 0],
] as const)('%s', (_case, judgements, elsewhere, precision, recall, strongSame) => {
  const quality = linkQuality(judgements, elsewhere);
  expect(quality.precision).toBe(precision);
  expect(quality.recall).toBe(recall);
  expect(quality.strongSame).toBe(strongSame);
});
