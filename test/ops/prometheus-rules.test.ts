/**
 * The alert rules: `promtool check rules` accepts them, `promtool test rules` runs their unit tests (alerts firing
 * and staying quiet, the drill of a failing provider among them), and every alert names its runbook section in
 * docs/operations.md. promtool is the distribution's (`apt-get install prometheus`; the server is never started):
 * without it these tests are skipped on a developer's machine and fail in CI.
 */
import { jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { RULES_FILE, ruleGroups } from './prometheus-rule.js';

const RULES_TEST_FILE = resolve(RULES_FILE, '../rules.test.yaml');
/** The tests whose series span hours, evaluated every 5 minutes instead of every minute. */
const LONG_RULES_TEST_FILE = resolve(RULES_FILE, '../rules-long.test.yaml');
const OPERATIONS_DOC = resolve(RULES_FILE, '../../../docs/operations.md');
const PROMTOOL = process.env.PROMTOOL_BIN ?? 'promtool';

const promtoolFound = spawnSync(PROMTOOL, ['--version'], { encoding: 'utf8' }).status === 0;
const inCI = process.env.CI === 'true';

function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync(PROMTOOL, args, { encoding: 'utf8', timeout: 280_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

if (!promtoolFound && inCI) {
  test('promtool is installed (CI must run the rules’ checks: apt-get install prometheus)', () => {
    expect(`${PROMTOOL} found`).toBe(`${PROMTOOL} not found`);
  });
}

const withPromtool = promtoolFound ? describe : describe.skip;
if (!promtoolFound && !inCI)
  process.stderr.write(`test/ops: promtool not found, rules checks skipped (apt-get install prometheus)\n`);

// promtool's unit tests evaluate days of series: seconds alone, far more on a loaded machine.
jest.setTimeout(300_000);

withPromtool(promtoolFound ? 'promtool' : 'promtool (skipped: not found; apt-get install prometheus)', () => {
  test('promtool check rules accepts rules.yaml', () => {
    const run = promtool('check', 'rules', RULES_FILE);
    expect([run.status, run.output]).toEqual([0, expect.stringContaining('SUCCESS')]);
  });

  test('the rules’ unit tests pass: alerts fire and stay quiet as they should', () => {
    const run = promtool('test', 'rules', RULES_TEST_FILE, LONG_RULES_TEST_FILE);
    expect([run.status, run.output.match(/SUCCESS/g)?.length]).toEqual([0, 2]);
  });

  // The drill only proves something if it fails when the alert is wrong: the drill's test against rules whose
  // failing-upstream alert looks at the wrong outcome must fail.
  test('the drill catches an upstream error alert that no longer sees the failures', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cgw-rules-'));
    try {
      const tests = parse(readFileSync(RULES_TEST_FILE, 'utf8')) as { tests: { name: string }[] };
      const drill = tests.tests.filter((t) => t.name.startsWith('a provider whose upstream fails'));
      expect(drill).toHaveLength(1);
      writeFileSync(join(dir, 'rules.test.yaml'), stringify({ ...tests, tests: drill }));
      const rules = readFileSync(RULES_FILE, 'utf8');
      const broken = rules.replace('outcome!~"ok|not-found"', 'outcome="server-error"');
      expect(broken).not.toBe(rules);
      writeFileSync(join(dir, 'rules.yaml'), rules);
      expect(promtool('test', 'rules', join(dir, 'rules.test.yaml')).status).toBe(0);
      writeFileSync(join(dir, 'rules.yaml'), broken);
      const run = promtool('test', 'rules', join(dir, 'rules.test.yaml'));
      expect(run.status).not.toBe(0);
      expect(run.output).toContain('alertname: UpstreamErrorRatioHigh');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- ]/gu, '')
    .replace(/ /g, '-');
}

test('every alert has a summary and a runbook annotation naming its own section of docs/operations.md', () => {
  const anchors = new Set(
    readFileSync(OPERATIONS_DOC, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('#'))
      .map((line) => anchorOf(line.replace(/^#+/, ''))),
  );
  const alerts = ruleGroups(readFileSync(RULES_FILE, 'utf8')).flatMap((g) => g.rules.filter((r) => 'alert' in r));
  expect(alerts.length).toBeGreaterThanOrEqual(10);
  for (const rule of alerts) {
    const alert = String(rule.alert);
    const annotations = (rule.annotations ?? {}) as Record<string, string>;
    expect([alert, annotations.runbook]).toEqual([alert, `docs/operations.md#${alert.toLowerCase()}`]);
    expect([alert, anchors.has(alert.toLowerCase())]).toEqual([alert, true]);
    expect([alert, typeof annotations.summary]).toEqual([alert, 'string']);
    expect([alert, ['critical', 'warning'].includes(String((rule.labels as Record<string, string>).severity))]).toEqual(
      [alert, true],
    );
  }
});

test('the alerts the issue asks for are all there', () => {
  const names = ruleGroups(readFileSync(RULES_FILE, 'utf8')).flatMap((g) => g.rules.map((r) => r.alert));
  expect(new Set(names)).toEqual(
    new Set([
      undefined, // the recording rules
      'LookupAvailabilityBudgetBurn',
      'LookupLatencyBudgetBurn',
      'GatewayTargetDown',
      'UpstreamErrorRatioHigh',
      'UpstreamCircuitOpen',
      'UpstreamQuotaRefusing',
      'UpstreamQuotaQueueing',
      'StaleAnswersServed',
      'CacheHitRatioDropped',
      'FleetRedisDown',
      'IndexCrawlStalled',
    ]),
  );
});
