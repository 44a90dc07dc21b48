/**
 * Tango's share of the linked data set (test/fixtures/linked-set.ts labels it): companies that are also customers
 * of Adobe VIP or Frontpayment. A Tango customer carries only a display name; what ties it to a record elsewhere
 * is the contact e-mail of its accounts, which only the accounts endpoint answers. Names and e-mails are written
 * as another system would have them: the legal suffix kept or dropped, ø and å spelled out, the e-mail in
 * another case. Every domain is an example domain. Tango has no NOK or SEK accounts, so these budgets are in EUR.
 */
import type { TangoAccount, TangoCustomer } from './schema.js';

/** As the simulator holds its customers: Tango may add fields, so a seed may carry more. */
type SeededCustomer = TangoCustomer & { accounts: TangoAccount[] } & Record<string, unknown>;

/** One EUR budget of the customer, with the contact e-mail Tango holds for it. */
function budget(
  accountIdentifier: string,
  accountNumber: string,
  displayName: string,
  contactEmail: string,
  currentBalance: number,
): TangoAccount {
  return {
    accountIdentifier,
    accountNumber,
    displayName,
    createdAt: '2024-09-02T08:30:00.000Z',
    status: 'ACTIVE',
    currencyCode: 'EUR',
    currentBalance,
    contactEmail,
  };
}

const customer = (customerIdentifier: string, displayName: string, accounts: TangoAccount[]): SeededCustomer => ({
  customerIdentifier,
  displayName,
  status: 'ACTIVE',
  createdAt: '2024-09-02T08:00:00.000Z',
  accounts,
});

export const TANGO_LINKED_SEEDS: SeededCustomer[] = [
  // Fjord Fisk in Bergen, also at Frontpayment (`Fjord Fisk AS`) and Adobe (`Fjord Fisk`): the e-mail upper-cased.
  customer('fjord-fisk', 'Fjord Fisk AS', [
    budget('fjord-fisk-gaver', 'A60000001', 'Kundegaver', 'POST@FJORDFISK.EXAMPLE.NO', 420),
  ]),
  // Nordlys Energi in Tromsø, in all three providers; a second budget has the payroll office's own address.
  customer('nordlys-energi', 'Nordlys Energi AS', [
    budget('nordlys-main', 'A60000002', 'Main budget', 'post@nordlys.example.no', 2500),
    budget('nordlys-lonn', 'A60000003', 'Lønn og personal', 'lonn@nordlys.example.no', 310),
  ]),
  // The Swedish garden firm, its name without its å and ä as an English-language system keeps it.
  customer('akesson-tradgard', 'Akesson Tradgard AB', [
    budget('akesson-main', 'A60000004', 'Main budget', 'info@akesson-tradgard.example.com', 75),
  ]),
  // A flower shop whose accountant's shared inbox is its only e-mail here (and at Adobe): a generic mailbox.
  customer('vagen-blomster', 'Vågen Blomster', [
    budget('vagen-main', 'A60000005', 'Main budget', 'faktura@regnskapshuset.example.no', 40),
  ]),
  // Skjærgård Kajakk (Adobe), transliterated: æ as ae, å as aa, no legal suffix.
  customer('skjaergard-kajakk', 'Skjaergaard Kajakk', [
    budget('skjaergard-main', 'A60000006', 'Main budget', 'Booking@Skjaergard-Kajakk.example.no', 120),
  ]),
  // Nordvik Maskin of Ålesund (Frontpayment), not the Nordvik Maskin of Bodø (Adobe): only the e-mail tells.
  customer('nordvik-maskin', 'Nordvik Maskin AS', [
    budget('nordvik-main', 'A60000007', 'Main budget', 'Post@Nordvik-Maskin.example.no', 990),
  ]),
];
