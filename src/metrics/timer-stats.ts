import type { TimerPoint } from './snapshot.js';

/** gostatsd's default percentiles. */
export const DEFAULT_PERCENTILES: readonly number[] = [50, 95, 99];

/** A timer's figures for one interval, as gostatsd computes them. */
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
  /** `[percentile, value]` pairs, in the order asked for. */
  readonly percentiles: ReadonlyArray<readonly [number, number]>;
}

/** The nearest-rank percentile of values sorted ascending (0 when there are none). */
export function percentileOfSorted(sorted: readonly number[], percentile: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((percentile / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarizeTimer(
  timer: TimerPoint,
  intervalMs: number,
  percentiles: readonly number[] = DEFAULT_PERCENTILES,
): TimerSummary {
  const n = timer.values.length;
  // min/max/sum are exact over every value recorded; mean and spread come from what was kept,
  // which is everything unless the per-interval cap forced a uniform sample.
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
    median: percentileOfSorted(timer.values, 50),
    stddev,
    sum: timer.sum,
    sumSquares: timer.sumSquares,
    percentiles: percentiles.map((p) => [p, percentileOfSorted(timer.values, p)] as const),
  };
}
