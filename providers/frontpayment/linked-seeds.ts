/**
 * Frontpayment's share of the linked data set (test/fixtures/linked-set.ts labels it): corporate customers that
 * are also customers of Tango or Adobe VIP, and the traps a matcher must not fall into. Frontpayment is the only
 * provider with an organisation number (`organizationId`); the Norwegian ones pass the mod 11 check. Phones are a
 * country code and an msisdn, written with and without spaces and with and without the `+`. Frontpayment cannot
 * list, so these records reach the index only through lookups. Every domain is an example domain.
 *
 * Fjord Fisk AS, the existing seed CSRT1800000001, is part of the set as it stands (its organisation number
 * 987654321 fails the mod 11 check, so only its e-mail and phone tie it to the others).
 */
import type { FrontpaymentAddress, FrontpaymentCustomer } from './schema.js';

interface Corporate {
  uuid: string;
  name: string;
  organizationId: string;
  countryCode: string;
  msisdn: string;
  email: string;
  billing: FrontpaymentAddress;
  shipping?: FrontpaymentAddress;
  preferredLanguage?: string;
}

/** A corporate customer as Frontpayment's details endpoint answers it. */
const corporate = (c: Corporate): FrontpaymentCustomer => ({
  uuid: c.uuid,
  type: 'Corporate',
  name: c.name,
  countryCode: c.countryCode,
  msisdn: c.msisdn,
  organizationId: c.organizationId,
  personalNumber: null,
  email: c.email,
  preferredLanguage: c.preferredLanguage ?? 'no',
  status: 'Active',
  addresses: { billing: c.billing, shipping: c.shipping ?? null },
});

const address = (uuid: string, street: string, zip: string, city: string, country = 'NO'): FrontpaymentAddress => ({
  uuid,
  street,
  zip,
  city,
  country,
});

export const FRONTPAYMENT_LINKED_SEEDS: FrontpaymentCustomer[] = [
  // Nordlys Energi of Tango and Adobe; the country code without its `+`, and a depot in another town.
  corporate({
    uuid: 'CSRT2100000001',
    name: 'Nordlys Energi AS',
    organizationId: '913728467',
    countryCode: '47',
    msisdn: '77601234',
    email: 'post@nordlys.example.no',
    billing: address('ADRS2100000011', 'Storgata 40', '9008', 'Tromsø'),
    shipping: address('ADRS2100000012', 'Strandgata 12', '9600', 'Hammerfest'),
  }),
  // Bjørnstad Bygg of Adobe.
  corporate({
    uuid: 'CSRT2100000002',
    name: 'Bjørnstad Bygg AS',
    organizationId: '920581730',
    countryCode: '+47',
    msisdn: '73 50 60 70',
    email: 'firmapost@bjornstad-bygg.example.no',
    billing: address('ADRS2100000021', 'Kjøpmannsgata 12', '7010', 'Trondheim'),
  }),
  // The Swedish garden firm of Tango and Adobe. Its organisationsnummer (10 digits, Luhn) breaks the 9 digits
  // Frontpayment's order payloads ask of Norwegian companies: [INFERRED] a Swedish customer keeps its own number.
  corporate({
    uuid: 'CSRT2100000003',
    name: 'Åkesson Trädgård AB',
    organizationId: '5568713423',
    countryCode: '+46',
    msisdn: '31 712 34 56',
    email: 'info@akesson-tradgard.example.com',
    preferredLanguage: 'sv',
    billing: address('ADRS2100000031', 'Kungsgatan 5', '411 19', 'Göteborg', 'SE'),
  }),
  // Solsikke Frisør of Adobe: the accountant's shared inbox as its e-mail, its own phone.
  corporate({
    uuid: 'CSRT2100000004',
    name: 'Solsikke Frisør AS',
    organizationId: '814673022',
    countryCode: '+47',
    msisdn: '51890123',
    email: 'faktura@regnskapshuset.example.no',
    billing: address('ADRS2100000041', 'Kirkegata 3', '4006', 'Stavanger'),
  }),
  // Another client of the same accounting firm, with the firm's inbox in upper case.
  corporate({
    uuid: 'CSRT2100000005',
    name: 'Lillevik Rørlegger AS',
    organizationId: '996245187',
    countryCode: '+47',
    msisdn: '51 62 33 44',
    email: 'FAKTURA@regnskapshuset.example.no',
    billing: address('ADRS2100000051', 'Langgata 20', '4306', 'Sandnes'),
  }),
  // Grønn Vekst of Adobe: the office's e-mail here, a person's there; the phone is what they share.
  corporate({
    uuid: 'CSRT2100000006',
    name: 'Grønn Vekst AS',
    organizationId: '917352607',
    countryCode: '+47',
    msisdn: '22334455',
    email: 'post@gronnvekst.example.no',
    billing: address('ADRS2100000061', 'Prinsens gate 8', '0152', 'Oslo'),
  }),
  // Brattli Advokatfirma of Adobe, on the switchboard it shares with Fjellheim Arkitekter (Adobe).
  corporate({
    uuid: 'CSRT2100000007',
    name: 'Brattli Advokatfirma AS',
    organizationId: '928146375',
    countryCode: '+47',
    msisdn: '55908070',
    email: 'post@brattli-advokat.example.no',
    billing: address('ADRS2100000071', 'Olav Kyrres gate 22', '5014', 'Bergen'),
  }),
  // Nordvik Maskin of Ålesund (and of Tango); Adobe's Nordvik Maskin is another company, in Bodø.
  corporate({
    uuid: 'CSRT2100000008',
    name: 'Nordvik Maskin AS',
    organizationId: '982461758',
    countryCode: '+47',
    msisdn: '70 11 22 33',
    email: 'post@nordvik-maskin.example.no',
    billing: address('ADRS2100000081', 'Keiser Wilhelms gate 9', '6002', 'Ålesund'),
  }),
  // Havørn Media, called Ørnes Reklame at Adobe, which still has its name from before the change.
  corporate({
    uuid: 'CSRT2100000009',
    name: 'Havørn Media AS',
    organizationId: '912584038',
    countryCode: '+47',
    msisdn: '75506070',
    email: 'post@havorn-media.example.no',
    billing: address('ADRS2100000091', 'Dronningens gate 15', '8006', 'Bodø'),
  }),
  // Lysaker Elektro: a name like Adobe's Lysaker Elektronikk, in the same town, and a different company.
  corporate({
    uuid: 'CSRT2100000010',
    name: 'Lysaker Elektro AS',
    organizationId: '819305625',
    countryCode: '+47',
    msisdn: '67 10 20 30',
    email: 'post@lysaker-elektro.example.no',
    billing: address('ADRS2100000101', 'Lysaker torg 5', '1366', 'Lysaker'),
  }),
];
