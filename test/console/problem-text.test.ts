import {
  describeProblem,
  networkFailureText,
  parseRetryAfter,
  problemCode,
  timeoutText,
  tryAgainIn,
  unreadableText,
} from '../../console/src/problem-text.js';
import type { ProblemDescription } from '../../console/src/model.js';

const NOW = Date.parse('2026-11-22T10:00:00.000Z');

const description = (code: string, over: Partial<ProblemDescription> = {}): ProblemDescription => ({
  code,
  title: 'Title from /problems',
  status: 400,
  description: `General sentence about ${code}.`,
  advice: `Gateway advice for ${code}.`,
  ...over,
});

describe('problemCode', () => {
  it('reads the code from a relative or absolute problem type', () => {
    expect(problemCode('/problems/customer-not-found')).toBe('customer-not-found');
    expect(problemCode('https://gateway.example/problems/upstream-error')).toBe('upstream-error');
  });

  it('gives null for anything that is not a problem type', () => {
    expect(problemCode(undefined)).toBeNull();
    expect(problemCode('about:blank')).toBeNull();
    expect(problemCode('/problems/<script>')).toBeNull();
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('30', NOW)).toBe(30);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
  });

  it('reads an HTTP date as the seconds left until it, never negative', () => {
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:45 GMT', NOW)).toBe(45);
    expect(parseRetryAfter('Sun, 22 Nov 2026 09:59:00 GMT', NOW)).toBe(0);
  });

  it('ignores a missing or unreadable header', () => {
    expect(parseRetryAfter(null, NOW)).toBeNull();
    expect(parseRetryAfter('soon', NOW)).toBeNull();
    expect(parseRetryAfter('-5', NOW)).toBeNull();
    expect(parseRetryAfter('1.5', NOW)).toBeNull();
  });
});

describe('tryAgainIn', () => {
  it('says seconds, then minutes for long waits', () => {
    expect(tryAgainIn(1)).toBe('Try again in 1 second.');
    expect(tryAgainIn(30)).toBe('Try again in 30 seconds.');
    expect(tryAgainIn(600)).toBe('Try again in 10 minutes.');
    expect(tryAgainIn(0)).toBe('You can try again now.');
  });
});

describe('describeProblem', () => {
  it('for customer-not-found, uses the gateway’s sentence, keeps the detail and advises checking the id', () => {
    const text = describeProblem({
      status: 404,
      problem: {
        type: '/problems/customer-not-found',
        title: 'Customer not found',
        status: 404,
        detail: 'Tango has no customer "nobody-here".',
        requestId: 'req-1',
        retryable: false,
      },
      retryAfter: null,
      requestId: null,
      description: description('customer-not-found'),
      providerName: 'Tango',
      now: NOW,
    });
    expect(text).toMatchObject({
      code: 'customer-not-found',
      heading: 'Customer not found',
      sentence: 'General sentence about customer-not-found.',
      detail: 'Tango has no customer "nobody-here".',
      requestId: 'req-1',
      retryable: false,
      needsKey: false,
      retryAfterSeconds: null,
    });
    expect(text.advice).toEqual([
      'Check the id: it may be mistyped, or belong to another provider. Tango says no customer has this id.',
    ]);
  });

  it('for invalid-request, advises checking the id and does not offer a retry', () => {
    const text = describeProblem({
      status: 400,
      problem: { type: '/problems/invalid-request', detail: 'bad id', retryable: false },
      retryAfter: null,
      requestId: 'r',
    });
    expect(text.advice[0]).toMatch(/^Check the id/);
    expect(text.retryable).toBe(false);
  });

  it('turns Retry-After into "try again in N seconds"', () => {
    const text = describeProblem({
      status: 503,
      problem: { type: '/problems/upstream-rate-limited', title: 'Upstream rate limit', retryable: true },
      retryAfter: '12',
      requestId: 'req-2',
      description: description('upstream-rate-limited'),
      now: NOW,
    });
    expect(text.retryAfterSeconds).toBe(12);
    expect(text.advice).toContain('Try again in 12 seconds.');
    expect(text.retryable).toBe(true);
  });

  it('for upstream-auth-failed, says to call on-call and never suggests a plain retry', () => {
    const text = describeProblem({
      status: 502,
      problem: { type: '/problems/upstream-auth-failed', retryable: true, provider: 'adobe-vip' },
      retryAfter: null,
      requestId: 'req-3',
      providerName: 'Adobe VIP Marketplace',
    });
    expect(text.advice).toHaveLength(1);
    expect(text.advice[0]).toMatch(/^Call on-call: Adobe VIP Marketplace refused the gateway’s own credentials/);
  });

  it('for upstream-error without Retry-After, suggests a later try and on-call if it persists', () => {
    const text = describeProblem({
      status: 502,
      problem: { type: '/problems/upstream-error', retryable: true },
      retryAfter: null,
      requestId: 'r',
    });
    expect(text.advice).toEqual([
      'Try again in a little while.',
      'If it keeps failing, tell on-call and give them the request id.',
    ]);
  });

  it('asks for a key on 401 and 403', () => {
    expect(
      describeProblem({
        status: 401,
        problem: { type: '/problems/unauthorized', detail: 'Missing API key.' },
        retryAfter: null,
        requestId: null,
      }).needsKey,
    ).toBe(true);
    expect(
      describeProblem({ status: 403, problem: { type: '/problems/forbidden' }, retryAfter: null, requestId: null })
        .needsKey,
    ).toBe(true);
  });

  it('falls back to the gateway’s advice for a code it has no words for', () => {
    const text = describeProblem({
      status: 405,
      problem: { type: '/problems/method-not-allowed' },
      retryAfter: null,
      requestId: null,
      description: description('method-not-allowed'),
    });
    expect(text.advice).toEqual(['Gateway advice for method-not-allowed.']);
  });

  it('still says something useful without a description or title', () => {
    const text = describeProblem({ status: 500, problem: {}, retryAfter: null, requestId: 'x' });
    expect(text.heading).toBe('The gateway answered HTTP 500');
    expect(text.sentence).toBe('The request failed with HTTP 500.');
    expect(text.detail).toBeNull();
    expect(JSON.stringify(text)).not.toMatch(/undefined/);
  });

  it('prefers the X-Request-Id header, else the problem’s requestId', () => {
    expect(
      describeProblem({ status: 404, problem: { requestId: 'from-body' }, retryAfter: null, requestId: 'from-header' })
        .requestId,
    ).toBe('from-header');
    expect(
      describeProblem({ status: 404, problem: { requestId: 'from-body' }, retryAfter: null, requestId: null })
        .requestId,
    ).toBe('from-body');
  });
});

describe('failures without a problem document', () => {
  it('a network failure says the gateway could not be reached, with the browser’s words', () => {
    const text = networkFailureText('Failed to fetch');
    expect(text.heading).toBe('Could not reach the gateway');
    expect(text.detail).toBe('The browser said: Failed to fetch');
    expect(text.requestId).toBeNull();
    expect(text.retryable).toBe(true);
  });

  it('a timeout names the wait', () => {
    expect(timeoutText(20).sentence).toContain('20 seconds');
  });

  it('an unreadable answer keeps the status and the request id', () => {
    const text = unreadableText(502, 'abc');
    expect(text.sentence).toContain('HTTP 502');
    expect(text.requestId).toBe('abc');
  });
});
