import { GatewayMetrics, MAX_DRIFT_FIELDS_PER_PROVIDER } from '../../src/core/metrics.js';
import { schemaDriftOf, type SchemaDeclaration } from '../../src/core/schema-drift.js';

const schema: SchemaDeclaration = {
  known: ['id', 'name', 'profile.address.city', 'accounts[].id', 'accounts[].status', 'tags', 'extra'],
  expected: ['id', 'name', 'accounts', 'accounts[].status', 'profile.address.city'],
};

describe('schemaDriftOf', () => {
  test('a body that matches the declaration has no drift', () => {
    const body = {
      id: '1',
      name: 'A',
      profile: { address: { city: 'Oslo' } },
      accounts: [{ id: 'a', status: 'ACTIVE' }],
      tags: ['x'],
    };
    expect(schemaDriftOf(schema, body)).toEqual({ unknown: [], missing: [] });
  });

  test('unknown fields are reported by path, once per body, without walking below an unknown field', () => {
    const body = {
      id: '1',
      name: 'A',
      region: { code: 'EU', zone: 1 },
      profile: { address: { city: 'Oslo', street: 'Main' } },
      accounts: [
        { id: 'a', status: 'ACTIVE', label: 'x' },
        { id: 'b', status: 'ACTIVE', label: 'y' },
      ],
    };
    expect(schemaDriftOf(schema, body).unknown.sort()).toEqual([
      'accounts[].label',
      'profile.address.street',
      'region',
    ]);
  });

  test('a known field with nothing declared below it is opaque', () => {
    expect(
      schemaDriftOf(schema, { id: '1', name: 'A', accounts: [], extra: { anything: { goes: true } } }).unknown,
    ).toEqual([]);
  });

  test('missing means the container is there but the field is not; null counts as present', () => {
    const body = { id: '1', name: null, accounts: [{ id: 'a', status: 'ACTIVE' }, { id: 'b' }] };
    expect(schemaDriftOf(schema, body).missing).toEqual(['accounts[].status']);
    // No accounts at all: "accounts" is missing, not each account's status; no profile: its city is not counted.
    expect(schemaDriftOf(schema, { id: '1', name: 'A' }).missing).toEqual(['accounts']);
    expect(schemaDriftOf(schema, { id: '1', name: 'A', accounts: [] }).missing).toEqual([]);
  });
});

describe('schema drift metrics', () => {
  test('the field label is capped per provider; later fields are counted as "other"', async () => {
    const metrics = new GatewayMetrics({ size: 0, bytes: 0 });
    const wide = Object.fromEntries(Array.from({ length: MAX_DRIFT_FIELDS_PER_PROVIDER + 20 }, (_, i) => [`f${i}`, i]));
    metrics.schemaDrift('p1', { known: ['id'], expected: [] }, { id: 'x', ...wide });
    metrics.schemaDrift('p2', { known: ['id'], expected: [] }, { id: 'x', f0: 1 });
    const text = await metrics.render();
    const p1Fields = text.split('\n').filter((l) => l.startsWith('upstream_schema_unknown_fields_total{provider="p1"'));
    expect(p1Fields).toHaveLength(MAX_DRIFT_FIELDS_PER_PROVIDER + 1);
    expect(text).toContain('upstream_schema_unknown_fields_total{provider="p1",field="other"} 20');
    // Another provider has its own budget.
    expect(text).toContain('upstream_schema_unknown_fields_total{provider="p2",field="f0"} 1');
  });
});
