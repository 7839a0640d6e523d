import { RuntimeMetric, ThreadMetric } from '../metrics/names.js';
// Container figures (docs/container.md): the container block's merge rules live with it.
import { CONTAINER_GAUGE_RULES } from '../container/cluster.js';

/** How one gauge of several processes becomes the dyno's one value. */
export type GaugeRule = 'sum' | 'mean' | 'max';

/**
 * The gauge merge rule of a cluster primary (docs/topology.md). A dyno is judged as a whole:
 * its memory is what all its processes hold (Heroku's R14 counts the dyno), its CPU the cores
 * all of them use; its latency is its worst process's (a mean would hide one blocked worker);
 * its event-loop utilisation is the mean over processes, the fraction of the dyno's loops busy.
 * Gauges not named here (an app's own `set()`, statsd gauges) keep statsd's rule: the last
 * value received wins.
 */
export const GAUGE_RULES: Readonly<Record<string, GaugeRule>> = {
  [RuntimeMetric.eventLoopUsage]: 'mean',
  [RuntimeMetric.eventLoopDelayMedian]: 'max',
  [RuntimeMetric.eventLoopDelayP95]: 'max',
  [RuntimeMetric.eventLoopDelayP99]: 'max',
  [RuntimeMetric.eventLoopDelayMax]: 'max',
  [RuntimeMetric.gcPauseMaxMs]: 'max',
  [RuntimeMetric.heapUsedBytes]: 'sum',
  [RuntimeMetric.heapTotalBytes]: 'sum',
  [RuntimeMetric.heapLimitBytes]: 'sum',
  [RuntimeMetric.rssBytes]: 'sum',
  [RuntimeMetric.externalBytes]: 'sum',
  [RuntimeMetric.cpuUtilization]: 'sum',
  [RuntimeMetric.activeHandles]: 'sum',
  [RuntimeMetric.activeRequests]: 'sum',
  [ThreadMetric.eventLoopUsage]: 'mean',
  [ThreadMetric.eventLoopUsageMax]: 'max',
  [ThreadMetric.active]: 'sum',
  ...CONTAINER_GAUGE_RULES,
};

/** Combines the values of one gauge by its rule; undefined when there are none. */
export function combineGauge(rule: GaugeRule, values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  let result = rule === 'max' ? -Infinity : 0;
  for (const value of values) result = rule === 'max' ? Math.max(result, value) : result + value;
  return rule === 'mean' ? result / values.length : result;
}
