/**
 * Adobe's share of the linked data set (test/fixtures/linked-set.ts labels it): Nordic companies that are also
 * customers of Tango or Frontpayment, and the traps a matcher must not fall into. What ties an Adobe customer to a
 * record elsewhere is its contacts' e-mails and phones, the address's phone, country, city and postal code; Adobe
 * holds no organisation number. Phones are written as people type them: `+47 55 12 34 56`, `0047 55123456`,
 * `55123456` with the address in Norway, `031-712 34 56` in Sweden. All of them are reseller 5556667778's
 * active (1000) customers, so that its customer list, and the crawl that walks it, serves them. Every domain is
 * an example domain.
 */
import type { AdobeAddress, AdobeContact, AdobeCustomer } from './schema.js';

const RESELLER_ID = '5556667778';

/** An active COM customer of the sandbox reseller, with one company address and its contacts. */
function nordic(
  customerId: string,
  companyName: string,
  address: AdobeAddress,
  contacts: AdobeContact[],
  preferredLanguage = 'nb-NO',
): AdobeCustomer {
  return {
    externalReferenceId: `nordic-${customerId.slice(-4)}`,
    customerId,
    resellerId: RESELLER_ID,
    globalSalesEnabled: false,
    companyProfile: {
      companyName,
      preferredLanguage,
      marketSegment: 'COM',
      marketSubSegments: [],
      address,
      contacts,
    },
    discounts: [{ offerType: 'LICENSE', level: '01' }],
    cotermDate: '2025-09-01',
    creationDate: '2024-09-01T09:00:00Z',
    status: '1000',
    links: { self: { uri: `/v3/customers/${customerId}`, method: 'GET', headers: [] } },
  };
}

/** A Norwegian company address (ISO 3166-2:NO county in `region`). */
const norway = (
  addressLine1: string,
  postalCode: string,
  city: string,
  region: string,
  phoneNumber?: string,
): AdobeAddress => ({
  country: 'NO',
  region,
  city,
  addressLine1,
  postalCode,
  ...(phoneNumber === undefined ? {} : { phoneNumber }),
});

