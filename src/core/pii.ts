/**
 * The personal-data policy: for every caller who may not read PII, the common model's `nationalId` and each
 * path an adapter declares (`personalData`) are masked, in `data` and in `raw` alike, whatever the JSON type of
 * the value found there. The rule (docs/security.md):
 * - a string or a number keeps its last 4 characters, every other character becomes `*` (a number becomes the
 *   masked string of its digits: `1017012345` → `"******2345"`); 4 characters or fewer: all `*`;
 * - a boolean becomes `"****"`;
 * - an array or an object has each of its leaves masked by the same rule (keys, the upstream's field names, stay);
 * - `null` stays `null`: there is nothing to hide.
 * A path crosses arrays wherever it meets one, so a body that wraps a declared object in an array is masked too.
 */
import type { Customer } from './model.js';
import { isRecord, maskNationalId } from './normalize.js';

/** The common model's own personal data: always masked, whatever the provider. */
export const MODEL_PERSONAL_DATA = ['nationalId'] as const;

/** One value masked by the rule above; the same value back when there is nothing to mask. */
export function maskValue(value: unknown): unknown {
  if (typeof value === 'string') return maskNationalId(value);
  if (typeof value === 'number') return maskNationalId(String(value));
  if (typeof value === 'boolean') return '****';
  if (Array.isArray(value)) return value.map(maskValue);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([key, leaf]) => [key, maskValue(leaf)]));
  return value;
}

/** The customer with `nationalId` and the declared model paths masked; the same object when nothing changed. */
export function maskCustomer(customer: Customer, dataPaths: readonly string[] = []): Customer {
  return maskPaths(customer, [...MODEL_PERSONAL_DATA, ...dataPaths]) as Customer;
}

/** A copy of `raw` with the value at each declared path masked; the original is left untouched. */
export function maskRaw(raw: unknown, paths: readonly string[]): unknown {
  return maskPaths(raw, paths);
}

function maskPaths(node: unknown, paths: readonly string[]): unknown {
  let out = node;
  for (const path of paths) out = maskAt(out, segmentsOf(path));
  return out;
}

/** `people[].taxId` → `['people', 'taxId']`: arrays are crossed wherever they are met, marked or not. */
export const segmentsOf = (path: string): string[] => path.split('.').map((segment) => segment.replace(/\[\]$/, ''));

function maskAt(node: unknown, path: readonly string[]): unknown {
  if (Array.isArray(node)) {
    const items = node.map((item) => maskAt(item, path));
    return items.every((item, i) => item === node[i]) ? node : items;
  }
  const [head, ...rest] = path;
  if (head === undefined || !isRecord(node) || !Object.hasOwn(node, head)) return node;
  const value = node[head];
  const masked = rest.length === 0 ? maskValue(value) : maskAt(value, rest);
  return masked === value ? node : { ...node, [head]: masked };
}
