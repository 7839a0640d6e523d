import { shared } from '../util/global-state.js';
import { InternalMetric, OutputRuleMetric, RefusedMetric } from './names.js';
import { tellRefusal } from './refusals.js';
import { NO_TAGS, seriesKey, type Tags } from './series.js';
import type { CounterPoint, GaugePoint, SetPoint, Snapshot, TimerPoint } from './snapshot.js';
import { TIMER_VALUES_FLOOR } from './timer-sample.js';

/** Limits of the in-process aggregator. */
export interface AggregatorOptions {
  /** Distinct series accepted per interval, all kinds together; the rest are dropped and counted. @default 10000 */
  readonly maxSeries?: number;
  /** Timer values kept per series per interval; past it a uniform sample is kept (count, min, max and sum stay exact). @default 1000 */
  readonly maxTimerValues?: number;
  /**
   * Timer values kept per interval, all timers together. Past it a timer's sample grows no
   * further than it is (or `TIMER_VALUES_FLOOR`, 8 values) and samples within that size; count,
   * sum, min and max stay exact. At most this plus `maxSeries` × 8 values are held. @default 100000
   */
  readonly maxTimerValuesTotal?: number;
  /** Distinct set members kept per interval, all sets together (a bound on memory, not per set). @default 100000 */
  readonly maxSetValues?: number;
  /** Clock, epoch ms. @default Date.now */
  readonly now?: () => number;
}

// The worst case these allow, and the whole library's, is worked out in docs/memory.md.
export const AGGREGATOR_DEFAULTS = { maxSeries: 10_000, maxTimerValues: 1_000, maxTimerValuesTotal: 100_000, maxSetValues: 100_000 } as const;

interface CounterCell { name: string; tags: Tags; value: number; increase: number; touched: boolean }
interface GaugeCell { name: string; tags: Tags; value: number; touched: boolean }
interface TimerCell {
  name: string; tags: Tags; touched: boolean;
  count: number; seen: number; min: number; max: number; sum: number; sumSquares: number; values: number[];
}
interface SetCell { name: string; tags: Tags; touched: boolean; values: Set<string> }

/**
 * Sees every value as it is recorded, with its series key and sample rate, before the interval's
 * caps (pull sources record, and so reach taps, when `swap()` runs them). The Prometheus endpoint
 * keeps its own cumulative view this way, so the report loop's `swap()` never takes from it.
 */
export type AggregatorTap = (kind: 'count' | 'gauge' | 'timing' | 'set', key: string, name: string, tags: Tags, value: number | string, sampleRate: number) => void;

/**
 * The interval store every source pushes into and the report loop drains once per interval.
 *
 * Cells outlive the interval that created them (their values reset at each swap), so recording
 * to a key that was used in the previous interval is one Map lookup and allocates nothing;
 * a cell untouched for a whole interval is released, so memory follows the live series.
 */
export class Aggregator {
  readonly #maxSeries: number;
  readonly #maxTimerValues: number;
  readonly #maxTimerValuesTotal: number;
  readonly #maxSetValues: number;
  readonly #now: () => number;
  #counters = new Map<string, CounterCell>();
  #gauges = new Map<string, GaugeCell>();
  #timers = new Map<string, TimerCell>();
  #sets = new Map<string, SetCell>();
  #live = 0;
  #setMembers = 0;
  #timerValues = 0;
  #dropped = { series: 0, timerValues: 0, setValues: 0, invalid: 0, nonFinite: 0, negativeIncrements: 0, negativeTimings: 0 };
  #intervalStart: number;
  #pullSources = new Set<(aggregator: Aggregator) => void>();
  #taps = new Set<AggregatorTap>();
  // Series keys of tagged series, by tags array then name. Sources that reuse one tags array
  // per series (the statsd receiver, the HTTP monitor) then record without building the key
  // (a sort and a join: measured ~250 ns a call, against ~10 ns with this cache).
  // Tags arrays are treated as immutable once passed in (they are typed readonly).
  #taggedKeys = new WeakMap<Tags, Map<string, string>>();

