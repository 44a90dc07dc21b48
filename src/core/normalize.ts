/**
 * Small pure helpers every normaliser uses, so that the normalisation fine print of docs/api.md (empty strings, dates,
 * statuses, countries, masking) is written once.
 */

/** A string with content, or null: empty and whitespace-only strings, non-strings and null become null. */
export function text(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  return value.trim() === '' ? null : value;
}

/** An ISO 8601 UTC timestamp, or null when absent or unparseable. */
export function isoDate(value: unknown): string | null {
  const s = text(value);
  if (s === null) return null;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Looks a status up case-insensitively; anything unmapped is `unknown`, never an error. */
export function mapStatus<S extends string>(value: unknown, map: Record<string, S>, fallback: S): S {
  const s = text(value);
  if (s === null) return fallback;
  return map[s.toLowerCase()] ?? fallback;
}

/** Country codes upper-cased (ISO 3166-1 alpha-2; a 3-letter code passes through upper-cased). */
export function country(value: unknown): string | null {
  return text(value)?.toUpperCase() ?? null;
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export function objectList(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every character but the last 4 becomes `*`, length kept; 4 characters or fewer: all `*`. */
export function maskNationalId(value: string): string {
  if (value.length <= 4) return '*'.repeat(value.length);
  return '*'.repeat(value.length - 4) + value.slice(-4);
}

/** Copies `source` keeping only the listed keys that are present (absent keys are omitted, not null). */
export function pick(source: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (source[key] !== undefined) out[key] = source[key];
  return out;
}
