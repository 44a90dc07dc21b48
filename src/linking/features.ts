/**
 * What linking reads of a record in the common model: its normalised identifiers, name and places, each with the
 * field path it came from. The national id is never read: it is not a key and never evidence.
 */
import type { CountryCode } from 'libphonenumber-js';
import type { Address, Customer } from '../core/model.js';
import { normalizeEmail } from './email.js';
import { foldName, foldText } from './names.js';
import { normalizeOrgNumber } from './org-number.js';
import { isSupportedCountry, normalizePhone } from './phone.js';
import type { Identifier, RecordFeatures, StrongFeature } from './types.js';

interface Located {
  value: string;
  path: string;
}

/** The address a record's country is read from: where it is billed, else where it is registered, else shipped. */
const COUNTRY_ORDER: readonly Address['type'][] = ['billing', 'company', 'shipping'];

/** A phone without country code is read in the record's country, else in `defaultRegion`. */
export function featuresOf(customer: Customer, defaultRegion: CountryCode): RecordFeatures {
  const country = countryOf(customer.addresses);
  const region = isSupportedCountry(country?.value) ? country.value : defaultRegion;
  const phone = (raw: string | null, path: string, where: CountryCode = region) =>
    strong('phone', normalizePhone(raw, where), path);
  const candidates = [
    strong('email', normalizeEmail(customer.email), 'email'),
    ...customer.contacts.map((contact, i) => strong('email', normalizeEmail(contact.email), `contacts[${i}].email`)),
    ...customer.accounts.map((account, i) =>
      strong('email', normalizeEmail(account.contactEmail), `accounts[${i}].contactEmail`),
    ),
    phone(customer.phone, 'phone'),
    ...customer.contacts.map((contact, i) => phone(contact.phone, `contacts[${i}].phone`)),
    // An address's phone belongs to that address's country when it names one.
    ...customer.addresses.map((address, i) =>
      phone(address.phone, `addresses[${i}].phone`, isSupportedCountry(address.country) ? address.country : region),
    ),
    strong(
      'orgNumber',
      normalizeOrgNumber(customer.organization?.registrationNumber, country?.value),
      'organization.registrationNumber',
    ),
  ];
  return {
    identifiers: distinct(candidates, (id) => `${id.feature}:${id.value}`),
    name: nameOf(customer),
    country,
    cities: distinct(
      customer.addresses.map((address, i) => located(foldText(address.city), `addresses[${i}].city`)),
      (city) => city.value,
    ),
    postalCodes: distinct(
      customer.addresses.map((address, i) =>
        located(address.postalCode?.replace(/\s+/g, '').toUpperCase(), `addresses[${i}].postalCode`),
      ),
      (code) => code.value,
    ),
  };
}

/** The organisation's name, else the display name, else the first contact's first and last name. */
function nameOf(customer: Customer): Located | null {
  const names = [
    located(foldName(customer.organization?.name), 'organization.name'),
    located(foldName(customer.displayName), 'displayName'),
    ...customer.contacts.map((contact, i) =>
      located(foldName(`${contact.firstName ?? ''} ${contact.lastName ?? ''}`), `contacts[${i}]`),
    ),
  ];
  return names.find((name) => name !== null) ?? null;
}

function countryOf(addresses: Address[]): Located | null {
  for (const type of COUNTRY_ORDER) {
    const i = addresses.findIndex((address) => address.type === type && address.country?.trim());
    const value = addresses[i]?.country?.trim().toUpperCase();
    if (value) return { value, path: `addresses[${i}].country` };
  }
  return null;
}

function strong(feature: StrongFeature, value: string | null, path: string): Identifier | null {
  return value === null ? null : { feature, value, path };
}

function located(value: string | null | undefined, path: string): Located | null {
  return value ? { value, path } : null;
}

/** The items present, one per key, each at the first path it was seen. */
function distinct<T>(items: (T | null)[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item): item is T => item !== null && !seen.has(key(item)) && (seen.add(key(item)), true));
}
