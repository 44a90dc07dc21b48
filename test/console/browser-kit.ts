/**
 * What every browser test file shares: Debian's chromium driven by playwright-core (no browser download, and only
 * the flags the closed network allows), the switch that skips without a browser, and screenshots on demand.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConsole } from '../../console/build.js';
import { adapters } from '../../providers/index.js';
import { envPrefix } from '../../src/core/provider.js';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
/** Runs whenever the browser exists, and always with CI=true, where a missing browser must fail, not skip. */
export const describeInBrowser = existsSync(CHROMIUM) || process.env.CI === 'true' ? describe : describe.skip;

export const ARTIFACTS = join(process.cwd(), 'test', 'artifacts');
/** Full-page screenshots cost about half a second each on this machine: taken for review on demand only. */
const SCREENSHOTS = process.env.CONSOLE_SCREENSHOTS === '1';

/** axe-core's source, evaluated in a page over the DevTools protocol (which the page's CSP does not govern). */
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now, each with the elements it names. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  return page.evaluate<string[]>(`axe.run(document).then((result) =>
    result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id + ' (' + v.nodes.map((n) => n.target.join(' ')).join(', ') + ')'))`);
}

/**
 * This test file's own build of the console, in a temporary directory (other files build theirs at the same time,
 * in parallel workers), with test/artifacts/ made for screenshots. `remove` deletes the build.
 */
export async function ownConsoleBuild(): Promise<{ dir: string; remove(): Promise<void> }> {
  await mkdir(ARTIFACTS, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'console-e2e-'));
  const { outDir } = await buildConsole({ outDir: join(work, 'console') });
  return { dir: outDir, remove: () => rm(work, { recursive: true, force: true }) };
}

/**
 * The features playwright-core disables on its own command line (its `chromiumSwitches`). Chromium reads only the
 * last `--disable-features`, so ours repeats them; `test/console/browser-kit.test.ts` checks the list still
 * covers playwright-core's.
 */
export const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
];

/**
 * Chromium 156 builds its address bar's popups (web pages of their own, in a renderer of their own) for every new
 * window, which here is every test's page: about 1 s of CPU each on this machine, for a popup nobody opens.
 */
const UNUSED_BROWSER_UI = [
  'WebUIOmniboxPopup',
  'WebUIOmniboxAimPopup',
  'WebUIOmniboxFullPopup',
  'PreloadTopChromeWebUI',
];

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
      `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...UNUSED_BROWSER_UI].join(',')}`,
      // Each test's new context would otherwise start a renderer process of its own (about 0.3 s of CPU each); the
      // tests' pages are all on loopback and trusted, so one renderer may serve them in turn.
      '--renderer-process-limit=1',
    ],
  });
}

/** With CONSOLE_SCREENSHOTS=1, the whole page to test/artifacts/console-<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: join(ARTIFACTS, `console-${name}.png`), fullPage: true });
}

export interface Watch {
  /** A problem no test expects: a script error, a CSP violation, a request leaving loopback. */
  report(problem: string): void;
  /** Every request a page of the context makes. */
  onRequest?(request: Request, url: URL): void;
}

/**
 * A new context whose pages report their problems: script errors, console errors other than the 4xx/5xx answers
 * tests provoke on purpose, Content-Security-Policy violations (the page's `securitypolicyviolation` events,
 * over a binding that the page's CSP does not govern) and requests that leave loopback.
 */
export async function watchedContext(
  browser: Browser,
  viewport: { width: number; height: number },
  watch: Watch,
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  await context.exposeBinding('reportCspViolation', (_source, text: string) => watch.report(`csp: ${text}`));
  // Installed over the DevTools protocol before any script of the page runs; the page's CSP does not govern it.
  await context.addInitScript(`document.addEventListener('securitypolicyviolation', (e) =>
    window.reportCspViolation(e.effectiveDirective + ' refused ' + (e.blockedURI || 'inline')
      + ' (' + e.sourceFile + ':' + e.lineNumber + ')'))`);
  context.on('page', (page) => {
    // Generous: a page that usually settles in well under a second once took over 10 s on a loaded machine.
    page.setDefaultTimeout(30_000);
    page.on('pageerror', (error) => watch.report(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      // Chromium logs every 4xx/5xx answer as a console error; the tests provoke those on purpose.
      if (message.type() === 'error' && !/status of (4|5)\d\d/.test(message.text()))
        watch.report(`console: ${message.text()}`);
    });
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.hostname !== '127.0.0.1') watch.report(`external request: ${request.url()}`);
      watch.onRequest?.(request, url);
    });
  });
  return context;
}

/**
 * Upstream timeouts for a browser test's gateway: long enough that a loaded machine (three browsers starting at once)
 * gives a slow answer rather than a 504 (a 3 s attempt timeout was once exceeded). No browser test waits for one.
 */
export const PATIENT_UPSTREAMS: Record<string, string> = Object.fromEntries(
  adapters.flatMap((a) => [
    [`${envPrefix(a.id)}_TIMEOUT_MS`, '20000'],
    [`${envPrefix(a.id)}_DEADLINE_MS`, '25000'],
  ]),
);

/**
 * Waits until the customer card shows `name`; if it never does, the error says what the page showed instead (its
 * status line, a problem, another customer), so that a failure in CI can be read without a rerun.
 */
export async function waitForCustomer(page: Page, name: string): Promise<void> {
  try {
    await page.locator('#customer-name', { hasText: name }).waitFor();
  } catch (error) {
    const read = (selector: string) =>
      page
        .locator(selector)
        .first()
        .textContent({ timeout: 1000 })
        .catch(() => null);
    const [status, problem, shown] = await Promise.all([
      read('#status'),
      read('section.problem'),
      read('#customer-name'),
    ]);
    const seen = JSON.stringify({ url: page.url(), status, problem, shown });
    throw new Error(`the customer "${name}" never showed; the page showed ${seen}`, { cause: error });
  }
}

/** Waits until the page's status line matches; if it never does, the error says what it says instead. */
export async function waitForStatus(page: Page, pattern: RegExp): Promise<void> {
  const status = page.locator('#status');
  try {
    await status.filter({ hasText: pattern }).waitFor();
  } catch (error) {
    const text = await status.textContent().catch(() => null);
    throw new Error(`the status line never matched ${String(pattern)}; it says: ${JSON.stringify(text)}`, {
      cause: error,
    });
  }
}
