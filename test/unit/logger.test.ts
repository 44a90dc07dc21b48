/**
 * The logger's redaction: every line goes through pino's own, configured once with the gateway's paths, and
 * comes out exactly as plain pino with those paths writes it, nothing added or skipped.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createLogger, personalDataRedactPaths, SECRET_REDACT_PATHS } from '../../src/core/logger.js';
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
