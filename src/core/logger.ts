/**
 * pino, JSON to stdout. Credentials and personal data are removed by the logger's own redaction, so no call
 * site has to remember to do it. The personal-data keys come from the providers' declarations, read once when
 * the logger is made: the core names no provider's field. Redaction is configured here once, through pino's
 * public `redact` option, and is on for every line; `lineWriter` spares a flat line the paths that cannot match
 * it. What it costs a request is in docs/performance.md.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import { MODEL_PERSONAL_DATA } from './pii.js';
import type { ProviderAdapter } from './provider.js';

/**
 * Paths that may carry a secret, wherever they appear in a log object. A path that starts with `*` reaches keys
 * below the top level only, so each name is listed at the top too.
 */
export const SECRET_REDACT_PATHS = [
  'authorization',
  'Authorization',
  '["x-api-key"]',
  'access_token',
  'client_secret',
  'password',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.Authorization',
  '*["x-api-key"]',
  '*.access_token',
  '*.client_secret',
  '*.password',
];

/** A pino redaction path from segments (`*` is any key or array index); odd keys in brackets. */
function redactPath(segments: readonly string[]): string {
  return segments
    .map((segment, i) => {
      if (segment === '*' || /^[A-Za-z_$][\w$]*$/.test(segment)) return i === 0 ? segment : `.${segment}`;
      return `[${JSON.stringify(segment)}]`;
    })
    .join('');
}

/**
 * The providers' declared personal data, whatever the value's type: the key of each path's last segment (and the
 * model's `nationalId`) at the top of a log object and up to two levels below it, and each declared path itself
 * at the top or one level below (under `body`, say) where it reaches deeper than that. Log objects are kept flat
 * and never carry an upstream body, so this is a safety net, and no deeper: pino hands every top-level value of
 * a line, strings and numbers included, to the redactor of the paths that start with `*`, so each wildcard path,
 * and each level of one, is work on every line that does not go through `lineWriter` as flat (docs/performance.md).
 */
export function personalDataRedactPaths(adapters: readonly ProviderAdapter[]): string[] {
  const declared = adapters.flatMap((a) => [...(a.personalData?.raw ?? []), ...(a.personalData?.data ?? [])]);
  // `people[].taxId` → `people`, `*`, `taxId`.
  const paths = declared.map((path) =>
    path.split('.').flatMap((s) => (s.endsWith('[]') ? [s.slice(0, -2), '*'] : [s])),
  );
  const keys = new Set([...MODEL_PERSONAL_DATA, ...paths.map((segments) => segments.at(-1) ?? '*')]);
  keys.delete('*');
  const out = [...keys].flatMap((key) => [[key], ['*', key], ['*', '*', key]]);
  for (const segments of paths) {
    if (segments.length > 3) out.push(segments);
    if (segments.length > 2) out.push(['*', ...segments]);
  }
  return [...new Set(out.map(redactPath))];
}

export interface LoggerOptions {
  level: string;
  /** The registered providers, whose declared personal data is redacted from every line. */
  adapters: readonly ProviderAdapter[];
  /** Human-readable lines (sandbox on a terminal). */
  pretty?: boolean;
  destination?: DestinationStream;
}

const CENSOR = '[redacted]';

export function createLogger(options: LoggerOptions): Logger {
  const paths = [...SECRET_REDACT_PATHS, ...personalDataRedactPaths(options.adapters)];
  const logger = rootLogger(options, paths);
  // A bare `*` would censor every top-level value, strings included: then no line is flat enough to spare.
  if (!paths.includes('*')) {
    const flat = logger.child(
      {},
      { level: 'trace', redact: { paths: paths.filter((p) => !p.startsWith('*')), censor: CENSOR } },
    );
    flatLineLoggers.set(logger, flat);
  }
  return logger;
}

function rootLogger(options: LoggerOptions, paths: string[]): Logger {
  const base = {
    level: options.level,
    redact: { paths, censor: CENSOR },
    base: { service: 'customer-gateway' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    const prettyOptions = { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' };
    return pino({ ...base, transport: { target: 'pino-pretty', options: prettyOptions } });
  }
  // Each line is written to stdout synchronously, in the calling thread: pino's default destination writes
  // asynchronously, a trip through libuv's thread pool and back for every line that wakes the event loop once more
  // per request, and a crash would lose the lines still in flight.
  return pino(base, pino.destination({ dest: 1, sync: true }));
}

/**
 * Each logger made by `createLogger`, and its child for flat lines: the same destination, base fields and
 * censor, redacting with the paths that do not start with `*`. It logs at every level: the writer asks the
 * parent first, so a level set on the parent later still holds.
 */
const flatLineLoggers = new WeakMap<Logger, Logger>();

/** Whether every value of a line is a string, number, boolean, null or undefined: no object, array or error. */
function isFlat(line: Readonly<Record<string, unknown>>): boolean {
  for (const key in line) {
    const value = line[key];
    const type = typeof value;
    if (type !== 'string' && type !== 'number' && type !== 'boolean' && value != null) return false;
  }
  return true;
}

export type LineLevel = 'info' | 'warn' | 'error';
export type LineWriter = (level: LineLevel, line: Readonly<Record<string, unknown>>, msg: string) => void;

/**
 * Writes lines through the logger's redaction, in fewer steps when a line is flat. pino hands every top-level
 * value of every line, strings and numbers included, to the redactor of the paths that start with `*`, and the
 * redactor parses each of those paths anew on every call. Such a path names at least one key below the top-level
 * one, so it can only ever match inside an object: a line whose values are all strings, numbers, booleans or
 * null comes out of pino's full redaction exactly as it went in, except for the top-level keys that other paths
 * name (`nationalId`). Such a line goes to the child that redacts with those other paths alone; any other line,
 * whatever its keys, goes through the logger itself, every path. Lines are plain data (a getter could answer the
 * check and pino differently). A logger not made by `createLogger` writes every line itself.
 */
export function lineWriter(logger: Logger): LineWriter {
  const flat = flatLineLoggers.get(logger);
  if (!flat) return (level, line, msg) => logger[level](line, msg);
  return (level, line, msg) => {
    if (!isFlat(line)) logger[level](line, msg);
    else if (logger.isLevelEnabled(level)) flat[level](line, msg);
  };
}

export type { Logger };
