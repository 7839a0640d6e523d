import { InternalMetric, RefusedMetric } from './names.js';
import type { CounterPoint, GaugePoint, SetPoint, Snapshot, TimerPoint } from './snapshot.js';
import { AGGREGATOR_DEFAULTS } from './aggregator.js';
import { mergeSamples, timerValuesAllowed } from './timer-sample.js';

/**
 * The caps a sink's undelivered data obeys: the aggregator's own (`Aggregator#limits`), so a
 * failed delivery is bounded exactly like fresh data and counted in the same drop counters.
 */
export interface CarryOverLimits {
  /** Series kept, all kinds together. */
  readonly maxSeries: number;
  /** Values kept per timer (an equal-mass sample past it; count, sum, min, max stay exact). */
  readonly maxTimerValues: number;
  /**
   * Timer values kept, all timers together; past it a held timer's sample grows no further
   * (a new one gets the floor, `TIMER_VALUES_FLOOR`). @default 100000, the aggregator's default
   */
  readonly maxTimerValuesTotal?: number;
  /** Set members kept, all sets together. */
  readonly maxSetValues: number;
}

interface MutableSet extends SetPoint { readonly values: Set<string> }

/**
 * What one sink has not delivered yet, bounded by `limits` however long its endpoint is down.
 * Newer data folds in at the cost of its own size (never a copy of what is held): counters
 * add up, gauges take the newer value, timers merge by weight, sets union. A series already
 * held keeps its place; a new one past `maxSeries` is dropped, as in the aggregator, and every
 * refusal is counted into `hmetrics.dropped.*` of the payload that finally goes out.
 */
export class CarryOver {
  readonly #limits: CarryOverLimits;
  readonly #maxTimerValuesTotal: number;
  #counters = new Map<string, CounterPoint>();
  #gauges = new Map<string, GaugePoint>();
  #timers = new Map<string, TimerPoint>();
  #sets = new Map<string, MutableSet>();
  #setMembers = 0;
  /** Timer values held, all timers together (bounded by maxTimerValuesTotal, plus the floors). */
  #timerValues = 0;
  /** Drop counters held: they take no seat (they say what the cap refused). */
  #dropCounters = 0;
  #time = 0;
  #intervalMs = 0;
  #dropped = { series: 0, timerValues: 0, setValues: 0, nonFinite: 0 };

  constructor(limits: CarryOverLimits) {
    this.#limits = limits;
    this.#maxTimerValuesTotal = limits.maxTimerValuesTotal ?? AGGREGATOR_DEFAULTS.maxTimerValuesTotal;
  }

  /** True when nothing is held. */
  get empty(): boolean {
    return this.#series === 0;
  }

