/**
 * A failed token request gives up this replica's turn to fetch the fleet's token at once: the retry (here, or a
 * lookup at another replica) fetches straight away instead of waiting for the turn's lease to run out. One real
 * redis-server, a token endpoint on loopback that fails its first request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { clientCredentialsAuth } from '../../src/core/auth.js';
import { systemClock } from '../../src/core/clock.js';
import { Deadline } from '../../src/core/deadline.js';
import type { Fleet } from '../../src/fleet/fleet.js';
import { fleetReplica } from '../support/fleet-replica.js';
import { TestRedis } from '../support/redis-server.js';

/** How long one token request may take at the fleet: the turn's lease. Far above what a refetch needs. */
const LEASE_MS = 4000;

let redis: TestRedis;
let fleet: Fleet;
let server: http.Server;
let tokenUrl: string;
const answers: number[] = [];

beforeAll(async () => {
  redis = await TestRedis.start();
  fleet = await fleetReplica(redis.url, { keyPrefix: 'tok:', size: 2 });
  server = http.createServer((_req, res) => {
    const status = answers.length === 0 ? 503 : 200;
    answers.push(status);
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(status === 200 ? JSON.stringify({ access_token: 't-1', expires_in: 3600 }) : '{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
});
afterAll(async () => {
  await fleet.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await redis.stop();
});

test('after a token request fails, the next one goes at once, not after the lease runs out', async () => {
  const auth = clientCredentialsAuth(
    { tokenUrl, form: { client_id: 'c', client_secret: 's' } },
    {
      provider: 'unit',
      http: axios.create({ proxy: false }),
      timeoutMs: 2000,
      clock: systemClock,
      tokens: fleet.tokens.store('credential-1', LEASE_MS),
    },
  );
  const deadline = () => Deadline.after(systemClock, 8000);
  await expect(auth.headers(deadline())).rejects.toMatchObject({ code: 'upstream-error', upstreamStatus: 503 });
  const started = performance.now();
  await expect(auth.headers(deadline())).resolves.toEqual({ Authorization: 'Bearer t-1' });
  // Bound: a fraction of the lease, whatever the machine's load; holding the lease would take all of it.
  expect(performance.now() - started).toBeLessThan(LEASE_MS / 2);
  expect(answers).toEqual([503, 200]);
});
