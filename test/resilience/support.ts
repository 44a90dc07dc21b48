/** Helpers shared by the resilience tests. */
import type { Simulator } from '../../src/core/simulator.js';

/** Records the arrival time of every API request the simulator receives. */
export function recordArrivals(sim: Simulator): number[] {
  const arrivals: number[] = [];
  sim.onApiRequest = (at) => arrivals.push(at);
  return arrivals;
}

/** The most requests that arrived within any window of `windowMs` (sliding, whatever its alignment). */
export function maxInWindow(arrivals: readonly number[], windowMs = 1000): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

export interface Problem {
  type: string;
  status: number;
  provider?: string;
}

export async function problemOf(res: Response): Promise<Problem> {
  if (!/^application\/problem\+json/.test(res.headers.get('content-type') ?? '')) throw new Error(`not a problem: ${res.status} ${res.headers.get('content-type')}`);
  return (await res.json()) as Problem;
}
