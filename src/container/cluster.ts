import { ContainerMetric, NodeMemoryMetric } from '../metrics/names.js';
import type { GaugeRule } from '../topology/gauge-merge.js';

/**
 * A cluster worker whose primary reports shares the primary's cgroup: if each worker sent the
 * cgroup's counters too, the primary would sum the same throttled periods once per process.
 * `forwardToPrimary` calls `leaveCgroupToPrimary()`; the container collector then writes only
 * this process's own figures (heap, contexts, descriptors).
 */
let cgroupElsewhere = false;

export function leaveCgroupToPrimary(): void {
  cgroupElsewhere = true;
}

/** False in a cluster worker whose primary reports the cgroup. */
export function reportsCgroup(): boolean {
  return !cgroupElsewhere;
}

/**
 * How a cluster primary merges the container block's gauges (docs/topology.md, docs/container.md):
 * the cgroup's own figures are one value for the whole dyno (the primary's, the highest if they
 * differ); each process's memory and descriptors add up; the descriptor limit is per process.
 */
export const CONTAINER_GAUGE_RULES: Readonly<Record<string, GaugeRule>> = {
  [ContainerMetric.cpuQuotaCores]: 'max',
  [ContainerMetric.cpuQuotaUtilization]: 'sum',
  [ContainerMetric.cpuThrottledRatio]: 'max',
  [ContainerMetric.memoryLimitBytes]: 'max',
  [ContainerMetric.memoryUsageBytes]: 'max',
  [ContainerMetric.memoryWorkingSetBytes]: 'max',
  [ContainerMetric.constrainedMemoryBytes]: 'max',
  [NodeMemoryMetric.heapAfterGcBytes]: 'sum',
  [NodeMemoryMetric.detachedContexts]: 'sum',
  [NodeMemoryMetric.nativeContexts]: 'sum',
  [NodeMemoryMetric.mallocedBytes]: 'sum',
  [NodeMemoryMetric.arrayBuffersBytes]: 'sum',
  [NodeMemoryMetric.openFds]: 'sum',
  [NodeMemoryMetric.maxFds]: 'max',
};
