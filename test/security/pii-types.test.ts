/**
 * Personal data masked whatever its JSON type: generated cases, every type at every declared path of every
 * adapter (the registered ones and the test-only Acme). The provider's real simulator serves the example
 * customer with the odd-typed value; a caller without `pii:read` never sees the clear value, in `data`, in
 * `raw` or in a log line; a caller with it sees the value exactly as served. The rule: docs/security.md.
 */
import { adapters } from '../../providers/index.js';
import { maskValue } from '../../src/core/pii.js';
import type { ProviderAdapter } from '../../src/core/provider.js';
import { acme } from '../fixtures/provider-acme/adapter.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { bodyWith, hiddenParts, servePersonalData, valuesAt } from '../support/personal-data.js';
import { newApiKey, readerAndCaseWorker, xApiKey } from './fixtures.js';

const PROVIDERS: readonly ProviderAdapter[] = [...adapters, acme];
const READER_KEY = newApiKey();
const CASE_WORKER_KEY = newApiKey();
const headers = { reader: xApiKey(READER_KEY), caseWorker: xApiKey(CASE_WORKER_KEY) };

/** One value of every JSON type; digits that appear nowhere else, long enough that the hidden part is telling. */
const VALUES: [string, unknown][] = [
  ['a string', '73910284655'],
  ['a number', 73910284655],
  ['a string of 4 characters', '7391'],
  ['an array of a string and a number', ['73910284656', 84620193746]],
  ['an object', { kind: 'fnr', value: '73910284657', digits: 84620193747 }],
  ['an array of objects', [{ value: '73910284658' }, { value: 84620193748 }]],
  ['a boolean', true],
  ['null', null],
];

const CASES = PROVIDERS.flatMap((adapter) =>
  (adapter.personalData?.raw ?? []).flatMap((path) =>
    VALUES.map(([type, value]) => [adapter.id, path, type, value, adapter] as const),
  ),
);

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway({
    adapters: PROVIDERS,
    env: {
      GATEWAY_API_KEYS: readerAndCaseWorker(READER_KEY, CASE_WORKER_KEY),
    },
  });
});
afterAll(async () => gw.close());

test('every provider with declared personal data is covered, the test-only one included', () => {
  expect(new Set(CASES.map(([provider]) => provider))).toEqual(
    new Set(PROVIDERS.filter((a) => (a.personalData?.raw ?? []).length > 0).map((a) => a.id)),
  );
  expect(CASES.map(([provider]) => provider)).toContain('acme');
  expect(CASES.map(([provider]) => provider)).toContain('frontpayment');
});

test.each(CASES)(
  '%s %s holding %s: masked for a caller without pii:read, clear with it',
  async (_p, path, _t, value, adapter) => {
    const { masked, clear } = await servePersonalData(gw, adapter, path, value, headers);

    // The case worker sees the value exactly as served: the test really put it there.
    expect(valuesAt(clear.raw, path).length).toBeGreaterThan(0);
    for (const v of valuesAt(clear.raw, path)) expect(v).toEqual(value);

    // The reader: the declared raw path by the rule, the model's paths likewise, and no hidden part anywhere.
    expect(valuesAt(masked.raw, path)).toEqual(valuesAt(clear.raw, path).map(maskValue));
    for (const dataPath of ['nationalId', ...(adapter.personalData?.data ?? [])]) {
      expect(valuesAt(masked.data, dataPath)).toEqual(valuesAt(clear.data, dataPath).map(maskValue));
    }
    for (const hidden of hiddenParts(value)) {
      expect(clear.text).toContain(hidden);
      expect(masked.text).not.toContain(hidden);
    }
    if (value !== null) expect(valuesAt(masked.raw, path)).not.toEqual(valuesAt(clear.raw, path));

    // A log line carrying the served body or the value under any declared key holds none of it either.
    const keys = [...(adapter.personalData?.raw ?? []), ...(adapter.personalData?.data ?? [])];
    gw.services.logger.warn({ body: clear.raw, upstream: bodyWith(keys, value) }, `probe ${adapter.id} ${path}`);
    const line =
      gw
        .logText()
        .split('\n')
        .find((l) => l.includes(`"probe ${adapter.id} ${path}"`)) ?? '';
    expect(line).not.toBe('');
    for (const hidden of hiddenParts(value)) expect(line).not.toContain(hidden);
  },
);

test('no log line of the gateway holds a served value in clear', () => {
  const hidden = VALUES.flatMap(([, value]) => hiddenParts(value));
  expect(hidden.length).toBeGreaterThan(0);
  const text = gw.logText();
  for (const part of hidden) expect(text).not.toContain(part);
});
