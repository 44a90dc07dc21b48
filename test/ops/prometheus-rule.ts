/**
 * The PrometheusRule in deploy/kubernetes.yaml is deploy/prometheus/rules.yaml's groups in the Prometheus
 * Operator's envelope, written from it (`npm run deploy:rules`) and checked equal to it by test/ops, so that the
 * cluster's rules cannot drift from the ones promtool tests.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { parse, parseAllDocuments, stringify } from 'yaml';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const RULES_FILE = resolve(ROOT, 'deploy/prometheus/rules.yaml');
export const MANIFEST_FILE = resolve(ROOT, 'deploy/kubernetes.yaml');

/** Everything from this line to the end of the manifest is written by `npm run deploy:rules`. */
export const MARKER =
  '# The rules of deploy/prometheus/rules.yaml, written from it by `npm run deploy:rules`: edit that file, not this.';

export interface RuleGroup {
  name: string;
  rules: Record<string, unknown>[];
}

export function ruleGroups(rulesText: string): RuleGroup[] {
  const parsed = parse(rulesText) as { groups?: RuleGroup[] };
  if (!Array.isArray(parsed.groups)) throw new Error('rules.yaml has no groups');
  return parsed.groups;
}

/** Every object of a multi-document manifest, parsed. */
export function manifestObjects(manifestText: string): Record<string, unknown>[] {
  return parseAllDocuments(manifestText).map((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
    return doc.toJS() as Record<string, unknown>;
  });
}

/** The manifest with its generated tail (from MARKER on) replaced by a PrometheusRule of `rulesText`'s groups. */
export async function withPrometheusRule(manifestText: string, rulesText: string): Promise<string> {
  const at = manifestText.indexOf(MARKER);
  const head = at < 0 ? `${manifestText.trimEnd()}\n---\n` : manifestText.slice(0, at);
  const rule = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'customer-gateway', labels: { app: 'customer-gateway' } },
    spec: { groups: ruleGroups(rulesText) },
  };
  const note = "# Add the label your Prometheus's ruleSelector asks for.";
  const tail = `${MARKER}\n${note}\n${stringify(rule, { lineWidth: 0 })}`;
  const options = await resolveConfig(MANIFEST_FILE);
  return format(head + tail, { ...options, parser: 'yaml', filepath: MANIFEST_FILE });
}

// `npm run deploy:rules`: rewrite the manifest's PrometheusRule from rules.yaml.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const manifest = readFileSync(MANIFEST_FILE, 'utf8');
  writeFileSync(MANIFEST_FILE, await withPrometheusRule(manifest, readFileSync(RULES_FILE, 'utf8')));
  process.stdout.write(`wrote the PrometheusRule of ${MANIFEST_FILE}\n`);
}
