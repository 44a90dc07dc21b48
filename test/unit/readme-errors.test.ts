/**
 * The README's error table (section "errors") and the code's closed table `PROBLEMS` list the same codes with
 * the same statuses, in the same order, so that neither drifts from the other.
 */
import { readFileSync } from 'node:fs';
import { PROBLEMS } from '../../src/core/problems.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

function errorsSection(): string {
  const start = readme.indexOf('<!-- section: errors -->');
  expect(start).toBeGreaterThanOrEqual(0);
  const next = readme.indexOf('<!-- section:', start + 1);
  return readme.slice(start, next < 0 ? undefined : next);
}

/** The rows of the table whose header is `| code | status | when |`. */
function tableRows(section: string): { code: string; status: number; when: string }[] {
  const lines = section.split('\n');
  const header = lines.findIndex((line) => /^\|\s*code\s*\|\s*status\s*\|\s*when\s*\|$/.test(line.trim()));
  expect(header).toBeGreaterThanOrEqual(0);
  const rows: { code: string; status: number; when: string }[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.trim().startsWith('|')) break;
    const [code = '', status = '', ...when] = line
      .trim()
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim());
    rows.push({ code: code.replace(/`/g, ''), status: Number(status), when: when.join('|') });
  }
  return rows;
}

test('the README’s error table lists exactly the codes and statuses of PROBLEMS, in order', () => {
  const rows = tableRows(errorsSection());
  expect(rows.map(({ code, status }) => ({ code, status }))).toEqual(
    Object.entries(PROBLEMS).map(([code, { status }]) => ({ code, status })),
  );
});

test('every row of the README’s error table says when it happens', () => {
  for (const row of tableRows(errorsSection())) expect(row.when.length).toBeGreaterThan(10);
});

test('the errors section shows an example problem body with every field of the format', () => {
  const json = /```json\n([\s\S]*?)\n```/.exec(errorsSection())?.[1];
  const example = JSON.parse(json ?? 'null') as Record<string, unknown>;
  expect(Object.keys(example).sort()).toEqual(
    ['detail', 'instance', 'provider', 'requestId', 'retryable', 'status', 'title', 'type', 'upstreamStatus'].sort(),
  );
  const code = String(example.type).replace('/problems/', '');
  expect(PROBLEMS[code as keyof typeof PROBLEMS]).toMatchObject({ status: example.status, title: example.title });
});