  constructor(options: AggregatorOptions = {}) {
    this.#maxSeries = options.maxSeries ?? AGGREGATOR_DEFAULTS.maxSeries;
    this.#maxTimerValues = options.maxTimerValues ?? AGGREGATOR_DEFAULTS.maxTimerValues;
    this.#maxTimerValuesTotal = options.maxTimerValuesTotal ?? AGGREGATOR_DEFAULTS.maxTimerValuesTotal;
    this.#maxSetValues = options.maxSetValues ?? AGGREGATOR_DEFAULTS.maxSetValues;
    this.#now = options.now ?? Date.now;
    this.#intervalStart = this.#now();
  }

  /**
   * Adds `value / sampleRate` to a counter. Never throws: a call with a name, tags, value or rate
   * of the wrong type, or whose value or sum would not be finite, is refused and counted
   * (`hmetrics.dropped.invalid`, `hmetrics.dropped.non_finite`); the counter keeps its value.
   * A negative increment (statsd's `decrement`) stays in the interval's sum, which statsd, Heroku
   * and the log carry; the monotonic outputs (Prometheus, OTLP) take only `increase`, the sum of
   * the positive ones. Each is counted in `hmetrics.negative_increments` (docs/outputs.md).
   */
  count(name: string, value: number, tags: Tags = NO_TAGS, sampleRate = 1): void {
    const key = this.#keyOf(name, tags);
    const delta = sampleRate === 1 ? value : value / sampleRate;
    if (key === undefined || typeof value !== 'number' || typeof sampleRate !== 'number' || !(sampleRate > 0) || delta - delta !== 0) {
      this.#refuse('count', name, key !== undefined && typeof value === 'number' && typeof sampleRate === 'number' && sampleRate > 0);
      return;
    }
    if (value < 0) this.#dropped.negativeIncrements++;
    if (this.#taps.size !== 0) for (const tap of this.#taps) tap('count', key, name, tags, value, sampleRate);
    let cell = this.#counters.get(key);
    if (cell === undefined) {
      if (!this.#admit()) return;
      cell = { name, tags, value: 0, increase: 0, touched: false };
      this.#counters.set(key, cell);
    }
    if (!cell.touched && !this.#touch(cell)) return;
    const sum = cell.value + delta;
    const increase = delta > 0 ? cell.increase + delta : cell.increase;
    if (sum - sum !== 0 || increase - increase !== 0) {
      this.#refuse('count', name, true);
      return;
    }
    cell.value = sum;
    cell.increase = increase;
  }

  /** Sets a gauge to `value` (the last value in an interval wins). */
  gauge(name: string, value: number, tags: Tags = NO_TAGS): void {
    const key = this.#keyOf(name, tags);
    if (key === undefined || typeof value !== 'number' || value - value !== 0) {
      this.#refuse('gauge', name, key !== undefined && typeof value === 'number');
      return;
    }
    if (this.#taps.size !== 0) for (const tap of this.#taps) tap('gauge', key, name, tags, value, 1);
    let cell = this.#gauges.get(key);
    if (cell === undefined) {
      if (!this.#admit()) return;
      cell = { name, tags, value: 0, touched: false };
      this.#gauges.set(key, cell);
    }
    if (!cell.touched && !this.#touch(cell)) return;
    cell.value = value;
  }

  /**
   * Records one timing (any unit; ms by convention). `sampleRate` scales the count. A negative
   * timing is refused and counted like a negative increment: a histogram's sum is counter-like.
   */
  timing(name: string, value: number, tags: Tags = NO_TAGS, sampleRate = 1): void {
    const key = this.#keyOf(name, tags);
    const weight = sampleRate === 1 ? 1 : 1 / sampleRate;
    const square = value * value;
    if (key === undefined || typeof value !== 'number' || typeof sampleRate !== 'number' || !(sampleRate > 0) || square - square !== 0 || weight - weight !== 0) {
      this.#refuse('timing', name, key !== undefined && typeof value === 'number' && typeof sampleRate === 'number' && sampleRate > 0);
      return;
    }
    if (value < 0) {
      this.#dropped.negativeTimings++;
      return;
    }
    if (this.#taps.size !== 0) for (const tap of this.#taps) tap('timing', key, name, tags, value, sampleRate);
    let cell = this.#timers.get(key);
    if (cell === undefined) {
      if (!this.#admit()) return;
      cell = { name, tags, touched: false, count: 0, seen: 0, min: Infinity, max: -Infinity, sum: 0, sumSquares: 0, values: [] };
      this.#timers.set(key, cell);
    }
    if (!cell.touched && !this.#touch(cell)) return;
    const count = cell.count + weight;
    const sum = cell.sum + value;
    const sumSquares = cell.sumSquares + square;
    if (count - count !== 0 || sum - sum !== 0 || sumSquares - sumSquares !== 0) {
      this.#refuse('timing', name, true);
      return;
    }
    cell.count = count;
    cell.seen++;
    if (value < cell.min) cell.min = value;
    if (value > cell.max) cell.max = value;
    cell.sum = sum;
    cell.sumSquares = sumSquares;
    this.#keepValue(cell, value);
  }

  /** Adds a member to a set (distinct members are counted per interval). */
  setMember(name: string, member: string, tags: Tags = NO_TAGS): void {
    const key = this.#keyOf(name, tags);
    if (key === undefined || typeof member !== 'string') {
      this.#refuse('setMember', name, false);
      return;
    }
    if (this.#taps.size !== 0) for (const tap of this.#taps) tap('set', key, name, tags, member, 1);
    let cell = this.#sets.get(key);
    if (cell === undefined) {
      if (!this.#admit()) return;
      cell = { name, tags, touched: false, values: new Set() };
      this.#sets.set(key, cell);
    }
    if (!cell.touched && !this.#touch(cell)) return;
    if (cell.values.has(member)) return;
    if (this.#setMembers >= this.#maxSetValues) {
      this.#dropped.setValues++;
      return;
    }
    cell.values.add(member);
    this.#setMembers++;
  }

  /**
   * Folds a timer summarised elsewhere (a worker thread or cluster worker) into this interval:
   * count, min, max, sum and sum of squares stay exact; its values join under the same cap.
   */
  mergeTimer(name: string, point: Omit<TimerPoint, 'name' | 'tags'>, tags: Tags = NO_TAGS): void {
    const key = this.#keyOf(name, tags);
    if (key === undefined) {
      this.#refuse('mergeTimer', name, false);
      return;
    }
    let cell = this.#timers.get(key);
    if (cell === undefined) {
      if (!this.#admit()) return;
      cell = { name, tags, touched: false, count: 0, seen: 0, min: Infinity, max: -Infinity, sum: 0, sumSquares: 0, values: [] };
      this.#timers.set(key, cell);
    }
    if (!cell.touched) this.#touch(cell);
    const count = cell.count + point.count;
    const sum = cell.sum + point.sum;
    const sumSquares = cell.sumSquares + point.sumSquares;
    if (count - count !== 0 || sum - sum !== 0 || sumSquares - sumSquares !== 0) {
      this.#refuse('mergeTimer', name, true);
      return;
    }
    cell.count = count;
    if (point.min < cell.min) cell.min = point.min;
    if (point.max > cell.max) cell.max = point.max;
    cell.sum = sum;
    cell.sumSquares = sumSquares;
    for (const value of point.values) {
      cell.seen++;
      this.#keepValue(cell, value);
    }
  }

  /**
   * Keeps `value` in the timer's sample (`cell.seen` already counts it). The sample grows to
   * `maxTimerValues` while the interval's total budget lasts, and past it only to the floor;
   * a value that cannot grow it takes a random slot with chance size / seen (reservoir
   * sampling), so the sample stays uniform over everything seen, whatever size it stopped at.
   */
  #keepValue(cell: TimerCell, value: number): void {
    const size = cell.values.length;
    if (size < this.#maxTimerValues && (this.#timerValues < this.#maxTimerValuesTotal || size < TIMER_VALUES_FLOOR)) {
      cell.values.push(value);
      this.#timerValues++;
      return;
    }
    const slot = Math.floor(Math.random() * cell.seen);
    if (slot < size) cell.values[slot] = value;
    this.#dropped.timerValues++;
  }

  /** The value a gauge holds in the current interval, or undefined when it was not set. */
  peekGauge(name: string, tags: Tags = NO_TAGS): number | undefined {
    const key = this.#keyOf(name, tags);
    if (key === undefined) return undefined;
    const cell = this.#gauges.get(key);
    return cell?.touched ? cell.value : undefined;
  }

  /**
   * Registers a source that writes its figures at the end of each interval, just before the
   * snapshot is taken (for sources cheaper to read once than to push on every event).
   * Returns the function that unregisters it. A source that throws is skipped for that interval.
   */
  addPullSource(source: (aggregator: Aggregator) => void): () => void {
    this.#pullSources.add(source);
    return () => this.#pullSources.delete(source);
  }

  /** The caps this aggregator applies; a sink's undelivered data obeys the same (see carry-over.ts). */
  get limits(): { readonly maxSeries: number; readonly maxTimerValues: number; readonly maxTimerValuesTotal: number; readonly maxSetValues: number } {
    return { maxSeries: this.#maxSeries, maxTimerValues: this.#maxTimerValues, maxTimerValuesTotal: this.#maxTimerValuesTotal, maxSetValues: this.#maxSetValues };
  }

  /**
   * Runs the pull sources now: what they write joins the current interval (and reaches every
   * tap) without ending it. A reader with a tap of its own (the Prometheus store) calls this
   * before it reads, so it never takes the interval from whoever drains it with `swap()`.
   */
  pull(): void {
    for (const source of this.#pullSources) {
      try {
        source(this);
      } catch {
        // A broken source must not cost the interval everyone else recorded.
      }
    }
  }

  /** Registers a tap (see `AggregatorTap`); returns the function that removes it. A tap must not throw. */
  addTap(tap: AggregatorTap): () => void {
    this.#taps.add(tap);
    return () => this.#taps.delete(tap);
  }

  /** Series recorded in the current interval. */
  get size(): number {
    return this.#live;
  }

  /**
   * Ends the interval: returns what it recorded and starts an empty one.
   * hmetrics' own drop counters are added to the snapshot when anything was dropped.
   */
  swap(): Snapshot {
    this.pull();
    const time = this.#now();
    const dropped = this.#dropped;
    this.#dropped = { series: 0, timerValues: 0, setValues: 0, invalid: 0, nonFinite: 0, negativeIncrements: 0, negativeTimings: 0 };

    const counters = new Map<string, CounterPoint>();
    for (const [key, cell] of this.#counters) {
      if (!cell.touched) { this.#counters.delete(key); continue; }
      // `increase` only when a negative increment made it differ from the sum.
      counters.set(key, cell.increase === cell.value ? { name: cell.name, tags: cell.tags, value: cell.value } : { name: cell.name, tags: cell.tags, value: cell.value, increase: cell.increase });
      cell.value = 0;
      cell.increase = 0;
      cell.touched = false;
    }
    const gauges = new Map<string, GaugePoint>();
    for (const [key, cell] of this.#gauges) {
      if (!cell.touched) { this.#gauges.delete(key); continue; }
      gauges.set(key, { name: cell.name, tags: cell.tags, value: cell.value });
      cell.touched = false;
    }
    const timers = new Map<string, TimerPoint>();
    for (const [key, cell] of this.#timers) {
      if (!cell.touched) { this.#timers.delete(key); continue; }
      const values = cell.values.sort((a, b) => a - b);
      timers.set(key, {
        name: cell.name, tags: cell.tags, count: cell.count, min: cell.min, max: cell.max,
        sum: cell.sum, sumSquares: cell.sumSquares, values,
      });
      Object.assign(cell, { touched: false, count: 0, seen: 0, min: Infinity, max: -Infinity, sum: 0, sumSquares: 0, values: [] });
    }
    const sets = new Map<string, SetPoint>();
    for (const [key, cell] of this.#sets) {
      if (!cell.touched) { this.#sets.delete(key); continue; }
      sets.set(key, { name: cell.name, tags: cell.tags, values: cell.values });
      cell.values = new Set();
      cell.touched = false;
    }
    this.#live = 0;
    this.#setMembers = 0;
    this.#timerValues = 0;

    addDropCounter(counters, InternalMetric.droppedSeries, dropped.series);
    addDropCounter(counters, InternalMetric.droppedTimerValues, dropped.timerValues);
    addDropCounter(counters, InternalMetric.droppedSetValues, dropped.setValues);
    addDropCounter(counters, RefusedMetric.invalid, dropped.invalid);
    addDropCounter(counters, RefusedMetric.nonFinite, dropped.nonFinite);
    addDropCounter(counters, OutputRuleMetric.negativeIncrements, dropped.negativeIncrements);
    addDropCounter(counters, OutputRuleMetric.droppedNegativeTimings, dropped.negativeTimings);

    const intervalMs = time - this.#intervalStart;
    this.#intervalStart = time;
    return { time, intervalMs, counters, gauges, timers, sets };
  }

  /** The series key, or undefined for a name or tags no sink could carry (refused by the caller). */
  #keyOf(name: unknown, tags: unknown): string | undefined {
    if (typeof name !== 'string') return undefined;
    if (tags === NO_TAGS) return name;
    if (!Array.isArray(tags)) return undefined;
    return tags.length === 0 ? name : this.#taggedKey(name, tags);
  }

  /** Counts a refused call (never thrown into the app) and says why once per name in verbose mode. */
  #refuse(operation: string, name: unknown, nonFinite: boolean): void {
    if (nonFinite) this.#dropped.nonFinite++;
    else this.#dropped.invalid++;
    tellRefusal(operation, name, nonFinite ? 'the value, or the sum, would not be finite' : 'a name, tags, value or sample rate of the wrong type');
  }

  #taggedKey(name: string, tags: Tags): string | undefined {
    let byName = this.#taggedKeys.get(tags);
    if (byName === undefined) {
      byName = new Map();
      this.#taggedKeys.set(tags, byName);
    }
    let key = byName.get(name);
    if (key === undefined) {
      // Checked once per tags array and name (arrays are treated as immutable once passed in).
      for (const tag of tags) if (typeof tag !== 'string') return undefined;
      key = seriesKey(name, tags);
      byName.set(name, key);
    }
    return key;
  }

  #admit(): boolean {
    // New cells are refused once the interval holds maxSeries live series.
    if (this.#live >= this.#maxSeries) {
      this.#dropped.series++;
      return false;
    }
    return true;
  }

  /**
   * First record of a cell this interval. A cell left over from the previous interval passes
   * the same cap as a new one, or an interval could hold old plus new series past maxSeries.
   */
  #touch(cell: { touched: boolean }): boolean {
    if (!this.#admit()) return false;
    cell.touched = true;
    this.#live++;
    return true;
  }
}

function addDropCounter(counters: Map<string, CounterPoint>, name: string, value: number): void {
  if (value > 0) counters.set(name, { name, tags: [], value: value + (counters.get(name)?.value ?? 0) });
}

/**
 * The process-wide aggregator every source feeds and the running report drains (one for every
 * copy of the package). In a worker thread, topology/thread-forwarder.ts (installed by the entry
 * points) forwards it to the main thread's report: this layer knows nothing above it.
 */
export const processAggregator: Aggregator = shared('aggregator', () => new Aggregator());
