import { readCounters, readLimits, type CgroupLimits } from '../container/cgroup.js';
import { filesBelow, type ContainerFiles } from '../container/files.js';
import { heapAfterLastFullGc } from '../container/heap-after-gc.js';
import { locateCgroup, type CgroupDirs } from '../container/locate.js';
import { readNodeMemory } from '../container/node-memory.js';
import type { FamilyList } from './family.js';

/**
 * The container's figures under the names people already chart: cAdvisor's `container_*` for
 * the cgroup (counters as totals since the cgroup was created, as cAdvisor exposes them; a
 * limit of 0 means "no limit", as in cAdvisor), and `nodejs_*` for V8's side (prom-client has
 * no names for these). `process_open_fds` / `process_max_fds` come from the runtime families.
 * Outside a cgroup only the `nodejs_*` families are written.
 */
export class PrometheusContainer {
  readonly #files: ContainerFiles;
  #dirs: CgroupDirs | undefined;
  #limits: CgroupLimits = {};

  constructor(files: ContainerFiles = filesBelow()) {
    this.#files = files;
  }

  /** Closes the counter files kept open between scrapes. */
  close(): void {
    this.#files.close?.();
  }

  collect(list: FamilyList): void {
    if (this.#dirs === undefined) {
      // Located and the limits read once, at the first scrape.
      this.#dirs = locateCgroup(this.#files);
      this.#limits = readLimits(this.#files, this.#dirs, process.getBuiltinModule('node:os').totalmem());
    }
    const limits = this.#limits;
    if (this.#dirs.memory) list.gauge('container_spec_memory_limit_bytes', 'Memory limit for the container, 0 when unlimited.', limits.memoryLimitBytes ?? 0);
    if (limits.cpuQuotaUs !== undefined && limits.cpuPeriodUs !== undefined) {
      list.gauge('container_spec_cpu_quota', 'CPU quota of the container, µs per period.', limits.cpuQuotaUs);
      list.gauge('container_spec_cpu_period', 'CPU period of the container, µs.', limits.cpuPeriodUs);
    }
    const counters = readCounters(this.#files, this.#dirs);
    if (counters.cpuPeriods !== undefined) list.counter('container_cpu_cfs_periods', 'Number of elapsed enforcement period intervals.', counters.cpuPeriods);
    if (counters.cpuThrottledPeriods !== undefined) list.counter('container_cpu_cfs_throttled_periods', 'Number of throttled period intervals.', counters.cpuThrottledPeriods);
    if (counters.cpuThrottledUs !== undefined) list.counter('container_cpu_cfs_throttled_seconds', 'Total time duration the container has been throttled.', counters.cpuThrottledUs / 1e6);
    if (counters.memoryUsageBytes !== undefined) list.gauge('container_memory_usage_bytes', 'Current memory usage in bytes, including all memory regardless of when it was accessed.', counters.memoryUsageBytes);
    if (counters.memoryWorkingSetBytes !== undefined) list.gauge('container_memory_working_set_bytes', 'Current working set in bytes.', counters.memoryWorkingSetBytes);
    if (counters.limitHits !== undefined) list.counter('container_memory_failcnt', 'Number of memory usage hits limits.', counters.limitHits);
    if (counters.oomKills !== undefined) list.counter('container_oom_events', 'Count of out of memory events observed for the container.', counters.oomKills);

    const memory = readNodeMemory();
    const afterGc = heapAfterLastFullGc();
    if (afterGc !== undefined) list.gauge('nodejs_heap_size_after_gc_bytes', 'V8 heap used right after the last full GC, in bytes.', afterGc);
    list.gauge('nodejs_detached_contexts', 'V8 contexts detached but not yet garbage collected.', memory.detachedContexts);
    list.gauge('nodejs_native_contexts', 'Live V8 native contexts.', memory.nativeContexts);
    list.gauge('nodejs_malloced_memory_bytes', 'Memory V8 allocated with malloc, in bytes.', memory.mallocedBytes);
    list.gauge('nodejs_array_buffers_bytes', 'Memory of ArrayBuffers and Buffers, in bytes.', memory.arrayBuffersBytes);
  }
}
