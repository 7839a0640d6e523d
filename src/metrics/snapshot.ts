import type { Tags } from './series.js';

/** One interval's numbers, keyed by series (see `seriesKey`). Sinks read it and never mutate it. */
export interface Snapshot {
  /** End of the interval, epoch milliseconds. */
  readonly time: number;
  /** Length of the interval the snapshot covers, milliseconds. */
  readonly intervalMs: number;
  readonly counters: ReadonlyMap<string, CounterPoint>;
  readonly gauges: ReadonlyMap<string, GaugePoint>;
  readonly timers: ReadonlyMap<string, TimerPoint>;
  readonly sets: ReadonlyMap<string, SetPoint>;
}

export interface PointBase {
  readonly name: string;
  readonly tags: Tags;
}

/** A per-interval delta; sample rates already applied (fractions kept). */
export interface CounterPoint extends PointBase {
  readonly value: number;
  /**
   * The sum of the interval's positive increments, present only when a negative increment made
   * it differ from `value`: what outputs whose counters only count up (Prometheus, OTLP) take.
   */
  readonly increase?: number;
}

/** The last value set in the interval. */
export interface GaugePoint extends PointBase {
  readonly value: number;
}

/**
 * Timings in the interval. `count` is the true count (scaled by sample rate); `values` is what
 * was kept of them (all, or a uniform sample past the per-series cap), sorted ascending.
 */
export interface TimerPoint extends PointBase {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly sum: number;
  readonly sumSquares: number;
  readonly values: readonly number[];
}

/** The distinct members seen in the interval. */
export interface SetPoint extends PointBase {
  readonly values: ReadonlySet<string>;
}
