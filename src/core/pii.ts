/**
 * The PII policy (design §3): a national id is masked to its last 4 characters for every caller who may not
 * read PII, in `data` and in `raw` alike.
 */
import type { Customer } from './model.js';
import { isRecord, maskNationalId } from './normalize.js';

export function maskCustomer(customer: Customer): Customer {
  return customer.nationalId === null ? customer : { ...customer, nationalId: maskNationalId(customer.nationalId) };
}

/** A copy of `raw` with the string at each dotted path masked; the original is left untouched. */
export function maskRaw(raw: unknown, paths: readonly string[]): unknown {
  let out = raw;
  for (const path of paths) out = maskAt(out, path.split('.'));
  return out;
}

function maskAt(node: unknown, path: string[]): unknown {
  const [head, ...rest] = path;
  if (head === undefined || !isRecord(node) || !(head in node)) return node;
  const value = node[head];
  if (rest.length === 0) return typeof value === 'string' ? { ...node, [head]: maskNationalId(value) } : node;
  return { ...node, [head]: maskAt(value, rest) };
}
