/**
 * Moving a `ManualClock` while real I/O runs. The gateway's waits (quota slots, retry waits, attempt timeouts,
 * deadlines) are on the clock, while its requests to the simulators cross loopback in real time. `drive` moves the
 * clock in small steps, each only once the work has caught up with the last one (`ready`): a request let go at
 * some time on the clock reaches the simulator, which reads the same clock, within that step, however slow the
 * machine is.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { TestGateway } from './gateway.js';
import type { ManualClock } from './manual-clock.js';
import { until } from './until.js';

/** Clock milliseconds per step: a request let go within a step reaches the simulator at most this late. */
export const STEP_MS = 5;

export interface DriveOptions {
  /** Checked before each step: true once everything left of the work waits on the clock. */
  ready: () => boolean | Promise<boolean>;
  /** Clock time after which the work is given up for (default: a minute). */
  limitMs?: number;
}

/** Moves `clock` on in steps of `STEP_MS` until `work` settles, and answers what it answers. */
export async function drive<T>(clock: ManualClock, work: Promise<T>, options: DriveOptions): Promise<T> {
  let settled = false;
  const watched = work.then(
    () => (settled = true),
    () => (settled = true),
  );
  const end = clock.now() + (options.limitMs ?? 60_000);
  while (!settled) {
    await until(async () => settled || (await options.ready()), Infinity, 1);
    if (settled) break;
    if (clock.now() >= end) throw new Error(`the work was still running after ${options.limitMs ?? 60_000} ms`);
    await clock.advance(STEP_MS);
  }
  await watched;
  return work;
}

/** Moves `clock` on by `ms` in steps of `STEP_MS`, each once `ready` holds. */
export async function driveFor(clock: ManualClock, ms: number, ready: DriveOptions['ready']): Promise<void> {
  const end = clock.now() + ms;
  while (clock.now() < end) {
    await until(ready, Infinity, 1);
    await clock.advance(Math.min(STEP_MS, end - clock.now()));
  }
}

/** True when every call of `provider` past its bulkhead waits for a quota slot: none is on the wire. */
export function upstreamIdle(gw: TestGateway, provider: string): boolean {
  const state = gw.services.providers.get(provider)?.state?.();
  return state?.inFlight === (state?.quota?.waiting ?? 0);
}

/** How many requests the gateway is answering right now (its own in-flight gauge). */
export async function requestsInFlight(gw: TestGateway): Promise<number> {
  const text = await gw.services.metrics.render();
  return Number(/^http_server_requests_in_flight (\d+)$/m.exec(text)?.[1]);
}

/**
 * Counts the upstream answers whose status line and headers have reached the gateway, bodies still to come (node's
 * http client reports each one on this channel as its headers arrive). Call `stop` when done.
 */
export function watchAnswerHeads(): { count(): number; stop(): void } {
  let heads = 0;
  const onHead = () => (heads += 1);
  subscribe('http.client.response.finish', onHead);
  return { count: () => heads, stop: () => unsubscribe('http.client.response.finish', onHead) };
}
