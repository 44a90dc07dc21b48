/**
 * The band rules: whether two records are the same customer, possibly the same, or not linked, with the evidence
 * for it as field paths (never values).
 */
import { NAME_AGREEMENT_THRESHOLD, nameSimilarity, namesAgree } from './names.js';
import type { Agreement, Comparison, Evidence, Identifier, RecordFeatures, StrongFeature } from './types.js';

/** Whether an identifier is shared by too many differently named records to tell customers apart. */
export type IsGeneric = (feature: StrongFeature, value: string) => boolean;

/**
 * Scores: `same` is 0.9 plus a tenth of the name similarity, so it is always above `possible`, which is the
 * strength of its best reason plus a tenth of the name similarity (0.5 to 0.8).
 */
const SAME_BASE = 0.9;
const POSSIBLE_BASE = { identifier: 0.7, generic: 0.6, place: 0.5 } as const;

interface Shared {
  from: Identifier;
  to: Identifier;
  generic: boolean;
}

/**
 * `same`: a shared identifier that is not generic, with names that agree or a side without a name; or non-generic
 * identifiers of two kinds shared (an e-mail and a phone, say), whatever the names. `possible`: any shared
 * identifier otherwise, or names that agree with the same country and the same city or postal code. Else null.
 */
export function compareRecords(from: RecordFeatures, to: RecordFeatures, isGeneric: IsGeneric): Comparison | null {
  const shared = from.identifiers.flatMap((a): Shared[] => {
    const b = to.identifiers.find((id) => id.feature === a.feature && id.value === a.value);
    return b ? [{ from: a, to: b, generic: isGeneric(a.feature, a.value) }] : [];
  });
  const similarity = from.name && to.name ? nameSimilarity(from.name.value, to.name.value) : null;
  const evidence: Evidence[] = shared.map((s) => ({
    feature: s.from.feature,
    agreement: s.generic ? 'generic' : 'exact',
    from: s.from.path,
    to: s.to.path,
  }));
  if (from.name && to.name && similarity !== null) {
    evidence.push({ feature: 'name', agreement: nameAgreement(similarity), from: from.name.path, to: to.name.path });
  }
  const trusted = shared.filter((s) => !s.generic);
  const trustedKinds = new Set(trusted.map((s) => s.from.feature)).size;
  const agree = similarity === null || similarity >= NAME_AGREEMENT_THRESHOLD;
  if ((trusted.length > 0 && agree) || trustedKinds >= 2) {
    return { band: 'same', score: round(SAME_BASE + 0.1 * (similarity ?? 0)), evidence };
  }
  const place = similarity !== null && agree ? placeEvidence(from, to) : [];
  const base = trusted.length > 0 ? POSSIBLE_BASE.identifier : shared.length > 0 ? POSSIBLE_BASE.generic : null;
  const strength = base ?? (place.length > 0 ? POSSIBLE_BASE.place : null);
  if (strength === null) return null;
  return { band: 'possible', score: round(strength + 0.1 * (similarity ?? 0)), evidence: [...evidence, ...place] };
}

/**
 * True when more than `limit` records hold the identifier and their names fall into more than one group of
 * agreeing names: a shared mailbox or a switchboard, not a customer. Holders without a name do not count against
 * it. (Ask the index for `limit + 1` holders.)
 */
export function isGenericIdentifier(holderNames: readonly (string | null)[], limit: number): boolean {
  if (holderNames.length <= limit) return false;
  const groups: string[] = [];
  for (const name of holderNames) {
    if (name !== null && !groups.some((first) => namesAgree(first, name))) groups.push(name);
  }
  return groups.length > 1;
}

function nameAgreement(similarity: number): Agreement {
  if (similarity === 1) return 'exact';
  return similarity >= NAME_AGREEMENT_THRESHOLD ? 'similar' : 'different';
}

/** The same country, and the same city or postal code (both when both match); none when either is missing. */
function placeEvidence(from: RecordFeatures, to: RecordFeatures): Evidence[] {
  if (!from.country || from.country.value !== to.country?.value) return [];
  const matches = (['city', 'postalCode'] as const).flatMap((feature): Evidence[] => {
    const [ours, theirs] = feature === 'city' ? [from.cities, to.cities] : [from.postalCodes, to.postalCodes];
    const a = ours.find((place) => theirs.some((other) => other.value === place.value));
    const b = a && theirs.find((other) => other.value === a.value);
    return a && b ? [{ feature, agreement: 'exact', from: a.path, to: b.path }] : [];
  });
  if (matches.length === 0) return [];
  return [{ feature: 'country', agreement: 'exact', from: from.country.path, to: to.country.path }, ...matches];
}

function round(score: number): number {
  return Math.round(score * 1000) / 1000;
}
