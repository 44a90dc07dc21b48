/**
 * pino, JSON to stdout. Credentials and personal data are removed by the logger's own redaction, so no call
 * site has to remember to do it. The personal-data keys come from the providers' declarations, read once when
 * the logger is made: the core names no provider's field.
 */
import { pino, type Logger, type DestinationStream } from 'pino';
import { MODEL_PERSONAL_DATA, segmentsOf } from './pii.js';
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

/**
 * Each personal-data key (the last segment of every declared path, and the model's `nationalId`) at the top of
 * a log object and up to two levels below it, whatever the value's type: log objects are kept flat and never
 * carry an upstream body, so this is a safety net, and each deeper level would cost every log line about 5 µs.
 */
export function personalDataRedactPaths(adapters: readonly ProviderAdapter[]): string[] {
  const declared = adapters.flatMap((a) => [...(a.personalData?.raw ?? []), ...(a.personalData?.data ?? [])]);
  const keys = new Set([...MODEL_PERSONAL_DATA, ...declared.map((path) => segmentsOf(path).at(-1) ?? '')]);
  keys.delete('');
  return [...keys].flatMap((key) => {
    const plain = /^[A-Za-z_$][\w$]*$/.test(key);
    const member = plain ? `.${key}` : `[${JSON.stringify(key)}]`;
    return [plain ? key : member, `*${member}`, `*.*${member}`];
  });
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
  const base = {
    level: options.level,
    redact: { paths: [...SECRET_REDACT_PATHS, ...personalDataRedactPaths(options.adapters)], censor: '[redacted]' },
    base: { service: 'customer-gateway' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) {
    const prettyOptions = { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' };
    return pino({ ...base, transport: { target: 'pino-pretty', options: prettyOptions } });
  }
  return pino(base);
}

export type { Logger };
