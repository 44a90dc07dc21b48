/**
 * Personal data served on purpose: the example customer's own upstream body with chosen values at an adapter's
 * declared paths, answered once by the provider's real simulator (its `status` fault carries any body), so that
 * a test can look it up through the gateway as callers with and without `pii:read`.
 */
import type { ProviderAdapter } from '../../src/core/provider.js';
import type { TestGateway } from './gateway.js';

/** `people[].taxId` → `['people', '[]', 'taxId']`. */
const segments = (path: string): string[] =>
  path.split('.').flatMap((s) => (s.endsWith('[]') ? [s.slice(0, -2), '[]'] : [s]));

/** The values at `path` (every array element for `[]`). */
export function valuesAt(node: unknown, path: string): unknown[] {
  let current: unknown[] = [node];
  for (const segment of segments(path)) {
    current = current.flatMap((value) => {
      if (segment === '[]') return Array.isArray(value) ? (value as unknown[]) : [];
      return typeof value === 'object' && value !== null && segment in value
        ? [(value as Record<string, unknown>)[segment]]
        : [];
    });
  }
  return current;
}

/** A deep copy of `body` with `value` at `path`, and how many places took it (0: the path is not in the body). */
export function withValueAt(body: unknown, path: string, value: unknown): { body: unknown; places: number } {
  const copy: unknown = structuredClone(body);
  const parts = segments(path);
  let places = 0;
  const visit = (node: unknown, rest: string[]): void => {
    const [head, ...tail] = rest;
    if (head === undefined || typeof node !== 'object' || node === null) return;
    if (head === '[]') {
      if (Array.isArray(node)) for (const item of node) visit(item, tail);
      return;
    }
    const record = node as Record<string, unknown>;
    if (tail.length === 0) {
      record[head] = structuredClone(value);
      places += 1;
    } else visit(record[head], tail);
  };
  visit(copy, parts);
  return { body: copy, places };
}

/**
 * The text a masked answer must never contain for `value`: of every string and number leaf, all but its last 4
 * characters (the part that masking hides).
 */
export function hiddenParts(value: unknown): string[] {
  if (typeof value === 'string' || typeof value === 'number') {
    const text = String(value);
    return text.length > 4 ? [text.slice(0, -4)] : [];
  }
  if (Array.isArray(value)) return value.flatMap(hiddenParts);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(hiddenParts);
  return [];
}

export interface Served {
  /** The body the simulator answered. */
  body: unknown;
  /** The lookup as `reader` (no `pii:read`) and as `caseWorker` (`pii:read`), both with `?include=raw`. */
  masked: { data: Record<string, unknown>; raw: unknown; text: string };
  clear: { data: Record<string, unknown>; raw: unknown; text: string };
}

/**
 * Serves the example customer with `value` at `path` (of the adapter's declared raw paths) and reads it back.
 * `headers` carry the reader's and the case worker's credentials; the reader also needs `cache:purge`.
 */
export async function servePersonalData(
  gw: TestGateway,
  adapter: ProviderAdapter,
  path: string,
  value: unknown,
  headers: { reader: Record<string, string>; caseWorker: Record<string, string> },
): Promise<Served> {
  const id = adapter.exampleId;
  const purge = () =>
    fetch(`${gw.url}/cache/customers/${adapter.id}/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      headers: headers.reader,
    });
  const read = async (who: Record<string, string>) => {
    const res = await gw.lookup(adapter.id, encodeURIComponent(id), { headers: who, query: 'include=raw' });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${adapter.id} ${id}: ${res.status} ${text}`);
    const parsed = JSON.parse(text) as { data: Record<string, unknown>; raw: unknown };
    return { data: parsed.data, raw: parsed.raw, text };
  };

  await purge();
  const original = (await read(headers.caseWorker)).raw;
  const { body, places } = withValueAt(original, path, value);
  if (places === 0) throw new Error(`${adapter.id}: the example's body has no place at ${path}`);
  gw.sim(adapter.id).inject({ fault: { kind: 'status', status: 200, body }, times: 1, match: encodeURIComponent(id) });
  await purge();
  // The reader's lookup reads the upstream (the served body); the case worker's is a hit on the same entry.
  const masked = await read(headers.reader);
  const clear = await read(headers.caseWorker);
  await purge();
  return { body, masked, clear };
}

/** A body built from nothing with `value` at every path (`[]` makes an array of one object). */
export function bodyWith(paths: readonly string[], value: unknown): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const path of paths) {
    const parts = segments(path);
    let node: Record<string, unknown> = body;
    parts.forEach((part, i) => {
      if (part === '[]') return;
      if (i === parts.length - 1) {
        node[part] = structuredClone(value);
        return;
      }
      const isArray = parts[i + 1] === '[]';
      node[part] ??= isArray ? [{}] : {};
      const next = node[part];
      node = (Array.isArray(next) ? next[0] : next) as Record<string, unknown>;
    });
  }
  return body;
}
