/**
 * What a record is indexed under: each strong identifier, and each word of its folded name (name search and
 * similar-name links look candidates up by word, then score the whole name). Both index stores hash these terms
 * the same way, and search hashes its own terms with the same rules.
 */
import type { HashKind } from './index-keys.js';
import { nameTokens } from './names.js';
import type { RecordFeatures } from './types.js';

export interface IndexTerm {
  kind: Exclude<HashKind, 'record'>;
  value: string;
}

/** The record's terms, each once. */
export function indexTerms(features: RecordFeatures): IndexTerm[] {
  const terms: IndexTerm[] = [];
  const seen = new Set<string>();
  for (const { feature, value } of features.identifiers) {
    const key = `${feature}:${value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    terms.push({ kind: feature, value });
  }
  for (const token of features.name ? nameTokens(features.name.value) : [])
    terms.push({ kind: 'nameToken', value: token });
  return terms;
}
