/**
 * deploy/kubernetes.yaml: every object valid against the published schemas (kubernetes-models for the core API,
 * @kubernetes-models/prometheus-operator for the ServiceMonitor and PrometheusRule CRDs: types, required fields,
 * enums, patterns such as durations; unknown fields pass those schemas, as they pass a non-strict apply), the
 * probes, resources and PodDisruptionBudget as docs/operations.md states them, the ServiceMonitor wired to the
 * metrics port under the job the rules select, and the PrometheusRule equal to deploy/prometheus/rules.yaml.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Service } from 'kubernetes-models/v1/Service';
import { MANIFEST_FILE, RULES_FILE, manifestObjects, ruleGroups, withPrometheusRule } from './prometheus-rule.js';

const OPERATIONS_DOC = resolve(RULES_FILE, '../../../docs/operations.md');

/** The models of every kind the manifest may hold, by `apiVersion kind`. */
const MODELS: Record<string, (data: Record<string, unknown>) => { validate(): void }> = {
  'v1 Service': (data) => new Service(data),
  'apps/v1 Deployment': (data) => new Deployment(data),
  'policy/v1 PodDisruptionBudget': (data) => new PodDisruptionBudget(data),
  'networking.k8s.io/v1 NetworkPolicy': (data) => new NetworkPolicy(data),
  'monitoring.coreos.com/v1 ServiceMonitor': (data) =>
    new ServiceMonitor(data as ConstructorParameters<typeof ServiceMonitor>[0]),
  'monitoring.coreos.com/v1 PrometheusRule': (data) =>
    new PrometheusRule(data as ConstructorParameters<typeof PrometheusRule>[0]),
};

const manifestText = readFileSync(MANIFEST_FILE, 'utf8');
const objects = manifestObjects(manifestText);

interface Named {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}
function find(kind: string, name: string): Named {
  const found = objects.find((o) => o.kind === kind && (o as unknown as Named).metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/kubernetes.yaml`);
  return found as unknown as Named;
}

/** What an invalid object's validation says, or `valid`. */
function validation(object: Record<string, unknown>): string {
  const model = MODELS[`${String(object.apiVersion)} ${String(object.kind)}`];
  if (!model) return `no schema for ${String(object.apiVersion)} ${String(object.kind)}`;
  try {
    model(object).validate();
    return 'valid';
  } catch (error) {
    return (error as Error).message;
  }
}

test('every object of the manifest is valid against its Kubernetes or Prometheus Operator schema', () => {
  expect(objects.map((o) => `${String(o.kind)}`).sort()).toEqual(
    [
      'Deployment',
      'Deployment',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'PrometheusRule',
      'Service',
      'Service',
      'Service',
      'ServiceMonitor',
    ].sort(),
  );
  for (const object of objects) {
    const name = `${String(object.kind)} ${(object as unknown as Named).metadata.name}`;
    expect([name, validation(object)]).toEqual([name, 'valid']);
  }
});

test('the schemas catch a wrong type, a missing required field and a malformed duration', () => {
  const deployment = structuredClone(find('Deployment', 'customer-gateway')) as unknown as Record<string, unknown>;
  (deployment.spec as Record<string, unknown>).replicas = 'three';
  expect(validation(deployment)).toMatch(/replicas must be integer/);
  const service = structuredClone(find('Service', 'customer-gateway'));
  delete (service.spec.ports as { port?: number }[])[0]?.port;
  expect(validation(service as unknown as Record<string, unknown>)).toMatch(
    /ports\/0 must have required property port/,
  );
  const monitor = structuredClone(find('ServiceMonitor', 'customer-gateway'));
  (monitor.spec.endpoints as { interval: string }[])[0] = { interval: 'every 30 seconds' };
  expect(validation(monitor as unknown as Record<string, unknown>)).toMatch(/interval must match pattern/);
});

interface Probe {
  httpGet: { path: string; port: string };
  initialDelaySeconds?: number;
  periodSeconds: number;
  failureThreshold: number;
}
interface Container {
  name: string;
  ports: { name: string; containerPort: number }[];
  env: { name: string; value?: string }[];
  readinessProbe: Probe;
  livenessProbe: Probe;
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  lifecycle: { preStop: { exec: { command: string[] } } };
}

function gateway() {
  const deployment = find('Deployment', 'customer-gateway');
  const spec = deployment.spec as {
    replicas: number;
    strategy: { rollingUpdate: { maxSurge: number; maxUnavailable: number } };
    template: { spec: { terminationGracePeriodSeconds: number; containers: Container[] } };
  };
  const container = spec.template.spec.containers.find((c) => c.name === 'customer-gateway');
  if (!container) throw new Error('no customer-gateway container');
  return { spec, container };
}

/** The `| setting | value |` rows of docs/operations.md's Kubernetes section. */
function documentedSettings(): Map<string, string> {
  const doc = readFileSync(OPERATIONS_DOC, 'utf8');
  const start = doc.indexOf('\n## Kubernetes\n');
  const section = doc.slice(start, doc.indexOf('\n## ', start + 1));
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length === 4 && cells[1] && cells[2] && !cells[1].startsWith('-') && cells[1] !== 'setting')
      rows.set(cells[1], cells[2]);
  }
  return rows;
}

test('the probes, resources, rollout and PodDisruptionBudget are what docs/operations.md says', () => {
  const { spec, container } = gateway();
  const { readinessProbe: ready, livenessProbe: live, resources } = container;
  const pdb = find('PodDisruptionBudget', 'customer-gateway').spec as { minAvailable: number };
  const monitor = find('ServiceMonitor', 'customer-gateway').spec as { endpoints: { interval: string }[] };
  const metricsPort = container.ports.find((p) => p.name === 'metrics')?.containerPort;
  const preStop = container.lifecycle.preStop.exec.command;
  const list = (o: Record<string, string>) =>
    Object.entries(o)
      .map(([k, v]) => `\`${k}: ${v}\``)
      .join(', ');
  const { maxSurge, maxUnavailable } = spec.strategy.rollingUpdate;
  const grace = spec.template.spec.terminationGracePeriodSeconds;
  expect(Object.fromEntries(documentedSettings())).toEqual({
    replicas: `\`${spec.replicas}\``,
    'rolling update': `\`maxSurge: ${maxSurge}\`, \`maxUnavailable: ${maxUnavailable}\``,
    PodDisruptionBudget: `\`minAvailable: ${pdb.minAvailable}\``,
    'readiness probe':
      `\`GET ${ready.httpGet.path}\` every \`${ready.periodSeconds}\` s, ` +
      `out of the Service after \`${ready.failureThreshold}\` failures`,
    'liveness probe':
      `\`GET ${live.httpGet.path}\` from \`${live.initialDelaySeconds}\` s, every \`${live.periodSeconds}\` s, ` +
      `restarted after \`${live.failureThreshold}\` failures`,
    requests: list(resources.requests),
    limits: list(resources.limits),
    'termination grace': `\`${grace}\` s, after a preStop sleep of \`${preStop[1]}\` s`,
    metrics: `port \`${metricsPort}\`, scraped every \`${monitor.endpoints[0]?.interval}\``,
  });
  // And what the table's "why" relies on: two of three replicas stay through a drain and a rollout.
  expect(pdb.minAvailable).toBe(spec.replicas - 1);
  expect(spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
});

