/** The bench's confidence interval over runs (bench/spread.ts), against values worked out by hand. */
import { meanInterval, t975 } from '../../bench/spread.js';

test('five runs of 1 to 5: mean 3, s = 1.581, 95 % interval 3 ± 2.776 × 1.581 / √5', () => {
  const interval = meanInterval([1, 2, 3, 4, 5]);
  expect(interval.n).toBe(5);
  expect(interval.mean).toBe(3);
  expect(interval.sd).toBeCloseTo(1.5811, 4);
  expect(interval.low).toBeCloseTo(1.0368, 3);
  expect(interval.high).toBeCloseTo(4.9632, 3);
});

test('ten identical runs have no spread: the interval is the value itself', () => {
  const interval = meanInterval(Array.from({ length: 10 }, () => 1.04));
  expect(interval.sd).toBeCloseTo(0, 12);
  expect(interval.low).toBeCloseTo(1.04, 12);
  expect(interval.high).toBeCloseTo(1.04, 12);
});

test('one run has no interval', () => {
  const interval = meanInterval([1.02]);
  expect(interval.mean).toBe(1.02);
  expect(interval.high).toBeNaN();
});

test('t(0.975) follows the table to 30 degrees of freedom and stays close to it beyond', () => {
  expect(t975(9)).toBe(2.262);
  expect(t975(30)).toBe(2.042);
  // Exact values: 2.021 (40), 2.000 (60), 1.980 (120).
  expect(t975(40)).toBeCloseTo(2.021, 2);
  expect(t975(60)).toBeCloseTo(2.0, 2);
  expect(t975(120)).toBeCloseTo(1.98, 2);
  expect(t975(0)).toBeNaN();
});
