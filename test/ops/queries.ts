/**
 * The PromQL that operators run: every expression of deploy/prometheus/rules.yaml and every query of the Grafana
 * dashboard, and the metric names each one selects, read with the Prometheus project's own PromQL grammar
 * (@prometheus-io/lezer-promql) rather than pattern-matched.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { RULES_FILE, ruleGroups } from './prometheus-rule.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const DASHBOARD_FILE = resolve(ROOT, 'deploy/grafana/customer-gateway.json');

export interface Query {
  /** Where it is: `rules.yaml: UpstreamErrorRatioHigh`, `dashboard: Lookup latency (B)`. */
  where: string;
  expr: string;
}

/** Grafana's own variables stand for durations; `$namespace`-like ones only appear inside label values. */
const GRAFANA_DURATIONS: Record<string, string> = { __rate_interval: '5m', __interval: '1m', __range: '1h' };

/** The expression as Prometheus receives it: Grafana's duration variables given a value. */
function asPromQL(expr: string): string {
  return expr.replace(/\$(__\w+)/g, (whole, name: string) => GRAFANA_DURATIONS[name] ?? whole);
}

export interface ParsedQuery {
  /** Names of the series it selects, in order of appearance. */
  metrics: string[];
  /** The text of every part the grammar could not read. */
  errors: string[];
}

export function parseQuery(expr: string): ParsedQuery {
  const text = asPromQL(expr);
  const metrics: string[] = [];
  const errors: string[] = [];
  parser.parse(text).iterate({
    enter(node) {
      if (node.type.isError) errors.push(text.slice(Math.max(0, node.from - 20), node.to + 20));
      // The metric name of a selector (`name{…}`), not a label name or a function's.
      if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector')
        metrics.push(text.slice(node.from, node.to));
    },
  });
  return { metrics, errors };
}

export function ruleQueries(): Query[] {
  return ruleGroups(readFileSync(RULES_FILE, 'utf8')).flatMap((group) =>
    group.rules.map((rule) => ({
      where: `rules.yaml: ${String(rule.alert ?? rule.record)}`,
      expr: String(rule.expr),
    })),
  );
}

/** Names the rules record: queries may select them like any exposed series. */
export function recordedNames(): Set<string> {
  const groups = ruleGroups(readFileSync(RULES_FILE, 'utf8'));
  return new Set(groups.flatMap((g) => g.rules.map((r) => r.record)).filter((r): r is string => typeof r === 'string'));
}

interface DashboardPanel {
  title?: string;
  targets?: { expr?: string; refId?: string }[];
  panels?: DashboardPanel[];
}
interface Dashboard {
  panels: DashboardPanel[];
  templating: { list: { name: string; query?: string | { query?: string } }[] };
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every panel target's expression, and the series selector inside each `label_values(…)` variable query. */
export function dashboardQueries(dashboard: Dashboard = readDashboard()): Query[] {
  const queries: Query[] = [];
  const visit = (panel: DashboardPanel) => {
    for (const target of panel.targets ?? [])
      queries.push({ where: `dashboard: ${panel.title ?? '?'} (${target.refId ?? '?'})`, expr: target.expr ?? '' });
    panel.panels?.forEach(visit);
  };
  dashboard.panels.forEach(visit);
  for (const variable of dashboard.templating.list) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    // Grafana's `label_values(selector, label)` is no PromQL: its selector is.
    const selector = query && /^label_values\((.*),\s*\w+\)$/.exec(query)?.[1];
    if (selector) queries.push({ where: `dashboard: variable ${variable.name}`, expr: selector });
  }
  return queries;
}
