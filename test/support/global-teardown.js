/** After the run: removes the gateway's compiled copy made by test/support/global-setup.js. */
import { rm } from 'node:fs/promises';

export default async function globalTeardown() {
  const out = process.env.GATEWAY_TEST_BUILD;
  if (out) await rm(out, { recursive: true, force: true });
}
