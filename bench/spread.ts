/**
 * The spread of a figure measured over several runs: the runs' mean and a 95 % confidence interval for it, from
 * Student's t (mean ± t(0.975, n − 1) × s / √n, s the runs' sample standard deviation). It treats the runs as
 * independent draws of one noisy figure; with ten runs that is as far as the bench's data go.
 */

/** t(0.975, df) for df = 1…30, from the standard table. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
const Z_975 = 1.959964;

/** The two-sided 95 % quantile of Student's t with `df` degrees of freedom (beyond 30, a close approximation). */
export function t975(df: number): number {
  if (!Number.isInteger(df) || df < 1) return NaN;
  // Past the table, the first term of the Cornish-Fisher expansion: within 0.003 of the exact value.
  return T_975[df - 1] ?? Z_975 + (Z_975 ** 3 + Z_975) / (4 * df);
}

export interface Interval {
  n: number;
  mean: number;
  /** The runs' sample standard deviation. */
  sd: number;
  low: number;
  high: number;
}

/** The mean of `values` with its 95 % t-interval; with fewer than two values the bounds are NaN. */
export function meanInterval(values: readonly number[]): Interval {
  const n = values.length;
  const mean = values.reduce((sum, v) => sum + v, 0) / n;
  const sd = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (n - 1));
  const half = (t975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, low: mean - half, high: mean + half };
}
