import { seriesCount, type CounterPoint, type GaugePoint, type SetPoint, type Snapshot, type TimerPoint } from './snapshot.js';

/** Bounds on what a sink keeps while its endpoint is down. */
export interface CarryOverLimits {
  /** Series kept at most; the newest snapshot's series always win a place. */
  readonly maxSeries: number;
  /** Timer values kept per series; beyond it a uniform sample is kept (counts stay exact). */
  readonly maxTimerValues: number;
}

/**
 * Folds an undelivered snapshot into the next one, so a failed delivery loses nothing that can
 * be kept: counters add up, timers and sets merge, gauges take the newer value. Memory stays
 * bounded by `limits` however long an endpoint is down.
 */
export function carryOver(older: Snapshot, newer: Snapshot, limits: CarryOverLimits): Snapshot {
  let room = limits.maxSeries - seriesCount(newer);

  const counters = new Map(newer.counters);
  for (const [key, old] of older.counters) {
    const current = counters.get(key);
    if (current) counters.set(key, { ...current, value: current.value + old.value });
    else if (room-- > 0) counters.set(key, old);
  }

  const gauges = new Map<string, GaugePoint>(newer.gauges);
  for (const [key, old] of older.gauges) {
    if (!gauges.has(key) && room-- > 0) gauges.set(key, old);
  }

  const timers = new Map<string, TimerPoint>(newer.timers);
  for (const [key, old] of older.timers) {
    const current = timers.get(key);
    if (current) timers.set(key, mergeTimers(current, old, limits.maxTimerValues));
    else if (room-- > 0) timers.set(key, old);
  }

  const sets = new Map<string, SetPoint>(newer.sets);
  for (const [key, old] of older.sets) {
    const current = sets.get(key);
    if (current) sets.set(key, { ...current, values: new Set([...current.values, ...old.values]) });
    else if (room-- > 0) sets.set(key, old);
  }

  return {
    time: newer.time,
    intervalMs: older.intervalMs + newer.intervalMs,
    counters: counters as ReadonlyMap<string, CounterPoint>,
    gauges,
    timers,
    sets,
  };
}

function mergeTimers(a: TimerPoint, b: TimerPoint, maxValues: number): TimerPoint {
  let values = [...a.values, ...b.values];
  if (values.length > maxValues) values = uniformSample(values, maxValues);
  values.sort((x, y) => x - y);
  return {
    name: a.name,
    tags: a.tags,
    count: a.count + b.count,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    sum: a.sum + b.sum,
    sumSquares: a.sumSquares + b.sumSquares,
    values,
  };
}

/** A uniform random sample of `size` items (partial Fisher–Yates). */
function uniformSample(values: number[], size: number): number[] {
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(Math.random() * (values.length - i));
    const swap = values[i]!;
    values[i] = values[j]!;
    values[j] = swap;
  }
  return values.slice(0, size);
}
