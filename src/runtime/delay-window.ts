import type { IntervalHistogram } from 'node:perf_hooks';

/**
 * Fixed log-spaced buckets of delay beyond the probe period, ms: bucket 0 holds 0–1 µs, bucket
 * i holds up to 1 µs × 2^(i/8) (9 % wide), the last one everything from ~18 min up.
 */
const STEPS_PER_OCTAVE = 8;
const BUCKETS = 8 * 30;
const FLOOR_MS = 0.001;

export function bucketOf(lagMs: number): number {
  if (!(lagMs > FLOOR_MS)) return 0;
  const i = Math.ceil(STEPS_PER_OCTAVE * Math.log2(lagMs / FLOOR_MS));
  return i < BUCKETS ? i : BUCKETS - 1;
}

export function bucketBound(i: number): number {
  return i === 0 ? FLOOR_MS : FLOOR_MS * 2 ** (i / STEPS_PER_OCTAVE);
}

/** What one drain of the probe recorded, as delay beyond the period, ms. */
export interface DelayBatch {
  readonly count: number;
  /** Sum and sum of squares of the (unclamped) delays beyond the period. */
  readonly sum: number;
  readonly sumSquares: number;
  readonly min: number;
  /** Includes the bridge tick's lateness. */
  readonly max: number;
  /** Exact percentiles of this batch, from the probe's own histogram. */
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  /** Counts by bucket (fractional: reconstructed from the histogram's percentile table). */
  readonly buckets: Float64Array;
}

/** The figures a reader reports for its window, ms beyond the probe period (0 when nothing was recorded). */
export interface DelayFigures {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Standard deviation of the delays, ms. */
  readonly stddev: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
}

/**
 * One reader's view of the delay probe since it last read (its cursor), or the probe's
 * cumulative view. A window that holds one drain reports that drain's exact percentiles (the
 * common case: one reader, or a reader that reads at every drain); one that holds several
 * reports min, max, mean and stddev exactly and the percentiles from the fixed buckets
 * (within one bucket, 9 %).
 */
export class DelayWindow {
  #batches = 0;
  #only: DelayBatch | undefined;
  #count = 0;
  #sum = 0;
  #sumSquares = 0;
  #min = Infinity;
  #max = 0;
  readonly #buckets = new Float64Array(BUCKETS);

  /** Turns the histogram's content into a batch, adds it here and returns it. */
  fold(h: IntervalHistogram, periodMs: number, bridgeLateMs: number): DelayBatch {
    const count = h.count;
    const buckets = new Float64Array(BUCKETS);
    let batch: DelayBatch;
    if (count > 0) {
      const mean = h.mean / 1e6 - periodMs;
      const sd = Number.isFinite(h.stddev) ? h.stddev / 1e6 : 0;
      let previous = 0;
      for (const [percent, ns] of h.percentiles) {
        const weight = (count * (percent - previous)) / 100;
        if (weight > 0) buckets[bucketOf(ns / 1e6 - periodMs)]! += weight;
        previous = percent;
      }
      batch = {
        count,
        sum: mean * count,
        sumSquares: (sd * sd + mean * mean) * count,
        min: beyond(h.min, periodMs),
        max: Math.max(beyond(h.max, periodMs), bridgeLateMs),
        p50: beyond(h.percentile(50), periodMs),
        p90: beyond(h.percentile(90), periodMs),
        p95: beyond(h.percentile(95), periodMs),
        p99: beyond(h.percentile(99), periodMs),
        buckets,
      };
    } else {
      const max = bridgeLateMs > 0 ? bridgeLateMs : 0;
      batch = { count: 0, sum: 0, sumSquares: 0, min: Infinity, max, p50: 0, p90: 0, p95: 0, p99: 0, buckets };
    }
    this.add(batch);
    return batch;
  }

  add(batch: DelayBatch): void {
    this.#batches++;
    this.#only = this.#batches === 1 ? batch : undefined;
    this.#count += batch.count;
    this.#sum += batch.sum;
    this.#sumSquares += batch.sumSquares;
    if (batch.min < this.#min) this.#min = batch.min;
    if (batch.max > this.#max) this.#max = batch.max;
    const buckets = this.#buckets;
    for (let i = 0; i < BUCKETS; i++) buckets[i]! += batch.buckets[i]!;
  }

  /** The window's figures, ms beyond the probe period. */
  figures(): DelayFigures {
    const count = this.#count;
    if (count === 0) return { count: 0, min: 0, max: this.#max, mean: 0, stddev: 0, p50: 0, p90: 0, p95: 0, p99: 0 };
    const rawMean = this.#sum / count;
    const variance = this.#sumSquares / count - rawMean * rawMean;
    const stddev = variance > 0 ? Math.sqrt(variance) : 0;
    const mean = rawMean > 0 ? rawMean : 0;
    const only = this.#only;
    if (only !== undefined) {
      return { count, min: only.min, max: only.max, mean, stddev, p50: only.p50, p90: only.p90, p95: only.p95, p99: only.p99 };
    }
    return {
      count, min: this.#min, max: this.#max, mean, stddev,
      p50: this.#percentile(50), p90: this.#percentile(90), p95: this.#percentile(95), p99: this.#percentile(99),
    };
  }

  /** Starts the window afresh (the reader's cursor moves to now). */
  reset(): void {
    this.#batches = 0;
    this.#only = undefined;
    this.#count = 0;
    this.#sum = 0;
    this.#sumSquares = 0;
    this.#min = Infinity;
    this.#max = 0;
    this.#buckets.fill(0);
  }

  #percentile(percent: number): number {
    const target = (this.#count * percent) / 100;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#buckets[i]!;
      if (seen >= target - 1e-9) return clamp(i === 0 ? 0 : bucketBound(i), this.#min, this.#max);
    }
    return this.#max;
  }
}

/** ns between ticks → ms beyond the period (an early tick is no lag). */
function beyond(ns: number, periodMs: number): number {
  const ms = ns / 1e6 - periodMs;
  return ms > 0 ? ms : 0;
}

function clamp(value: number, low: number, high: number): number {
  return value < low ? low : value > high ? high : value;
}
