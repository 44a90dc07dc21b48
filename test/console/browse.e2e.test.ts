/**
 * The console's many-customer panels in a real browser (playwright-core driving Debian's chromium) against the
 * real gateway in sandbox mode: a provider's list a page at a time with its filters, a row opening the customer,
 * and the box for many ids answered through the batch route.
 *
 *   NODE_OPTIONS=--experimental-vm-modules npx jest test/console/browse.e2e.test.ts
 *
 * As in browser-suite.ts: any script error, CSP violation or request leaving loopback fails the test, and
 * nothing waits a fixed time.
 */
import { jest } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  axeViolations,
  describeInBrowser,
  launchChromium,
  ownConsoleBuild,
  PATIENT_UPSTREAMS,
  screenshot,
  waitForCustomer,
  watchedContext,
} from './browser-kit.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

// A page waits up to 30 s for what it expects (its default timeout), so a test may take longer than 20 s.
jest.setTimeout(60_000);

interface ApiPage {
  data: { providerId: string; displayName: string | null }[];
  links: { next: string | null };
}

describeInBrowser('support console: browsing and many ids', () => {
  let gw: TestGateway;
  let browser: Browser;
  let build: Awaited<ReturnType<typeof ownConsoleBuild>> | undefined;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[];
  let batchRequests: string[];

  const shot = (name: string) => screenshot(page, name);

  /** Every customer of a listing, as the API gives it. */
  async function apiWalk(first: string): Promise<string[]> {
    const ids: string[] = [];
    for (let path: string | null = first; path !== null;) {
      const body = (await (await fetch(`${gw.url}${path}`)).json()) as ApiPage;
      ids.push(...body.data.map((c) => c.providerId));
      path = body.links.next;
    }
    return ids;
  }

  beforeAll(async () => {
    build = await ownConsoleBuild();
    [gw, browser] = await Promise.all([
      startTestGateway({ env: { ...PATIENT_UPSTREAMS, LOG_LEVEL: 'warn' }, consoleDir: build.dir }),
      launchChromium(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
    await build?.remove();
  });

  beforeEach(async () => {
    pageErrors = [];
    batchRequests = [];
    context = await watchedContext(
      browser,
      { width: 1280, height: 900 },
      {
        report: (problem) => pageErrors.push(problem),
        onRequest: (request, url) => url.pathname === '/customers/batch' && batchRequests.push(request.method()),
      },
    );
    page = await context.newPage();
    await page.goto(`${gw.url}/console/`);
    await page.locator('#browse-provider:not([disabled])').waitFor();
  });

  afterEach(async () => {
    await context.close();
    expect(pageErrors).toEqual([]);
  });

  test('lists a provider’s customers page by page, each once, and a row opens the customer', async () => {
    const expected = await apiWalk('/customers/tango?limit=100');
    expect(expected.length).toBeGreaterThan(5);
    await page.getByLabel('Provider to browse').selectOption('tango');
    await page.getByLabel('Per page').selectOption('5');
    await page.getByRole('button', { name: 'List customers' }).click();

    const seen: string[] = [];
    for (let pageNo = 1; ; pageNo += 1) {
      await page.locator('#browse-line', { hasText: `Page ${pageNo}:` }).waitFor();
      seen.push(...(await page.locator('.browse-table tbody td[data-label="Id"]').allTextContents()));
      const next = page.getByRole('button', { name: 'Next page' });
      if ((await next.count()) === 0) break;
      await next.click();
    }
    expect(seen).toEqual(expected);
    expect(await page.locator('#browse-line').textContent()).toMatch(/the last page/);
    await shot('browse-tango');

    // A row opens the customer in the lookup panel, with its deep link.
    await page.getByRole('button', { name: 'First page' }).click();
    await page.locator('#browse-line', { hasText: 'Page 1:' }).waitFor();
    await page.locator('.browse-table').getByRole('link', { name: 'Zanzibar Health Group' }).click();
    await waitForCustomer(page, 'Zanzibar Health Group');
    expect(new URL(page.url()).search).toBe('?provider=tango&id=zanzibar-health');
  });

  test('each provider offers the filters its list takes; a provider without a list is not offered', async () => {
    const browseOptions = await page
      .locator('#browse-provider option')
      .evaluateAll((options) => options.map((o) => (o as { value: string }).value));
    expect(browseOptions).toEqual(['tango', 'adobe-vip']);
    await page.getByLabel('Provider to browse').selectOption('adobe-vip');
    const statuses = await page.locator('#browse-status option').allTextContents();
    expect(statuses).toEqual(['Any status', 'Active', 'Pending', 'Inactive']);
    await page.getByLabel('Customer status').selectOption('pending');
    await page.getByLabel('Name', { exact: true }).fill('Pending');
    await page.getByRole('button', { name: 'List customers' }).click();
    await page.locator('#browse-line', { hasText: 'Page 1:' }).waitFor();
    const names = await page.locator('.browse-table tbody td[data-label="Name"]').allTextContents();
    const api = (await (await fetch(`${gw.url}/customers/adobe-vip?status=pending&name=Pending`)).json()) as ApiPage;
    expect(names).toEqual(api.data.map((c) => c.displayName ?? c.providerId));
  });

  test('pasted ids are answered in one table through the batch route, in order; a found row opens', async () => {
    await page.getByLabel('Provider of the ids').selectOption('tango');
    await page
      .getByLabel('Customer ids')
      .fill('zanzibar-health\nno-such-customer, abc\n  acme-wellness  zanzibar-health');
    await page.getByRole('button', { name: 'Look up all' }).click();
    await page.locator('#batch-line', { hasText: '3 of 5 found.' }).waitFor();
    expect(batchRequests).toEqual(['POST']);
    const rows = page.locator('.batch-table tbody tr');
    expect(
      await rows.evaluateAll((trs) => trs.map((tr) => (tr as { dataset: { status: string } }).dataset.status)),
    ).toEqual(['200', '404', '400', '200', '200']);
    expect(await rows.locator('td[data-label="Id"]').allTextContents()).toEqual([
      'zanzibar-health',
      'no-such-customer',
      'abc',
      'acme-wellness',
      'zanzibar-health',
    ]);
    expect(await rows.nth(1).textContent()).toContain('Customer not found');
    expect(await rows.nth(2).textContent()).toContain('Invalid request');
    await shot('batch-tango');
    expect(await axeViolations(page)).toEqual([]);

    await rows.nth(3).getByRole('link', { name: 'Acme Wellness' }).click();
    await waitForCustomer(page, 'Acme Wellness');
  });

  test('more than 100 ids are refused in the field, and nothing is sent', async () => {
    await page.getByLabel('Customer ids').fill(Array.from({ length: 101 }, (_, i) => `synthetic-${i}`).join('\n'));
    await page.getByRole('button', { name: 'Look up all' }).click();
    await page.locator('#batch-ids-error', { hasText: '101 ids: at most 100 at once.' }).waitFor();
    expect(await page.getByLabel('Customer ids').getAttribute('aria-invalid')).toBe('true');
    expect(batchRequests).toEqual([]);
  });

  test('Tango accounts show balances; when only the accounts read fails, the card says they are missing', async () => {
    await page.goto(`${gw.url}/console/?provider=tango&id=aeroskobing-velvaere`);
    await page.locator('.card-accounts td[data-label="Balance"]', { hasText: '€99.99' }).waitFor();

    gw.sim('tango').inject({ fault: { kind: 'status', status: 503 }, match: '/accounts' });
    try {
      await page.goto(`${gw.url}/console/?provider=tango&id=dormant-holdings`);
      await page.locator('#partial-notice', { hasText: 'Balances are not shown' }).waitFor();
      expect(await page.locator('#customer-name').textContent()).toBe('Dormant Holdings');
      const balances = await page.locator('.card-accounts td[data-label="Balance"]').allTextContents();
      expect(balances.every((text) => text.includes('not known'))).toBe(true);
      await shot('partial-balances');
    } finally {
      gw.sim('tango').clearFaults();
    }
  });
});
