/**
 * The labelled linked set (test/fixtures/linked-set.ts) against the seeds it labels: the benchmark's precision
 * and recall are only as good as these labels. Each seed goes through its adapter's normaliser (Tango's account
 * e-mails through its balances parser, as `?include=balances` reads them); the identifiers are then normalised
 * here independently of src/linking, with the same libraries: libphonenumber-js, validator, the mod 11 and Luhn
 * check digits.
 */
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import validator from 'validator';
import { adobeVip, normalizeAdobeCustomer } from '../../providers/adobe-vip/adapter.js';
import { ADOBE_SEEDS } from '../../providers/adobe-vip/seeds.js';
import { ADOBE_SIM_RESELLER_ID } from '../../providers/adobe-vip/simulator.js';
import { frontpayment, normalizeFrontpaymentCustomer } from '../../providers/frontpayment/adapter.js';
import { FRONTPAYMENT_SEEDS } from '../../providers/frontpayment/seeds.js';
import { tango } from '../../providers/tango/adapter.js';
import { tangoBalances } from '../../providers/tango/listing.js';
import { TANGO_SEEDS } from '../../providers/tango/simulator.js';
import type { NormalizedCustomer } from '../../src/core/model.js';
import type { ProviderAdapter } from '../../src/core/provider.js';
import {
  pairs,
  records,
  searches,
  type LabelledPair,
  type LinkedProvider,
  type RecordKey,
  type Trap,
} from '../fixtures/linked-set.js';

/** More holders than this, of different companies, make an identifier generic (LINK_GENERIC_LIMIT's default). */
const GENERIC_LIMIT = 3;

const keyOf = (r: RecordKey) => `${r.provider}/${r.providerId}`;

/** Every seed of the three simulators, in the common model. */
const seeds = new Map<string, NormalizedCustomer>();
for (const c of TANGO_SEEDS) {
  const customer = tango.normalize(c);
  const balances = tangoBalances.parse(c.accounts)?.balances ?? [];
  customer.accounts = customer.accounts.map((a) => ({
    ...a,
    contactEmail: balances.find((b) => b.id === a.id)?.contactEmail ?? null,
  }));
  seeds.set(`tango/${c.customerIdentifier}`, customer);
}
for (const c of ADOBE_SEEDS) seeds.set(`adobe-vip/${c.customerId}`, normalizeAdobeCustomer(c));
for (const c of FRONTPAYMENT_SEEDS) seeds.set(`frontpayment/${c.uuid}`, normalizeFrontpaymentCustomer({ data: c }));

function email(value: string | null): string[] {
  const e = value?.trim().toLowerCase();
  return e && validator.isEmail(e) ? [`email:${e}`] : [];
}

function phone(value: string | null, region: string): string[] {
  const parsed = value ? parsePhoneNumberFromString(value, region as CountryCode) : undefined;
  return parsed?.isValid() ? [`phone:${parsed.number}`] : [];
}

const digits = (s: string) => [...s].map(Number);

/** Norwegian: 9 digits, weights 3 2 7 6 5 4 3 2, check 11 − sum mod 11. Swedish: 10 digits, Luhn. */
function orgNumber(value: string | null): string[] {
  const d = value?.replace(/[\s-]/g, '') ?? '';
  if (/^\d{9}$/.test(d)) {
    const sum = digits(d.slice(0, 8)).reduce((s, n, i) => s + n * ([3, 2, 7, 6, 5, 4, 3, 2][i] ?? 0), 0);
    const check = (11 - (sum % 11)) % 11;
    return check !== 10 && check === Number(d[8]) ? [`org:NO:${d}`] : [];
  }
  if (/^\d{10}$/.test(d)) {
    const sum = digits(d).reduce((s, n, i) => s + (i % 2 === 0 ? (n * 2 > 9 ? n * 2 - 9 : n * 2) : n), 0);
    return sum % 10 === 0 ? [`org:SE:${d}`] : [];
  }
  return [];
}

function identifiers(c: NormalizedCustomer): Set<string> {
  const region = c.addresses.find((a) => a.country)?.country ?? 'NO';
  return new Set([
    ...email(c.email),
    ...c.contacts.flatMap((x) => email(x.email)),
    ...c.accounts.flatMap((x) => email(x.contactEmail)),
    ...phone(c.phone, region),
    ...c.contacts.flatMap((x) => phone(x.phone, region)),
    ...c.addresses.flatMap((x) => phone(x.phone, x.country ?? region)),
    ...orgNumber(c.organization?.registrationNumber ?? null),
  ]);
}

