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
  return { count, sum: point.sum * scale, min: point.min * scale, max: point.max * scale, bounds, counts };
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
