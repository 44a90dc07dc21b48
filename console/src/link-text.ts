/**
 * Pure: search matches, links and their evidence as a support person reads them. The gateway answers with
 * feature names, agreements and field paths (never the values); these words say the same thing in a sentence.
 */
import { formatDateTime, type DateFormatOptions } from './format.js';
import type { CustomerLink, LinkEvidence, LinkFeature, ProviderCoverage, SearchMatch } from './model.js';

const STRONG: readonly LinkFeature[] = ['email', 'phone', 'orgNumber'];

/** A feature as a noun in evidence ("same e-mail address"). */
const NOUN: Record<LinkFeature, string> = {
  email: 'e-mail address',
  phone: 'phone number',
  orgNumber: 'organisation number',
  name: 'name',
  country: 'country',
  city: 'city',
  postalCode: 'postal code',
};

/** A feature as a search match names it ("exact e-mail"). */
const MATCH_NOUN: Record<LinkFeature, string> = { ...NOUN, email: 'e-mail' };

const nounOf = (feature: string, nouns: Record<LinkFeature, string>): string =>
  Object.hasOwn(nouns, feature) ? nouns[feature as LinkFeature] : feature;

/** What a match matched on and how well: "exact e-mail", "similar name". */
export function matchWords(match: Pick<SearchMatch, 'matchedOn' | 'score'>): string {
  const exact = match.score >= 1;
  const words = match.matchedOn.map((feature) => `${exact ? 'exact' : 'similar'} ${nounOf(feature, MATCH_NOUN)}`);
  return words.length > 0 ? words.join(', ') : exact ? 'exact match' : 'similar';
}

/**
 * One piece of evidence: "same e-mail address (email ↔ accounts[0].contactEmail)", "shared phone number, used by
 * many customers (phone ↔ contacts[0].phone)", "similar name", "same city". Identifiers carry the field paths on
 * both sides, so that support can find them in each record.
 */
export function evidenceWords(evidence: LinkEvidence): string {
  const noun = nounOf(evidence.feature, NOUN);
  const paths = STRONG.includes(evidence.feature) ? ` (${evidence.from} ↔ ${evidence.to})` : '';
  switch (evidence.agreement) {
    case 'exact':
      return `same ${noun}${paths}`;
    case 'generic':
      return `shared ${noun}, used by many customers${paths}`;
    case 'similar':
      return `similar ${noun}${paths}`;
    case 'different':
      return `different ${noun}${paths}`;
    default:
      return `${noun}${paths}`;
  }
}

export function bandLabel(band: CustomerLink['band']): string {
  return band === 'same' ? 'Same customer' : 'Possibly the same';
}

/**
 * Where one provider's search results come from: "Tango Card RaaS: every customer, listed 22 Nov 2026, 10:02",
 * "Frontpayment: only customers looked up so far".
 */
export function coverageWords(providerName: string, coverage: ProviderCoverage, dates: DateFormatOptions = {}): string {
  if (coverage.source === 'lookups') return `${providerName}: only customers looked up so far`;
  const crawled = formatDateTime(coverage.crawledAt, dates);
  if (crawled === null) {
    const count = `${coverage.records} customer${coverage.records === 1 ? '' : 's'}`;
    return `${providerName}: its customer list is still being read (${count} so far)`;
  }
  return `${providerName}: every customer, listed ${crawled}`;
}

/** A candidate the gateway could not read: "could not be checked: Adobe VIP Marketplace (Upstream timeout)". */
export function unavailableWords(providerName: string, problemTitle: string): string {
  return `could not be checked: ${providerName} (${problemTitle})`;
}
