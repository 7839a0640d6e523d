import { flatName } from '../metrics/series.js';
import type { Snapshot } from '../metrics/snapshot.js';
import { summarizeTimer } from '../metrics/timer-stats.js';

/** A snapshot as plain name → number maps, for sinks without tags or timers (Heroku, log). */
export interface FlatSnapshot {
  readonly counters: Record<string, number>;
  readonly gauges: Record<string, number>;
}

/**
 * Tagged series become `name.key_value`; a timer becomes the counter `name.count` plus the gauges
 * `name.min .max .mean .median .stddev .sum .sum_squares .count_ps` and `name.pNN` for each
 * percentile other than 50 (that one is the median); a set becomes the gauge `name.unique` holding
 * its distinct count (`appendUnique(k, …)` and a received `k:member|s` alike: the statsd sink sends
 * the members themselves, so servers merge them across processes). NaN and ±Infinity are left
 * out (JSON would carry them as null). Values keep full precision: the log sink and the
 * receiver's table round them for display (`formatNumber`), the Heroku JSON is read by a machine.
 * Maps have no prototype, so any key (`__proto__` included) is an ordinary key.
 */
export function flatten(snapshot: Snapshot, percentiles: readonly number[]): FlatSnapshot {
  const counters: Record<string, number> = Object.create(null);
  const gauges: Record<string, number> = Object.create(null);
  for (const point of snapshot.counters.values()) {
    const name = flatName(point.name, point.tags);
    counters[name] = (counters[name] ?? 0) + point.value;
  }
  for (const point of snapshot.gauges.values()) gauges[flatName(point.name, point.tags)] = point.value;
  for (const point of snapshot.timers.values()) {
    const name = flatName(point.name, point.tags);
    const s = summarizeTimer(point, snapshot.intervalMs, percentiles);
    counters[`${name}.count`] = (counters[`${name}.count`] ?? 0) + s.count;
    gauges[`${name}.count_ps`] = s.countPerSecond;
    gauges[`${name}.min`] = s.min;
    gauges[`${name}.max`] = s.max;
    gauges[`${name}.mean`] = s.mean;
    gauges[`${name}.median`] = s.median;
    gauges[`${name}.stddev`] = s.stddev;
    gauges[`${name}.sum`] = s.sum;
    gauges[`${name}.sum_squares`] = s.sumSquares;
    for (const [p, value] of s.percentiles) {
      if (p !== 50) gauges[`${name}.p${String(p).replace('.', '_')}`] = value;
    }
  }
  for (const point of snapshot.sets.values()) gauges[`${flatName(point.name, point.tags)}.unique`] = point.values.size;
  dropNonFinite(counters);
  dropNonFinite(gauges);
  return { counters, gauges };
}

function dropNonFinite(record: Record<string, number>): void {
  for (const name in record) {
    if (!Number.isFinite(record[name])) delete record[name];
  }
}
