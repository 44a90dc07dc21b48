/**
 * The fleet's purge seen from two replicas: `at` and `other` both hold the customer, a purge at `at` answers 204
 * (every replica confirmed), and `other` then loads it again from the upstream, once.
 */
import type { Simulator } from '../../src/core/simulator.js';
import type { TestGateway } from './gateway.js';

export async function expectPurgeReachesOther(
  at: TestGateway,
  other: TestGateway,
  sim: Simulator,
  provider: string,
  id: string,
): Promise<void> {
  expect((await at.lookup(provider, id)).status).toBe(200);
  expect((await other.lookup(provider, id)).headers.get('cache-status')).toMatch(/; hit; /);
  const before = sim.stats.apiRequests;
  const purge = await fetch(`${at.url}/cache/customers/${provider}/${id}`, { method: 'DELETE' });
  expect(purge.status).toBe(204);
  const after = await other.lookup(provider, id);
  expect(after.status).toBe(200);
  expect(after.headers.get('cache-status')).toContain('fwd=miss; stored');
  expect(sim.stats.apiRequests - before).toBe(1);
}