  get #series(): number {
    return this.#counters.size + this.#gauges.size + this.#timers.size + this.#sets.size;
  }

  /** Folds `snapshot` in. `older` data (a failed payload put back) never overwrites a held gauge. */
  add(snapshot: Snapshot, older = false): void {
    this.#time = Math.max(this.#time, snapshot.time);
    this.#intervalMs += snapshot.intervalMs;
    for (const [key, point] of snapshot.counters) {
      const held = this.#counters.get(key);
      if (held) {
        // Two finite counts can add up to Infinity: the held one stays, the refusal is counted.
        const merged = mergeCounters(held, point);
        const increase = merged.increase ?? 0;
        if (merged.value - merged.value === 0 && increase - increase === 0) this.#counters.set(key, merged);
        else this.#dropped.nonFinite++;
      }
      else if (isDropCounter(key)) { this.#counters.set(key, point); this.#dropCounters++; } else if (this.#admit()) this.#counters.set(key, point);
    }
    for (const [key, point] of snapshot.gauges) {
      if (this.#gauges.has(key)) { if (!older) this.#gauges.set(key, point); } else if (this.#admit()) this.#gauges.set(key, point);
    }
    for (const [key, point] of snapshot.timers) {
      const held = this.#timers.get(key);
      if (held) {
        const merged = this.#mergeTimers(held, point);
        if (merged.sum - merged.sum === 0 && merged.sumSquares - merged.sumSquares === 0 && merged.count - merged.count === 0) this.#timers.set(key, merged);
        else this.#dropped.nonFinite++;
      }
      else if (this.#admit()) this.#timers.set(key, this.#capTimer(point));
    }
    for (const [key, point] of snapshot.sets) {
      let held = this.#sets.get(key);
      if (!held) {
        if (!this.#admit()) continue;
        held = { name: point.name, tags: point.tags, values: new Set() };
        this.#sets.set(key, held);
      }
      for (const member of point.values) {
        if (held.values.has(member)) continue;
        if (this.#setMembers >= this.#limits.maxSetValues) { this.#dropped.setValues++; continue; }
        held.values.add(member);
        this.#setMembers++;
      }
    }
  }

  /**
   * Hands everything held over as one snapshot (drop counts included) and starts empty. When
   * the delivery fails, `putBack` returns it.
   */
  take(): Snapshot {
    addDrop(this.#counters, InternalMetric.droppedSeries, this.#dropped.series);
    addDrop(this.#counters, InternalMetric.droppedTimerValues, this.#dropped.timerValues);
    addDrop(this.#counters, InternalMetric.droppedSetValues, this.#dropped.setValues);
    addDrop(this.#counters, RefusedMetric.nonFinite, this.#dropped.nonFinite);
    const snapshot: Snapshot = {
      time: this.#time, intervalMs: this.#intervalMs,
      counters: this.#counters, gauges: this.#gauges, timers: this.#timers, sets: this.#sets,
    };
    this.#counters = new Map();
    this.#gauges = new Map();
    this.#timers = new Map();
    this.#sets = new Map();
    this.#setMembers = 0;
    this.#timerValues = 0;
    this.#dropCounters = 0;
    this.#time = 0;
    this.#intervalMs = 0;
    this.#dropped = { series: 0, timerValues: 0, setValues: 0, nonFinite: 0 };
    return snapshot;
  }

  /** Returns a snapshot from `take()` whose delivery failed; it is older than anything added since. */
  putBack(snapshot: Snapshot): void {
    if (!this.empty) { this.add(snapshot, true); return; }
    // Nothing arrived meanwhile (the usual case): adopt its maps instead of copying them.
    this.#counters = snapshot.counters as Map<string, CounterPoint>;
    this.#gauges = snapshot.gauges as Map<string, GaugePoint>;
    this.#timers = snapshot.timers as Map<string, TimerPoint>;
    this.#sets = snapshot.sets as Map<string, MutableSet>;
    this.#setMembers = 0;
    for (const set of this.#sets.values()) this.#setMembers += set.values.size;
    this.#timerValues = 0;
    for (const timer of this.#timers.values()) this.#timerValues += timer.values.length;
    this.#dropCounters = 0;
    for (const key of DROP_COUNTERS) if (this.#counters.has(key)) this.#dropCounters++;
    this.#time = snapshot.time;
    this.#intervalMs += snapshot.intervalMs;
  }

  #admit(): boolean {
    if (this.#series - this.#dropCounters < this.#limits.maxSeries) return true;
    this.#dropped.series++;
    return false;
  }

  /** The values a timer holding `held` may keep, within `maxTimerValues` and what is left of the total budget. */
  #allowed(held: number): number {
    return timerValuesAllowed(held, this.#timerValues, this.#limits.maxTimerValues, this.#maxTimerValuesTotal);
  }

  #capTimer(point: TimerPoint): TimerPoint {
    const allowed = this.#allowed(0);
    if (point.values.length <= allowed) {
      this.#timerValues += point.values.length;
      return point;
    }
    this.#dropped.timerValues += point.values.length - allowed;
    this.#timerValues += allowed;
    return { ...point, values: mergeSamples(point, { count: 0, values: [] }, allowed) };
  }

  /** Merges by weight into a sample of at most `#allowed` values: a smaller one when the budget is short. */
  #mergeTimers(a: TimerPoint, b: TimerPoint): TimerPoint {
    const values = mergeSamples(a, b, this.#allowed(a.values.length));
    this.#dropped.timerValues += a.values.length + b.values.length - values.length;
    this.#timerValues += values.length - a.values.length;
    return {
      name: a.name, tags: a.tags, values,
      count: a.count + b.count,
      min: Math.min(a.min, b.min),
      max: Math.max(a.max, b.max),
      sum: a.sum + b.sum,
      sumSquares: a.sumSquares + b.sumSquares,
    };
  }
}

const DROP_COUNTERS = new Set<string>([
  InternalMetric.droppedSeries, InternalMetric.droppedTimerValues, InternalMetric.droppedSetValues, RefusedMetric.invalid, RefusedMetric.nonFinite,
]);

/** hmetrics' own drop counters always find room: they say what the caps refused. */
function isDropCounter(key: string): boolean {
  return DROP_COUNTERS.has(key);
}

function addDrop(counters: Map<string, CounterPoint>, name: string, value: number): void {
  if (value === 0) return;
  const held = counters.get(name);
  counters.set(name, { name, tags: [], value: (held?.value ?? 0) + value });
}

/** Two intervals of one counter: sums added, and `increase` kept when either side had one. */
function mergeCounters(held: CounterPoint, point: CounterPoint): CounterPoint {
  const value = held.value + point.value;
  if (held.increase === undefined && point.increase === undefined) return { ...held, value };
  return { ...held, value, increase: (held.increase ?? held.value) + (point.increase ?? point.value) };
}
