/**
 * The process itself: a bad configuration stops it with one line naming the variable; no configuration at all
 * starts the sandbox and logs a ready-to-paste curl. Every refusal takes the same path in `src/server.ts` (a
 * `ConfigError` from `loadConfig`, its message written as the one line, exit code 1): one of them is run as a real
 * process, and the others are checked on the same `loadConfig` call with the same line, without a process start
 * each (those cost seconds on a loaded 2-core machine).
 */
import { ConfigError, loadConfig } from '../../config/index.js';
import { adapters } from '../../providers/index.js';
import { runServer } from '../support/server-process.js';

test('with TANGO_TIMEOUT_MS=abc the process exits 1, printing one line naming the variable, no more', async () => {
  const run = await runServer({ TANGO_TIMEOUT_MS: 'abc' });
  expect(run.code).toBe(1);
  // Not even node's own warnings: the line is all there is.
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^Configuration error: .*TANGO_TIMEOUT_MS/);
  expect(run.stdout).toBe('');
}, 90_000);

test.each([
  ['PROVIDERS=nope', { PROVIDERS: 'nope' }, 'PROVIDERS'],
  ['NODE_ENV=production without TANGO_BASE_URL', { NODE_ENV: 'production' }, 'TANGO_BASE_URL'],
  [
    'TANGO_BASE_URL without credentials',
    { TANGO_BASE_URL: 'https://integration-api.tangocard.com/raas/v2' },
    'TANGO_PLATFORM_NAME',
  ],
])('with %s the configuration is refused in the one line the process prints', (_name, env, variable) => {
  let refusal: unknown;
  try {
    loadConfig(env, adapters);
  } catch (error) {
    refusal = error;
  }
  expect(refusal).toBeInstanceOf(ConfigError);
  const line = (refusal as ConfigError).message;
  expect(line).toMatch(/^Configuration error: /);
  expect(line).toContain(variable);
  expect(line).not.toContain('\n');
});

test('with no configuration the process starts the sandbox, logs a curl per provider, stops on SIGTERM', async () => {
  const run = await runServer({}, (out) =>
    /curl -s http:\/\/localhost:\d+\/customers\/tango\/zanzibar-health/.test(out),
  );
  expect(run.stdout).toMatch(/curl -s http:\/\/localhost:\d+\/customers\/tango\/zanzibar-health/);
  expect(run.code).toBe(0);
}, 90_000);

test('the sandbox crawls its simulators into the search index at start', async () => {
  // Adobe's simulator has no rate limit: its crawl finishes in moments; Tango's (1 request per second) goes on.
  const adobeCrawled = (out: string) => /"provider":"adobe-vip".*"msg":"index crawl finished"/.test(out);
  const run = await runServer({ LOG_LEVEL: 'info' }, adobeCrawled);
  expect(run.stdout).toMatch(/"provider":"tango".*"msg":"index crawl started"/);
  expect(adobeCrawled(run.stdout)).toBe(true);
  expect(run.code).toBe(0);
}, 90_000);
