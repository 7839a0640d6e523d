/**
 * The values a timer keeps. A timer holds an exact `count`, and `values`, an equally weighted
 * sample of its timings: each kept value stands for `count / values.length` of them. Two
 * samples with different weights (an outage's million timings kept as 1 000 values, merged with
 * the next interval's 1 000 timings kept whole) are merged by mass, so the result's percentiles
 * follow the counts and not the number of values each side happened to keep.
 */

/**
 * Values a timer may still grow to once its store's total budget (`maxTimerValuesTotal`) is
 * spent. A timer first seen after the budget ran out keeps enough for a median and a rough
 * spread, while `maxSeries` timers at the floor (10 000 × 8 = 80 000 values at the defaults)
 * cost no more than the budget itself: a store holds at most budget + maxSeries × floor values.
 */
export const TIMER_VALUES_FLOOR = 8;

/**
 * How many values a timer that holds `held` of its store's `total` timer values may keep: up to
 * `maxTimerValues` while the store's budget lasts; past it, what it holds (or the floor) and no more.
 */
export function timerValuesAllowed(held: number, total: number, maxTimerValues: number, maxTimerValuesTotal: number): number {
  const room = maxTimerValuesTotal - (total - held); // the budget left for this timer's own sample
  return Math.min(maxTimerValues, Math.max(TIMER_VALUES_FLOOR, held, room));
}

/** A timer's sample: values sorted ascending, standing for `count` timings between them. */
export interface TimerSample {
  readonly count: number;
  readonly values: readonly number[];
}

/**
 * Merges two sorted samples into one sorted sample of at most `maxValues` values.
 *
 * Equal weights that fit are concatenated (exact). Otherwise the merged distribution, each value
 * weighted by its side's `count / values.length`, is cut into `k` slices of equal mass and the
 * value at the middle of each slice is kept (an equal-mass quantile sample: deterministic, only
 * real values, every weighted percentile within one slice, 1/k of the mass, of the exact one).
 */
export function mergeSamples(a: TimerSample, b: TimerSample, maxValues: number): number[] {
  if (b.values.length === 0) return cappedCopy(a.values, maxValues);
  if (a.values.length === 0) return cappedCopy(b.values, maxValues);
  const weightA = a.count / a.values.length;
  const weightB = b.count / b.values.length;
  const total = a.values.length + b.values.length;
  if (total <= maxValues && Math.abs(weightA - weightB) <= 1e-9 * Math.max(weightA, weightB)) {
    return mergeSorted(a.values, b.values);
  }
  return equalMass(a.values, weightA, b.values, weightB, Math.min(maxValues, total));
}

function cappedCopy(values: readonly number[], maxValues: number): number[] {
  if (values.length <= maxValues) return values.slice();
  return equalMass(values, 1, [], 1, maxValues);
}

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out = new Array<number>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/** `k` values at the mass midpoints (j + ½)·W/k of the weighted merge of `a` and `b`. */
function equalMass(a: readonly number[], weightA: number, b: readonly number[], weightB: number, k: number): number[] {
  const totalMass = a.length * weightA + b.length * weightB;
  const step = totalMass / k;
  const out = new Array<number>(k);
  let i = 0;
  let j = 0;
  let massBefore = 0; // mass of the values already passed
  for (let slot = 0; slot < k; slot++) {
    const target = (slot + 0.5) * step;
    for (;;) {
      const takeA = j >= b.length || (i < a.length && a[i]! <= b[j]!);
      const weight = takeA ? weightA : weightB;
      const value = takeA ? a[i] : b[j];
      if (value === undefined) break; // rounding at the very end: keep the last value
      if (massBefore + weight > target) { out[slot] = value; break; }
      massBefore += weight;
      if (takeA) i++; else j++;
    }
    out[slot] ??= out[slot - 1] ?? a[a.length - 1] ?? b[b.length - 1]!;
  }
  return out;
}
