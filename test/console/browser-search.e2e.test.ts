/** The support console in a real browser, part `search` (test/console/browser-suite.ts has the whole suite). */
import { consoleBrowserSuite } from './browser-suite.js';

consoleBrowserSuite('search');
