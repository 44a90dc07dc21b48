/**
 * Reads an RFC 9457 problem answer and checks what every problem must carry (the README's errors section), so
 * that each test only states what is particular to its case.
 */
import { PROBLEMS, type ProblemCode, type ProblemDocument } from '../../src/core/problems.js';

export type Problem = ProblemDocument;

/** Design §4's list, kept here rather than taken from the code so that the test can disagree with it. */
const RETRYABLE = new Set([429, 502, 503, 504]);

/** Strings that must never leave the gateway in a problem: stack frames, credentials, upstream error bodies. */
export const FORBIDDEN_IN_PROBLEMS = [
  /\n\s+at /,
  /"stack"/,
  /authorization/i,
  /sandbox-raas-key/,
  /Basic [A-Za-z0-9+/=]{8,}/,
  /i18nKey/,
  /httpPhrase/,
];

/**
 * Asserts `res` is the problem `code` with all the fields and headers every problem has, and returns it.
 * `cached` is for a `customer-not-found` served with `Cache-Control: private, max-age` instead of `no-store`.
 */
export async function expectProblem(
  res: Response,
  code: ProblemCode,
  options: { cached?: boolean } = {},
): Promise<Problem> {
  const text = await res.text();
  const { status, title } = PROBLEMS[code];
  // jest types its asymmetric matchers as `any`.
  expect({ status: res.status, body: text }).toEqual({ status, body: expect.any(String) as unknown });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  if (!options.cached) expect(res.headers.get('cache-control')).toBe('no-store');
  for (const pattern of FORBIDDEN_IN_PROBLEMS) expect(text).not.toMatch(pattern);

  const problem = JSON.parse(text) as Problem;
  expect(problem).toMatchObject({
    type: `/problems/${code}`,
    title,
    status,
    detail: expect.any(String) as unknown,
    // The path as sent, made a valid URI reference: a `%` that starts no escape is itself escaped.
    instance: new URL(res.url).pathname.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'),
    requestId: res.headers.get('x-request-id'),
    retryable: RETRYABLE.has(status),
  });
  expect(problem.detail.length).toBeGreaterThan(0);
  const allowed = [
    'type',
    'title',
    'status',
    'detail',
    'instance',
    'requestId',
    'provider',
    'upstreamStatus',
    'parameter',
    'retryable',
  ];
  expect(Object.keys(problem).filter((key) => !allowed.includes(key))).toEqual([]);
  return problem;
}
