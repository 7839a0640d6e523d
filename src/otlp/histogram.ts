import type { TimerPoint } from '../metrics/snapshot.js';
import type { Attributes, HistogramPoint } from './model.js';

/** An accumulated explicit-bucket histogram. */
export interface Buckets {
  count: number;
  sum: number;
  min: number;
  max: number;
  readonly bounds: readonly number[];
  readonly counts: number[];
}

/**
 * A timer's values, times `scale` (ms → s), into explicit buckets (a value equal to a bound falls in that bound's
 * bucket, as OTel does). Values kept as a sample stand for `count / values.length` each; the
 * rounding remainder goes to the fullest bucket, so the bucket counts always add up to `count`.
 */
export function bucketize(point: TimerPoint, bounds: readonly number[], scale = 1): Buckets {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  let bucket = 0;
  for (const raw of point.values) {
    const value = raw * scale;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    counts[bucket]!++;
  }
  const count = Math.round(point.count);
  if (point.values.length !== count && point.values.length > 0) {
    const weight = count / point.values.length;
    let assigned = 0;
    let fullest = 0;
    for (let i = 0; i < counts.length; i++) {
      counts[i] = Math.floor(counts[i]! * weight);
      assigned += counts[i]!;
      if (counts[i]! > counts[fullest]!) fullest = i;
    }
    counts[fullest]! += count - assigned;
  }
  return { count, sum: populationSum(point, count) * scale, min: point.min * scale, max: point.max * scale, bounds, counts };
}

/**
 * The sum of the `count` values the point stands for. The aggregator's `sum` adds each recorded
 * value once while `count` adds 1/sampleRate per value (statsd's convention), so a sampled timer
 * (12 recorded thrice at rate 0.3: count 10, sum 36) would have a mean below its minimum. An
 * integer count whose mean lies within [min, max] keeps the exact sum (every unsampled timer,
 * capped or not); otherwise the sum is the kept values' mean (a uniform sample) times `count`,
 * held within [min, max], so `min ≤ sum / count ≤ max` always.
 */
function populationSum(point: TimerPoint, count: number): number {
  const mean = point.sum / point.count;
  if (point.values.length === 0 || (Number.isInteger(point.count) && mean >= point.min && mean <= point.max)) return point.sum;
  let kept = 0;
  for (const value of point.values) kept += value;
  return Math.min(point.max, Math.max(point.min, kept / point.values.length)) * count;
}

export function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a === b || (a.length === b.length && a.every((v, i) => v === b[i]));
}

export function mergeBuckets(a: Buckets, b: Buckets): Buckets {
  return {
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    bounds: a.bounds,
    counts: a.counts.map((c, i) => c + (b.counts[i] ?? 0)),
  };
}

export function histogramPoint(attributes: Attributes, startNs: bigint, timeNs: bigint, b: Buckets): HistogramPoint {
  return { attributes, startNs, timeNs, count: b.count, sum: b.sum, min: b.min, max: b.max, bounds: b.bounds, counts: b.counts };
}
