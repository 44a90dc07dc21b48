import { bandLabel, coverageWords, evidenceWords, matchWords, unavailableWords } from '../../console/src/link-text.js';
import type { LinkEvidence } from '../../console/src/model.js';

describe('search matches in words', () => {
  test.each([
    [['email'], 1, 'exact e-mail'],
    [['phone'], 1, 'exact phone number'],
    [['orgNumber'], 1, 'exact organisation number'],
    [['name'], 1, 'exact name'],
    [['name'], 0.912, 'similar name'],
    [['email', 'phone'], 1, 'exact e-mail, exact phone number'],
    [[], 1, 'exact match'],
  ] as const)('matched on %j with score %d reads "%s"', (matchedOn, score, words) => {
    expect(matchWords({ matchedOn: [...matchedOn], score })).toBe(words);
  });
});

describe('link evidence in words', () => {
  const cases: [LinkEvidence, string][] = [
    [
      { feature: 'email', agreement: 'exact', from: 'email', to: 'accounts[0].contactEmail' },
      'same e-mail address (email ↔ accounts[0].contactEmail)',
    ],
    [
      { feature: 'phone', agreement: 'exact', from: 'contacts[0].phone', to: 'phone' },
      'same phone number (contacts[0].phone ↔ phone)',
    ],
    [
      { feature: 'orgNumber', agreement: 'exact', from: 'organization.registrationNumber', to: 'x' },
      'same organisation number (organization.registrationNumber ↔ x)',
    ],
    [
      { feature: 'phone', agreement: 'generic', from: 'phone', to: 'addresses[0].phone' },
      'shared phone number, used by many customers (phone ↔ addresses[0].phone)',
    ],
    [
      { feature: 'email', agreement: 'generic', from: 'email', to: 'email' },
      'shared e-mail address, used by many customers (email ↔ email)',
    ],
    [{ feature: 'name', agreement: 'exact', from: 'displayName', to: 'organization.name' }, 'same name'],
    [{ feature: 'name', agreement: 'similar', from: 'displayName', to: 'displayName' }, 'similar name'],
    [{ feature: 'name', agreement: 'different', from: 'displayName', to: 'displayName' }, 'different name'],
    [{ feature: 'city', agreement: 'exact', from: 'addresses[0].city', to: 'addresses[1].city' }, 'same city'],
    [{ feature: 'postalCode', agreement: 'exact', from: 'a', to: 'b' }, 'same postal code'],
    [{ feature: 'country', agreement: 'exact', from: 'a', to: 'b' }, 'same country'],
  ];
  test.each(cases)('%j reads "%s"', (evidence, words) => {
    expect(evidenceWords(evidence)).toBe(words);
  });

  it('names a feature it does not know as sent, rather than failing', () => {
    const unknown = { feature: 'vatNumber', agreement: 'exact', from: 'a', to: 'b' } as unknown as LinkEvidence;
    expect(evidenceWords(unknown)).toBe('same vatNumber');
  });
});

describe('bands, coverage and unavailable candidates in words', () => {
  test.each([
    ['same', 'Same customer'],
    ['possible', 'Possibly the same'],
  ] as const)('band %s reads "%s"', (band, label) => {
    expect(bandLabel(band)).toBe(label);
  });

  const utc = { locale: 'en-GB', timeZone: 'UTC' };
  test.each([
    [{ source: 'lookups', records: 3, crawledAt: null }, 'Frontpayment: only customers looked up so far'],
    [
      { source: 'crawl', records: 42, crawledAt: '2026-11-22T10:02:00.000Z' },
      'Frontpayment: every customer, listed 22 Nov 2026, 10:02:00 UTC',
    ],
    [
      { source: 'crawl', records: 12, crawledAt: null },
      'Frontpayment: its customer list is still being read (12 customers so far)',
    ],
    [
      { source: 'crawl', records: 1, crawledAt: null },
      'Frontpayment: its customer list is still being read (1 customer so far)',
    ],
  ] as const)('coverage %j reads "%s"', (coverage, words) => {
    expect(coverageWords('Frontpayment', coverage, utc)).toBe(words);
  });

  it('says which provider could not be checked, and why', () => {
    expect(unavailableWords('Adobe VIP Marketplace', 'Upstream timeout')).toBe(
      'could not be checked: Adobe VIP Marketplace (Upstream timeout)',
    );
  });
});
