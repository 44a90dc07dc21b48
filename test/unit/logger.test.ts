/**
 * The logger's redaction: every line goes through pino's own, configured once with the gateway's paths, and
 * comes out exactly as plain pino with those paths writes it, nothing added or skipped.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLogger, lineWriter, personalDataRedactPaths, SECRET_REDACT_PATHS } from '../../src/core/logger.js';
import { acme } from '../fixtures/provider-acme/adapter.js';

function capture(): { lines: string[]; destination: Writable } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, destination };
}

/** A line as the request log writes it, with secrets and national ids where a careless caller might put them. */
const LINE = {
  requestId: 'req-1',
  method: 'GET',
  route: '/customers/:provider/:id',
  status: 200,
  durationMs: 0.812,
  clearPii: true,
  quote: 'a "quoted" \\ value\nwith a newline, \u2028 and \u00e9',
  nationalId: '01017012345',
  headers: { authorization: 'Basic c2VjcmV0', accept: 'application/json' },
  token: { access_token: 'abc', kept: 'yes' },
  upstream: { customer: { nationalId: '01017012345', kept: 'yes' } },
  login: { password: 'hunter2' },
  list: [{ nationalId: '01017012345' }, 3],
};

const flush = () => new Promise((resolve) => setImmediate(resolve));

test('a line is written byte for byte as plain pino redacts it, secrets and national ids censored', async () => {
  const ours = capture();
  const logger = createLogger({ level: 'info', adapters: [acme], destination: ours.destination });
  const reference = capture();
  const paths = [...SECRET_REDACT_PATHS, ...personalDataRedactPaths([acme])];
  const plain = pino(
    {
      level: 'info',
      redact: { paths, censor: '[redacted]' },
      base: { service: 'customer-gateway' },
      timestamp: () => ',"time":"T"',
    },
    reference.destination,
  );
  logger.info(LINE, 'request completed');
  logger.child({ provider: 'acme' }).warn(LINE, 'from a child');
  plain.info(LINE, 'request completed');
  plain.child({ provider: 'acme' }).warn(LINE, 'from a child');
  await flush();
  const untimed = (line: string) => line.replace(/,"time":"[^"]*"/, ',"time":"T"');
  expect(ours.lines.map(untimed)).toEqual(reference.lines);
  const [line] = ours.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(line).toMatchObject({
    status: 200,
    durationMs: 0.812,
    clearPii: true,
    quote: LINE.quote,
    nationalId: '[redacted]',
    headers: { authorization: '[redacted]', accept: 'application/json' },
    token: { access_token: '[redacted]', kept: 'yes' },
    upstream: { customer: { nationalId: '[redacted]', kept: 'yes' } },
    login: { password: '[redacted]' },
    list: [{ nationalId: '[redacted]' }, 3],
    msg: 'request completed',
  });
  expect(ours.lines.join('\n')).not.toMatch(/01017012345|hunter2|c2VjcmV0|"abc"/);
});

/** A cache hit's request-log line, with the keys a careless change might add at the top. */
const FLAT = {
  requestId: 'req-2',
  method: 'GET',
  route: '/customers/:provider/:id',
  status: 200,
  durationMs: 0.412,
  provider: 'acme',
  customerId: 'zanzibar-health',
  cache: 'hit',
  clearPii: false,
  upstreamAttempts: 0,
  // Strings short enough for pino's own escaping, and one it leaves to JSON.stringify.
  quote: 'a "quoted" \\ value, \u2028 and \u00e9',
  newline: 'two\nlines',
  notFinite: Number.NaN,
  none: null,
  unset: undefined,
  nationalId: '01017012345',
  taxId: 98765432101,
  cosignerTaxIds: '01017054321',
  authorization: 'Basic c2VjcmV0',
  'x-api-key': 'c2VjcmV0',
  password: 'hunter2',
};

test('the line writer writes flat and nested lines byte for byte as pino with all paths redacts them', async () => {
  const ours = capture();
  const logger = createLogger({ level: 'info', adapters: [acme], destination: ours.destination });
  const reference = capture();
  const plain = pino(
    {
      level: 'info',
      redact: { paths: [...SECRET_REDACT_PATHS, ...personalDataRedactPaths([acme])], censor: '[redacted]' },
      base: { service: 'customer-gateway' },
      timestamp: () => ',"time":"T"',
    },
    reference.destination,
  );
  const write = lineWriter(logger);
  const batch = { ...FLAT, batch: { items: 2, statuses: { 200: 2 } }, upstream: { nationalId: '01017012345' } };
  const withError = { ...FLAT, err: Object.assign(new Error('boom'), { config: { headers: { authorization: 'x' } } }) };
  const lines = [
    ['info', FLAT],
    ['warn', LINE],
    ['error', batch],
    ['info', withError],
    ['info', { ...FLAT, list: [{ nationalId: '01017012345' }] }],
  ] as const;
  for (const [level, line] of lines) {
    write(level, line, 'request completed');
    plain[level](line, 'request completed');
  }
  await flush();
  const untimed = (line: string) => line.replace(/,"time":"[^"]*"/, ',"time":"T"');
  expect(ours.lines.map(untimed)).toEqual(reference.lines);
  const written = ours.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(written.map((l) => l.level)).toEqual([30, 40, 50, 30, 30]);
  // The top-level keys that paths name are censored in a flat line too.
  expect(written[0]).toMatchObject({
    nationalId: '[redacted]',
    taxId: '[redacted]',
    cosignerTaxIds: '[redacted]',
    authorization: '[redacted]',
    'x-api-key': '[redacted]',
    password: '[redacted]',
  });
  expect(written[2]).toMatchObject({ batch: { items: 2 }, upstream: { nationalId: '[redacted]' } });
  expect(ours.lines.join('\n')).not.toMatch(/01017012345|01017054321|98765432101|hunter2|c2VjcmV0|"abc"/);
});

test('the line writer writes at the levels its logger has, set before or after it was made', async () => {
  const ours = capture();
  const logger = createLogger({ level: 'warn', adapters: [acme], destination: ours.destination });
  const write = lineWriter(logger);
  write('info', FLAT, 'below the level');
  write('warn', FLAT, 'at the level');
  logger.level = 'error';
  write('warn', FLAT, 'below the new level');
  write('warn', LINE, 'nested, below the new level');
  write('error', FLAT, 'at the new level');
  logger.level = 'silent';
  write('error', FLAT, 'silenced');
  await flush();
  expect(ours.lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['at the level', 'at the new level']);
});

test('a logger made elsewhere gets a writer that writes every line through it', async () => {
  const ours = capture();
  const logger = pino({ level: 'info', redact: { paths: ['*.secret'], censor: '[redacted]' } }, ours.destination);
  lineWriter(logger)('info', { ok: 'yes', nested: { secret: 'hunter2' } }, 'elsewhere');
  await flush();
  expect(JSON.parse(ours.lines[0] ?? '{}')).toMatchObject({ ok: 'yes', nested: { secret: '[redacted]' } });
});
