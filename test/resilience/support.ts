/** Helpers shared by the resilience tests. */
import type { Simulator } from '../../src/core/simulator.js';

/** Records the arrival time of every API request the simulator receives. */
export function recordArrivals(sim: Simulator): number[] {
  const arrivals: number[] = [];
  sim.onApiRequest = (at) => arrivals.push(at);
  return arrivals;
}

/** The most requests that arrived within any sliding second (shared with the chaos run). */
export { maxInOneSecond } from '../../bench/chaos-run.js';

export interface Problem {
  type: string;
  status: number;
  provider?: string;
}

export async function problemOf(res: Response): Promise<Problem> {
  if (!/^application\/problem\+json/.test(res.headers.get('content-type') ?? ''))
    throw new Error(`not a problem: ${res.status} ${res.headers.get('content-type')}`);
  return (await res.json()) as Problem;
}
