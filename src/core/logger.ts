/**
 * pino, JSON to stdout. Credentials and national ids are removed by the logger's own redaction, so no call
 * site has to remember to do it.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

/** Paths that may carry a secret or a national id, wherever they appear in a log object. */
export const REDACT_PATHS = [
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
  '*.nationalId',
  '*.personalNumber',
  '*.*.personalNumber',
];

export interface LoggerOptions {
  level: string;
  /** Human-readable lines (sandbox on a terminal). */
  pretty?: boolean;
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'customer-gateway' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.destination) return pino(base, options.destination);
  if (options.pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' } } });
  return pino(base);
}

export type { Logger };