test('the grace period outlasts the preStop sleep and the shutdown timeout', () => {
  const { spec, container } = gateway();
  const shutdownMs = Number(container.env.find((e) => e.name === 'SHUTDOWN_TIMEOUT_MS')?.value);
  const preStop = container.lifecycle.preStop.exec.command;
  expect(preStop[0]).toBe('sleep');
  expect(spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(Number(preStop[1]) + shutdownMs / 1000);
});

test('the ServiceMonitor scrapes the metrics port under the job the rules select', () => {
  const { container } = gateway();
  const monitor = find('ServiceMonitor', 'customer-gateway').spec as {
    jobLabel: string;
    selector: { matchLabels: Record<string, string> };
    endpoints: { port: string; path: string }[];
  };
  const selected = objects.filter(
    (o) =>
      o.kind === 'Service' &&
      Object.entries(monitor.selector.matchLabels).every(
        ([k, v]) => (o as unknown as Named).metadata.labels?.[k] === v,
      ),
  ) as unknown as Named[];
  expect(selected.map((s) => s.metadata.name)).toEqual(['customer-gateway-metrics']);
  const [service] = selected;
  const ports = (service?.spec.ports ?? []) as { name: string; port: number; targetPort: string }[];
  const endpoint = monitor.endpoints[0];
  const port = ports.find((p) => p.name === endpoint?.port);
  // The Service's port leads to the container's metrics port, which METRICS_PORT opens.
  expect(port?.targetPort).toBe('metrics');
  const metricsPort = container.ports.find((p) => p.name === 'metrics')?.containerPort;
  expect(container.env.find((e) => e.name === 'METRICS_PORT')?.value).toBe(String(metricsPort));
  expect(port?.port).toBe(metricsPort);
  expect(endpoint?.path).toBe('/metrics');
  // The job is the Service's jobLabel value, and it is the job every rule selects.
  const job = service?.metadata.labels?.[monitor.jobLabel];
  expect(job).toBe('customer-gateway');
  const rules = readFileSync(RULES_FILE, 'utf8');
  expect(rules).toContain(`job="${job}"`);
  expect(rules).not.toMatch(/job="(?!customer-gateway")/);
  // The callers' Service does not expose it.
  const callers = find('Service', 'customer-gateway').spec.ports as { name: string }[];
  expect(callers.map((p) => p.name)).toEqual(['http']);
});

test('the PrometheusRule holds exactly the groups of deploy/prometheus/rules.yaml', () => {
  const rule = find('PrometheusRule', 'customer-gateway').spec as { groups: unknown };
  const expected = ruleGroups(readFileSync(RULES_FILE, 'utf8'));
  try {
    expect(rule.groups).toEqual(expected);
  } catch (error) {
    throw new Error("deploy/kubernetes.yaml's PrometheusRule differs from rules.yaml: run npm run deploy:rules", {
      cause: error,
    });
  }
});

test('npm run deploy:rules would leave the manifest as it is', async () => {
  expect(await withPrometheusRule(manifestText, readFileSync(RULES_FILE, 'utf8'))).toBe(manifestText);
});

test('a PrometheusRule written from changed rules carries the change', async () => {
  const rules = readFileSync(RULES_FILE, 'utf8').replace('> 0.1\n        for: 10m', '> 0.2\n        for: 10m');
  const rewritten = manifestObjects(await withPrometheusRule(manifestText, rules));
  const groups = (rewritten.find((o) => o.kind === 'PrometheusRule') as unknown as Named).spec.groups;
  expect(groups).toEqual(ruleGroups(rules));
  expect(groups).not.toEqual(ruleGroups(readFileSync(RULES_FILE, 'utf8')));
});
