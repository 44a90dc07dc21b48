import { startTestGateway, type TestGateway } from '../support/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway();
});
afterAll(async () => gw.close());

test('a seeded Tango customer is answered in the common model', async () => {
  const res = await gw.lookup('tango', 'zanzibar-health');
  expect(res.status).toBe(200);
  const body = (await res.json()) as { data: { displayName: string } };
  expect(body.data.displayName).toBe('Zanzibar Health Group');
});
