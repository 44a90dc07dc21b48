/**
 * Names as linking compares them: folded to plain lower-case letters and digits, legal forms dropped, compared with
 * Jaro-Winkler (@skyra/jaro-winkler).
 */
import { jaroWinkler } from '@skyra/jaro-winkler';

/**
 * The least similarity (below) at which two names are taken for one customer. A word spelt another way keeps a
 * two-word name at 0.95 or more (`hansen bygg` / `hanssen bygg` 0.99, `johansen` / `johannesen transport` 0.97),
 * while a word that differs or is missing brings it to 0.89 or less (`nordic power` / `nordic paper` 0.88,
 * `bergen bil` / `bergen bolig` 0.89, `equinor` / `equinor energy` 0.84): 0.92 lies in that gap.
 */
export const NAME_AGREEMENT_THRESHOLD = 0.92;

/**
 * Letters Unicode decomposition leaves whole. Ø goes the way Swedish ö folds (o), so `Bjørn` and `Björn` meet; æ
 * and the rest take their usual two-letter spelling.
 */
const LETTERS: Readonly<Record<string, string>> = { ø: 'o', æ: 'ae', œ: 'oe', ß: 'ss', đ: 'd', ł: 'l', þ: 'th' };

/** Legal forms (Nordic, German, Dutch, English, French…) that say how a company is held, not which one it is. */
const LEGAL_FORMS = new Set([
  ...['as', 'asa', 'ab', 'publ', 'hb', 'kb', 'oy', 'oyj', 'aps', 'ans', 'da', 'ks', 'nuf', 'enk'],
  ...['gmbh', 'ag', 'kg', 'bv', 'nv', 'sa', 'sarl', 'srl', 'spa'],
  ...['ltd', 'limited', 'plc', 'inc', 'incorporated', 'llc', 'corp', 'corporation', 'co', 'company'],
]);

/**
 * Lower case, accents and other marks removed, every run of punctuation and space one space. Dots and apostrophes
 * join instead (`A.S.` is `as`, `Ola's` is `olas`).
 */
export function foldText(raw: string | null | undefined): string | null {
  const folded = (raw ?? '')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[øæœßđłþ]/g, (letter) => LETTERS[letter] ?? letter)
    .replace(/\p{M}/gu, '')
    .replace(/[.'’]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return folded === '' ? null : folded;
}

/**
 * The name folded, with legal-form words removed as whole tokens (`Equinor ASA`, `AB Volvo`, `Hansen & Co AS`),
 * unless nothing else would remain (a company called `AS` keeps its name). Null when there is no name.
 */
export function foldName(raw: string | null | undefined): string | null {
  const tokens = foldText(raw)?.split(' ') ?? [];
  const kept = tokens.filter((token) => !LEGAL_FORMS.has(token));
  const name = (kept.length > 0 ? kept : tokens).join(' ');
  return name === '' ? null : name;
}

/** Distinct tokens of a folded name, two characters or longer: the keys that find candidate names (blocking). */
export function nameTokens(folded: string): string[] {
  return [...new Set(folded.split(' ').filter((token) => token.length >= 2))];
}

/**
 * 0 to 1, on the folded names. Jaro-Winkler over a whole name rewards a shared first word (`nordic power` and
 * `nordic paper` score 0.94), so it is taken word by word: each word of one name scores its best match among the
 * other's words, the scores are averaged, and the lower of the two directions counts, so a word one name lacks
 * (`equinor` / `equinor energy`) costs as much as a wrong one. The same words in any order, or the same letters
 * spaced differently (`Fjord Kraft`, `Fjordkraft`), are 1.
 */
export function nameSimilarity(a: string, b: string): number {
  const left = foldName(a)?.split(' ');
  const right = foldName(b)?.split(' ');
  if (!left || !right) return 0;
  if (sameWords(left, right) || left.join('') === right.join('')) return 1;
  return Math.min(bestMatches(left, right), bestMatches(right, left));
}

/** True when the names are taken for one customer: the same words, or similar enough. */
export function namesAgree(a: string, b: string): boolean {
  return nameSimilarity(a, b) >= NAME_AGREEMENT_THRESHOLD;
}

function bestMatches(words: string[], among: string[]): number {
  const best = words.map((word) => Math.max(...among.map((other) => jaroWinkler(word, other))));
  return best.reduce((sum, score) => sum + score, 0) / best.length;
}

function sameWords(a: string[], b: string[]): boolean {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((token) => right.has(token));
}
