/**
 * The browser tests' own `--disable-features` replaces playwright-core's (Chromium reads only the last one), so it
 * must repeat every feature playwright-core disables. This reads them where playwright-core keeps them: an upgrade
 * that adds one fails here, not as a browser test that behaves differently.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PLAYWRIGHT_DISABLED_FEATURES } from './browser-kit.js';

test('the browser kit disables every feature playwright-core disables', () => {
  const bundle = readFileSync(createRequire(import.meta.url).resolve('playwright-core/lib/coreBundle'), 'utf8');
  const list = /\bdisabledFeatures = \[([^\]]*)\]/.exec(bundle)?.[1];
  if (list === undefined) throw new Error('playwright-core no longer declares `disabledFeatures = [...]`');
  const theirs = [...list.matchAll(/"([^"]+)"/g)].map((match) => match[1]);
  expect(theirs.length).toBeGreaterThan(5);
  expect(PLAYWRIGHT_DISABLED_FEATURES).toEqual(expect.arrayContaining(theirs));
});