export const ADOBE_LINKED_SEEDS: AdobeCustomer[] = [
  // Fjord Fisk AS of Frontpayment and Tango, without its suffix: the phone two more ways, the e-mail in mixed case.
  nordic('P1047550001', 'Fjord Fisk', norway('Strandkaien 2', '5013', 'Bergen', '46', '0047 55123456'), [
    { firstName: 'Sigrid', lastName: 'Vik', email: 'Post@FjordFisk.example.no', phoneNumber: '+47 55 12 34 56' },
  ]),
  // Nordlys Energi AS of Frontpayment and Tango: the address's phone without a country code (the address says NO).
  nordic('P1047770001', 'Nordlys Energi', norway('Storgata 40', '9008', 'Tromsø', '55', '77601234'), [
    { firstName: 'Ingrid', lastName: 'Johansen', email: 'Post@Nordlys.example.no', phoneNumber: '+47 77 60 12 34' },
  ]),
  // Bjørnstad Bygg AS of Frontpayment: the switchboard with 00 for +, the e-mail capitalised; the contact's mobile
  // is the owner's own, which Frontpayment does not have.
  nordic('P1047730001', 'Bjørnstad Bygg', norway('Kjøpmannsgata 12', '7010', 'Trondheim', '50', '0047 73506070'), [
    {
      firstName: 'Håkon',
      lastName: 'Bjørnstad',
      email: 'Firmapost@Bjornstad-Bygg.example.no',
      phoneNumber: '+47 917 11 223',
    },
  ]),
  // The Swedish garden firm of Frontpayment and Tango: a Swedish national number, the postal code without its space.
  nordic(
    'P1046310001',
    'Åkesson Trädgård',
    {
      country: 'SE',
      region: 'O',
      city: 'Göteborg',
      addressLine1: 'Kungsgatan 5',
      postalCode: '41119',
      phoneNumber: '031-712 34 56',
    },
    [{ firstName: 'Märta', lastName: 'Åkesson', email: 'Info@Akesson-Tradgard.example.com' }],
    'sv-SE',
  ),
  // Solsikke Frisør AS of Frontpayment: its e-mail is its accountant's shared inbox; its phone is its own.
  nordic('P1047510001', 'Solsikke Frisør', norway('Kirkegata 3', '4006', 'Stavanger', '11', '+47 51 89 01 23'), [
    { firstName: 'Camilla', lastName: 'Solberg', email: 'Faktura@Regnskapshuset.example.no' },
  ]),
  // Three more clients of the same accounting firm, each with the firm's inbox as its e-mail.
  nordic('P1047510002', 'Krokvik Kafé', norway('Øvre Holmegate 7', '4006', 'Stavanger', '11', '51 53 70 80'), [
    { firstName: 'Lars', lastName: 'Krokvik', email: 'faktura@regnskapshuset.example.no' },
  ]),
  nordic('P1047510003', 'Tindeland Sykkel', norway('Langgata 48', '4306', 'Sandnes', '11', '0047 51 66 77 88'), [
    { firstName: 'Siri', lastName: 'Tindeland', email: 'faktura@regnskapshuset.example.no' },
  ]),
  // Vågen Blomster of Tango: the same shop, but the shared inbox is all the two records have in common.
  nordic('P1047510004', 'Vågen Blomster', norway('Skagen 12', '4006', 'Stavanger', '11', '51 84 20 20'), [
    { firstName: 'Åse', lastName: 'Vågen', email: 'Faktura@regnskapshuset.example.no' },
  ]),
  // Skjærgård Kajakk of Tango (spelt Skjaergaard there).
  nordic('P1047370001', 'Skjærgård Kajakk AS', norway('Langbryggen 3', '4836', 'Arendal', '42', '37 00 12 34'), [
    {
      firstName: 'Øystein',
      lastName: 'Lunde',
      email: 'booking@skjaergard-kajakk.example.no',
      phoneNumber: '+47 37 00 12 34',
    },
  ]),
  // Grønn Vekst AS of Frontpayment: a person's e-mail here, the office's there; only the phone is shared.
  nordic('P1047220001', 'Grønn Vekst AS', norway('Prinsens gate 8', '0152', 'Oslo', '03', '+47 22 33 44 55'), [
    { firstName: 'Marte', lastName: 'Berg', email: 'marte.berg@gronnvekst.example.no' },
  ]),
  // Brattli Advokatfirma AS of Frontpayment. Its switchboard is shared with the architects next door (below).
  nordic('P1047550002', 'Brattli Advokatfirma', norway('Olav Kyrres gate 22', '5014', 'Bergen', '46', '55 90 80 70'), [
    { firstName: 'Eirik', lastName: 'Brattli', email: 'Post@Brattli-Advokat.example.no', phoneNumber: '91234567' },
  ]),
  // A different company in the same building, answering on the same switchboard: a shared phone, not the same firm.
  nordic(
    'P1047550003',
    'Fjellheim Arkitekter',
    norway('Olav Kyrres gate 22', '5014', 'Bergen', '46', '+47 55 90 80 70'),
    [{ firstName: 'Astrid', lastName: 'Fjellheim', email: 'astrid@fjellheim-ark.example.no' }],
  ),
  // Nordvik Maskin of Bodø: the name of the Ålesund company at Frontpayment and Tango, and nothing else in common.
  nordic('P1047750001', 'Nordvik Maskin', norway('Storgata 1', '8006', 'Bodø', '18', '75 52 31 40'), [
    {
      firstName: 'Tor',
      lastName: 'Nordvik',
      email: 'tor@nordvikmaskin-bodo.example.no',
      phoneNumber: '+47 75 52 31 40',
    },
  ]),
  // Havørn Media AS of Frontpayment under its former name: the names disagree, the e-mail and phone both agree.
  nordic('P1047750002', 'Ørnes Reklame', norway('Dronningens gate 15', '8006', 'Bodø', '18', '75 50 60 70'), [
    { firstName: 'Kjersti', lastName: 'Ørnes', email: 'post@havorn-media.example.no', phoneNumber: '75 50 60 70' },
  ]),
  // A similar name in the same town as Lysaker Elektro AS of Frontpayment: at most a possible, never the same.
  nordic('P1047670001', 'Lysaker Elektronikk', norway('Lysaker torg 12', '1366', 'Lysaker', '32', '67 10 55 00'), [
    { firstName: 'Nina', lastName: 'Aas', email: 'salg@lysaker-elektronikk.example.com' },
  ]),
];
