/**
 * pino, JSON to stdout. Credentials and personal data are removed by the logger's own redaction, so no call
 * site has to remember to do it. The personal-data keys come from the providers' declarations, read once when
 * the logger is made: the core names no provider's field. Redaction is configured here once, through pino's
 * public `redact` option, and is on for every line; what it costs a request is in docs/performance.md.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import { MODEL_PERSONAL_DATA } from './pii.js';
import type { ProviderAdapter } from './provider.js';

/** Paths that may carry a secret, wherever they appear in a log object. */
export const SECRET_REDACT_PATHS = [
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
 * every line, strings and numbers included, to the redactor of the paths that start with `*`, so each wildcard
 * path, and each level of one, is work on every line (docs/performance.md).
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

export function createLogger(options: LoggerOptions): Logger {
  const paths = [...SECRET_REDACT_PATHS, ...personalDataRedactPaths(options.adapters)];
  const base = {
    level: options.level,
    redact: { paths, censor: '[redacted]' },
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

export type { Logger };
