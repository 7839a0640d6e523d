import type { Histogram } from 'node:perf_hooks';

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
  /**
   * Counts by bucket (fractional: reconstructed from the histogram's percentile table); absent
   * when no window could merge this drain with another (one reader).
   */
  readonly buckets: Float64Array | undefined;
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
  /** Largest exact percentiles of the batches held: the answer when a batch came without buckets. */
  readonly #top = { p50: 0, p90: 0, p95: 0, p99: 0 };
  /** Some batch held came without buckets. */
  #coarse = false;
  /** Some batch held added buckets (a reset then clears them). */
  #bucketed = false;

  /**
   * Turns the histogram's content into a batch, adds it here and returns it. What costs is read
   * only when a reader needs it (measured per drain on an idle loop: `stddev` ~175 µs, the
   * percentile table ~50 µs, `mean` ~25 µs, against ~20 µs for the four percentiles):
   * `moments` reads mean and stddev; `detail` (several readers, so windows merge drains) fills
   * the buckets from the full percentile table.
   */
  fold(h: Histogram, periodMs: number, bridgeLateMs: number, moments = true, detail = true): DelayBatch {
    const count = h.count;
    const buckets = detail ? new Float64Array(BUCKETS) : undefined;
    let batch: DelayBatch;
    if (count > 0) {
      const mean = moments ? h.mean / 1e6 - periodMs : 0;
      // Read once: each read of `stddev` walks the whole histogram (~4 M instructions cold).
      const stddev = moments ? h.stddev : Number.NaN;
      const sd = Number.isFinite(stddev) ? stddev / 1e6 : 0;
      const p50 = beyond(h.percentile(50), periodMs);
      const p90 = beyond(h.percentile(90), periodMs);
      const p95 = beyond(h.percentile(95), periodMs);
      const p99 = beyond(h.percentile(99), periodMs);
      const max = Math.max(beyond(h.max, periodMs), bridgeLateMs);
      if (buckets !== undefined) {
        let previous = 0;
        for (const [percent, ns] of h.percentiles) {
          const weight = (count * (percent - previous)) / 100;
          if (weight > 0) buckets[bucketOf(ns / 1e6 - periodMs)]! += weight;
          previous = percent;
        }
      }
      batch = {
        count,
        sum: mean * count,
        sumSquares: (sd * sd + mean * mean) * count,
        min: beyond(h.min, periodMs),
        max,
        p50, p90, p95, p99,
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
    const top = this.#top;
    if (batch.p50 > top.p50) top.p50 = batch.p50;
    if (batch.p90 > top.p90) top.p90 = batch.p90;
    if (batch.p95 > top.p95) top.p95 = batch.p95;
    if (batch.p99 > top.p99) top.p99 = batch.p99;
    const from = batch.buckets;
    if (from === undefined) {
      if (batch.count > 0) this.#coarse = true;
      return;
    }
    const buckets = this.#buckets;
    for (let i = 0; i < BUCKETS; i++) buckets[i]! += from[i]!;
    this.#bucketed = true;
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
    // A drain without buckets (it had one reader) merged with later ones: the largest of the
    // drains' exact percentiles, an upper bound, rather than a guess.
    if (this.#coarse) return { count, min: this.#min, max: this.#max, mean, stddev, ...this.#top };
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
    if (this.#bucketed) this.#buckets.fill(0);
    this.#bucketed = false;
    const top = this.#top;
    top.p50 = top.p90 = top.p95 = top.p99 = 0;
    this.#coarse = false;
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
