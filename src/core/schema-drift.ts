/**
 * Upstream schema drift: which fields of a fresh upstream body the adapter does not know, and which fields it
 * expects were missing. A change in an upstream's API then shows on a dashboard before callers notice.
 *
 * Paths are dotted, with `[]` for the items of an array: `accounts[].status`. A known path implies its
 * prefixes (`accounts`, `accounts[]`); a known path with nothing declared below it is opaque (its contents
 * are not walked). Each path counts at most once per body, however many array items carry it.
 */
import { isRecord } from './normalize.js';

export interface SchemaDeclaration {
  /** Every path the adapter knows (reads or deliberately ignores). */
  known: readonly string[];
  /** Paths the adapter expects in every body; reported when their container is there but they are not. */
  expected: readonly string[];
}

export interface SchemaDrift {
  unknown: string[];
  missing: string[];
}

interface Compiled {
  known: Set<string>;
  /** Known paths that have known paths below them, so their contents are walked. */
  parents: Set<string>;
  expected: readonly string[];
}

const compiledCache = new WeakMap<SchemaDeclaration, Compiled>();

function compile(schema: SchemaDeclaration): Compiled {
  const cached = compiledCache.get(schema);
  if (cached) return cached;
  const known = new Set<string>();
  const parents = new Set<string>();
  for (const path of [...schema.known, ...schema.expected]) {
    let prefix = '';
    for (const segment of path.split('.')) {
      const name = segment.replace(/\[\]$/, '');
      if (prefix) parents.add(prefix);
      prefix = prefix ? `${prefix}.${name}` : name;
      known.add(prefix);
      if (segment.endsWith('[]')) {
        parents.add(prefix);
        prefix += '[]';
        known.add(prefix);
      }
    }
  }
  const compiled = { known, parents, expected: schema.expected };
  compiledCache.set(schema, compiled);
  return compiled;
}

export function schemaDriftOf(schema: SchemaDeclaration, body: unknown): SchemaDrift {
  const compiled = compile(schema);
  const unknown = new Set<string>();

  const walkObject = (object: Record<string, unknown>, path: string): void => {
    for (const [key, value] of Object.entries(object)) {
      const child = path ? `${path}.${key}` : key;
      if (!compiled.known.has(child)) unknown.add(child);
      else walkValue(value, child);
    }
  };
  const walkValue = (value: unknown, path: string): void => {
    if (!compiled.parents.has(path)) return;
    if (Array.isArray(value)) {
      for (const item of value) walkValue(item, `${path}[]`);
    } else if (isRecord(value)) {
      walkObject(value, path);
    }
  };
  if (isRecord(body)) walkObject(body, '');

  const missing = compiled.expected.filter((path) => isMissing(body, path));
  return { unknown: [...unknown], missing };
}

/** True when some container on the path is present but lacks the last field (null counts as present). */
function isMissing(body: unknown, path: string): boolean {
  const segments = path.split('.');
  let values: unknown[] = [body];
  for (const [index, segment] of segments.entries()) {
    const name = segment.replace(/\[\]$/, '');
    const last = index === segments.length - 1;
    const next: unknown[] = [];
    for (const value of values) {
      if (!isRecord(value)) continue;
      const field = value[name];
      if (field === undefined) {
        if (last) return true;
        continue;
      }
      if (segment.endsWith('[]')) {
        if (Array.isArray(field)) next.push(...(field as unknown[]));
      } else {
        next.push(field);
      }
    }
    values = next;
  }
  return false;
}