const idsOf = new Map([...seeds].map(([key, c]) => [key, identifiers(c)]));
const companyOf = new Map(records.map((r) => [keyOf(r), r.company]));
/** An unlabelled seed is a company of its own. */
const company = (key: string) => companyOf.get(key) ?? key;

const holders = (identifier: string) => [...idsOf].filter(([, ids]) => ids.has(identifier)).map(([key]) => key);

function generic(identifier: string): boolean {
  const held = holders(identifier);
  return held.length > GENERIC_LIMIT && new Set(held.map(company)).size > 1;
}

const ADAPTERS: Record<LinkedProvider, ProviderAdapter> = { tango, 'adobe-vip': adobeVip, frontpayment };
const pairName = (p: LabelledPair) => `${keyOf(p.a)} ~ ${keyOf(p.b)}`;
const unordered = (p: LabelledPair) => [keyOf(p.a), keyOf(p.b)].sort().join(' ~ ');

describe('the labelled linked set', () => {
  test('every labelled record is a seed its simulator serves, under an id its provider accepts', () => {
    for (const r of records) {
      expect([keyOf(r), seeds.has(keyOf(r))]).toEqual([keyOf(r), true]);
      expect(ADAPTERS[r.provider].idRule.validate(r.providerId).error).toBeUndefined();
      expect(seeds.get(keyOf(r))?.displayName).toBe(r.displayName);
    }
    expect(new Set(records.map(keyOf)).size).toBe(records.length);
  });

  test('Adobe’s records are the sandbox reseller’s active customers, which its customer list serves', () => {
    const adobe = new Set(records.filter((r) => r.provider === 'adobe-vip').map((r) => r.providerId));
    const listed = ADOBE_SEEDS.filter((c) => adobe.has(c.customerId ?? ''));
    expect(listed.map((c) => [c.customerId, c.resellerId, c.status])).toEqual(
      listed.map((c) => [c.customerId, ADOBE_SIM_RESELLER_ID, '1000']),
    );
  });

  test('pairs join two labelled records of two providers, once each; truth is whether they are one company', () => {
    for (const p of pairs) {
      expect([pairName(p), companyOf.has(keyOf(p.a)), companyOf.has(keyOf(p.b))]).toEqual([pairName(p), true, true]);
      expect([pairName(p), p.a.provider === p.b.provider]).toEqual([pairName(p), false]);
      const oneCompany = companyOf.get(keyOf(p.a)) === companyOf.get(keyOf(p.b));
      expect([pairName(p), p.truth]).toEqual([pairName(p), oneCompany ? 'same' : 'different']);
    }
    expect(new Set(pairs.map(unordered)).size).toBe(pairs.length);
  });

  test('every cross-provider pair of one company is labelled, and each kind of trap has pairs', () => {
    const labelledPairs = new Set(pairs.map(unordered));
    for (const [i, a] of records.entries())
      for (const b of records.slice(i + 1))
        if (a.company === b.company && a.provider !== b.provider)
          expect(labelledPairs.has([keyOf(a), keyOf(b)].sort().join(' ~ '))).toBe(true);
    const traps: Trap[] = [
      'shared-mailbox',
      'shared-switchboard',
      'same-name-different-city',
      'similar-name-same-city',
      'renamed',
    ];
    for (const trap of traps) expect([trap, pairs.some((p) => p.trap === trap)]).toEqual([trap, true]);
    // The inbox is generic: more than three holders, of different companies.
    expect(generic('email:faktura@regnskapshuset.example.no')).toBe(true);
  });

  test.each(pairs.map((p) => [pairName(p), p] as const))(
    '%s: strong says whether the records share an identifier that is not generic',
    (_name, p) => {
      const b = idsOf.get(keyOf(p.b)) ?? new Set<string>();
      const shared = [...(idsOf.get(keyOf(p.a)) ?? [])].filter((id) => b.has(id));
      expect(shared.some((id) => !generic(id))).toBe(p.strong);
    },
  );

  test.each(searches.filter((s) => s.exact).map((s) => [s.by, s.value, s] as const))(
    'a search by %s %s finds exactly the records that hold it',
    (by, value, s) => {
      const [identifier] = by === 'email' ? email(value) : by === 'phone' ? phone(value, 'NO') : orgNumber(value);
      expect(identifier).toBeDefined();
      expect(holders(identifier ?? '').sort()).toEqual(s.finds.map(keyOf).sort());
    },
  );

  test('a search by name finds labelled records only', () => {
    for (const s of searches.filter((x) => !x.exact))
      for (const r of s.finds) expect([s.value, keyOf(r), companyOf.has(keyOf(r))]).toEqual([s.value, keyOf(r), true]);
  });
});
