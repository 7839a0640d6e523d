import type { TimerPoint } from './snapshot.js';

/** The default percentiles: the median's p50 (reported as `median`), p95 and p99. */
export const DEFAULT_PERCENTILES: readonly number[] = [50, 95, 99];

/**
 * A timer's figures for one interval. Median and percentiles follow Etsy statsd 0.9
 * (`lib/process_metrics.js`) and gostatsd's aggregator exactly; see `percentileOfSorted` and
 * `medianOfSorted`. Count, sum, sum of squares, min and max cover every value recorded; mean,
 * stddev, median and percentiles come from the values kept (all of them unless the per-series
 * cap forced a sample).
 */
export interface TimerSummary {
  readonly count: number;
  /** Count per second of the interval. */
  readonly countPerSecond: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly median: number;
  readonly stddev: number;
  readonly sum: number;
  readonly sumSquares: number;
  /**
   * `[percentile, value]` pairs, in the order asked for; a percentile whose threshold holds no
   * value (`round(N/100 × count)` is 0, e.g. p1 of 10 values) is left out, as both peers do.
   */
  readonly percentiles: ReadonlyArray<readonly [number, number]>;
}

/**
 * How many of the lowest `count` values lie within the `percentile` threshold: Etsy statsd's and
 * gostatsd's `numInThreshold`, `round(|N| / 100 × count)` rounded half up, or `count` itself when
 * there is at most one value. The expression is spelled exactly as theirs so floating point
 * rounds the same way (0.95 × 10 is 9.5 in both, hence 10).
 */
export function thresholdCount(count: number, percentile: number): number {
  if (count <= 1) return count;
  return Math.round(Math.abs(percentile) / 100 * count);
}

/**
 * The `percentile` value of values sorted ascending: `sorted[round(N/100 × count) − 1]`, the
 * peers' `upper_N`. Undefined when no value lies within the threshold (no values at all, or a
 * small percentile of few values).
 */
export function percentileOfSorted(sorted: readonly number[], percentile: number): number | undefined {
  const within = thresholdCount(sorted.length, percentile);
  return within === 0 ? undefined : sorted[Math.min(within, sorted.length) - 1];
}

/** The median of values sorted ascending: the middle one, or the mean of the two middle ones for an even count (0 when empty). */
export function medianOfSorted(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The figures of one timer's interval (`percentiles` in percent, e.g. `[50, 95, 99]`). */
export function summarizeTimer(
  timer: TimerPoint,
  intervalMs: number,
  percentiles: readonly number[] = DEFAULT_PERCENTILES,
): TimerSummary {
  const n = timer.values.length;
  // min/max/sum are exact over every value recorded; mean and spread come from what was kept,
  // which is everything unless the per-interval cap forced a sample.
  let keptSum = 0;
  for (const v of timer.values) keptSum += v;
  const mean = n === 0 ? 0 : keptSum / n;
  let squares = 0;
  for (const v of timer.values) squares += (v - mean) ** 2;
  const stddev = n === 0 ? 0 : Math.sqrt(squares / n);
  return {
    count: timer.count,
    countPerSecond: intervalMs > 0 ? timer.count / (intervalMs / 1000) : 0,
    min: n === 0 ? 0 : timer.min,
    max: n === 0 ? 0 : timer.max,
    mean,
    median: medianOfSorted(timer.values),
    stddev,
    sum: timer.sum,
    sumSquares: timer.sumSquares,
    percentiles: percentilePairs(timer.values, percentiles),
  };
}

function percentilePairs(sorted: readonly number[], percentiles: readonly number[]): Array<readonly [number, number]> {
  const pairs: Array<readonly [number, number]> = [];
  for (const p of percentiles) {
    const value = percentileOfSorted(sorted, p);
    if (value !== undefined) pairs.push([p, value]);
  }
  return pairs;
}
