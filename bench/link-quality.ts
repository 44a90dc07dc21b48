/**
 * Linking quality on the labelled set (test/fixtures/linked-set.ts): each labelled pair, judged by the band that
 * the links of one record give the other (or none), counted into a confusion table of truth × band; from it the
 * precision of `same` and its recall among the pairs of one company that share a strong identifier.
 */

export type Judged = 'same' | 'possible' | 'none';
export type Truth = 'same' | 'different';

export interface Judgement {
  truth: Truth;
  /** The two records share an e-mail, phone or organisation number that is not generic. */
  strong: boolean;
  band: Judged;
}

export interface LinkQuality {
  /** Judgements by truth, then by band. */
  table: Record<Truth, Record<Judged, number>>;
  /** `same` judgements that are true / all `same` judgements (and `falseSameElsewhere`); NaN when none is `same`. */
  precision: number;
  /** Pairs of one company sharing a strong identifier judged `same` / all of them; NaN when there is none. */
  recall: number;
  /** How many pairs of one company share a strong identifier (the recall's denominator). */
  strongSame: number;
}

/**
 * `falseSameElsewhere`: `same` links between records known to be different companies that no labelled pair
 * names; each is a false `same` as much as one in the table, so the precision counts it too.
 */
export function linkQuality(judgements: readonly Judgement[], falseSameElsewhere = 0): LinkQuality {
  const row = (): Record<Judged, number> => ({ same: 0, possible: 0, none: 0 });
  const table: Record<Truth, Record<Judged, number>> = { same: row(), different: row() };
  for (const { truth, band } of judgements) table[truth][band] += 1;
  const trueSame = table.same.same;
  const saidSame = trueSame + table.different.same + falseSameElsewhere;
  const strong = judgements.filter((j) => j.truth === 'same' && j.strong);
  const found = strong.filter((j) => j.band === 'same').length;
  return {
    table,
    precision: saidSame === 0 ? NaN : trueSame / saidSame,
    recall: strong.length === 0 ? NaN : found / strong.length,
    strongSame: strong.length,
  };
}
