/**
 * What every browser test file shares: Debian's chromium driven by playwright-core (no browser download, and only
 * the flags the closed network allows), the switch that skips without a browser, and screenshots on demand.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
/** Runs whenever the browser exists, and always with CI=true, where a missing browser must fail, not skip. */
export const describeInBrowser = existsSync(CHROMIUM) || process.env.CI === 'true' ? describe : describe.skip;

export const ARTIFACTS = join(process.cwd(), 'test', 'artifacts');
/** Full-page screenshots cost about half a second each on this machine: taken for review on demand only. */
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === '1';

/** axe-core's source, evaluated in a page over the DevTools protocol (which the page's CSP does not govern). */
export const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** With CONSOLE_SCREENSHOTS=1, the whole page to test/artifacts/console-<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: join(ARTIFACTS, `console-${name}.png`), fullPage: true });
}
