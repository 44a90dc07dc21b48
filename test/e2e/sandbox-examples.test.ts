/** Sandbox mode: every registered provider gets its simulator, and its example id (the README's) is answered. */
import { adapters } from '../../providers/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => gw.close());

test.each(adapters.map((a) => [a.id, a.exampleId]))(
  '%s answers its example id %s from its built-in simulator',
  async (provider, id) => {
    expect(gw.simulators.has(provider)).toBe(true);
    const res = await gw.lookup(provider, encodeURIComponent(id));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: { id: string } }).data.id).toBe(`${provider}:${id}`);
  },
);
