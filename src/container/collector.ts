import type { Aggregator } from '../metrics/aggregator.js';
import { ContainerMetric, NodeMemoryMetric } from '../metrics/names.js';
import { readMaxFds, readOpenFds, releaseFdCount } from '../prometheus/process-files.js';
import type { RuntimeCollector } from '../runtime/collector.js';
import { readCounters, readLimits, type CgroupCounters, type CgroupLimits } from './cgroup.js';
import { reportsCgroup } from './cluster.js';
import { filesBelow, type ContainerFiles } from './files.js';
import { heapAfterLastFullGc, noteFullGc } from './heap-after-gc.js';
import { gcSource } from '../runtime/gc-source.js';
import { locateCgroup, type CgroupDirs } from './locate.js';
import { constrainedMemory, hostMemory, readNodeMemory } from './node-memory.js';
import { heapStatistics } from '../runtime/memory-reading.js';
import { ContainerWarnings } from './warnings.js';

/** Options of the container collector; every one exists so tests can run it over a fixture. */
export interface ContainerCollectorOptions {
  /** The filesystem read (a fixture tree below a root in tests). @default the machine's own */
  readonly files?: ContainerFiles;
  /** Wall clock for the quota utilisation, ms. @default performance.now */
  readonly now?: () => number;
  /** This process's CPU time. @default process.cpuUsage */
  readonly cpuUsage?: () => NodeJS.CpuUsage;
  /** The host's memory, bytes: a limit above it is no limit. @default /proc/meminfo's MemTotal, else os.totalmem() */
  readonly hostMemory?: number;
  /** Where warnings go. @default stderr, once per hour per kind, unless HMETRICS_WARNINGS=0 */
  readonly warnings?: ContainerWarnings;
}

const now = (): number => performance.now();
const cpuUsage = (): NodeJS.CpuUsage => process.cpuUsage();

const COUNTERS = [
  ['cpuPeriods', ContainerMetric.cpuPeriods],
  ['cpuThrottledPeriods', ContainerMetric.cpuThrottledPeriods],
  ['cpuThrottledUs', ContainerMetric.cpuThrottledUs],
  ['limitHits', ContainerMetric.memoryLimitHits],
  ['oomKills', ContainerMetric.memoryOomKills],
] as const satisfies readonly (readonly [keyof CgroupCounters, string])[];

/**
 * The container's limits and pressure, and Node's side of them: the cgroup is located and its
 * limits read once at `enable()` (the heap-limit warning is checked then); each `collect()`
 * reads the cgroup's counters (written as per-interval deltas), its memory usage and working
 * set, the quota utilisation and the V8/process memory figures. Outside a cgroup, or where a
 * file is missing, the figures it would give are left out: no error, no log.
 */
export class ContainerCollector implements RuntimeCollector {
  readonly #options: ContainerCollectorOptions;
  #enabled = false;
  #unsubscribeGc: (() => void) | undefined;
  /** The deferred first read (an Immediate, not a timer: it holds nothing and disable() cancels it). */
  #starting: NodeJS.Immediate | undefined;
  /** The cgroup has been located and its limits read since the last enable. */
  #ready = false;
  #dirs: CgroupDirs = {};
  #limits: CgroupLimits = {};
  #previous: CgroupCounters = {};
  #cpu: NodeJS.CpuUsage | undefined;
  #cpuAt = 0;
  #hostMemory = 0;
  /** The filesystem, from the first start on: its counter files stay open until disable(). */
  #files: ContainerFiles | undefined;
  /** `process.constrainedMemory()`, read with the limits (it reads the cgroup's limit files each call). */
  #constrained: number | undefined;
  #warnings: ContainerWarnings | undefined;

  constructor(options: ContainerCollectorOptions = {}) {
    this.#options = options;
  }

  /** The limits read just after enable (empty before). */
  get limits(): CgroupLimits {
    return this.#limits;
  }

  enable(): void {
    if (this.#enabled) return;
    this.#enabled = true;
    // Heap after each full GC (perf_hooks kind 4), heard from the runtime's one GC observer.
    this.#unsubscribeGc = gcSource().subscribe((kind) => { if (kind === 4) noteFullGc(); });
    this.#ready = false;
    this.#cpu = (this.#options.cpuUsage ?? cpuUsage)();
    this.#cpuAt = (this.#options.now ?? now)();
    // The cgroup is located and its limits read just after start, not in it: enable() stays
    // cheap (the other collectors' intervals start at their own enable), and the heap-limit
    // check's node:v8 (~25 internal modules) is not paid by `import 'hmetrics/onload'` before
    // the app's first line. Unref'd: a process that ends at once reads it at its final collect.
    this.#starting = setImmediate(() => this.#start()).unref();
  }

  /**
   * Locates the cgroup, reads its limits and the counters' baseline, checks the heap limit. Once
   * per enable; true when it ran just now.
   */
  #start(): boolean {
    if (!this.#enabled || this.#ready) return false;
    this.#ready = true;
    try {
      const files = (this.#files ??= this.#options.files ?? filesBelow());
      this.#hostMemory = this.#options.hostMemory ?? hostMemory(files);
      // A cluster worker leaves the cgroup to its primary: Node's side only.
      this.#dirs = reportsCgroup() ? locateCgroup(files) : {};
      this.#limits = readLimits(files, this.#dirs, this.#hostMemory);
      this.#previous = readCounters(files, this.#dirs);
      this.#constrained = constrainedMemory(this.#hostMemory);
      this.#warnings = this.#options.warnings ?? new ContainerWarnings();
      // The limit alone: a memoryUsage() here would read RSS for nothing.
      this.#warnings.checkHeapLimit(heapStatistics().heap_size_limit, this.#limits.memoryLimitBytes);
    } catch {
      // never into the host: the figures that failed are simply absent
    }
    return true;
  }

  disable(): void {
    this.#enabled = false;
    this.#unsubscribeGc?.();
    this.#unsubscribeGc = undefined;
    if (this.#starting !== undefined) clearImmediate(this.#starting);
    this.#starting = undefined;
    this.#files?.close?.();
    releaseFdCount();
  }

  collect(aggregator: Aggregator): void {
    if (!this.#enabled) return;
    // A process that ends before its first turn reads the baseline here: read microseconds
    // later, the counters would be the same files over again with deltas of 0.
    const fresh = this.#start();
    const files = (this.#files ??= this.#options.files ?? filesBelow());
    const limits = this.#limits;
    const counters = fresh ? this.#previous : readCounters(files, this.#dirs);
    for (const [key, name] of COUNTERS) {
      const value = delta(counters[key], this.#previous[key]);
      if (value !== undefined) aggregator.count(name, value);
    }
    const periods = delta(counters.cpuPeriods, this.#previous.cpuPeriods);
    const throttled = delta(counters.cpuThrottledPeriods, this.#previous.cpuThrottledPeriods);
    if (periods !== undefined && throttled !== undefined && periods > 0) aggregator.gauge(ContainerMetric.cpuThrottledRatio, Math.min(1, throttled / periods));
    this.#previous = counters;
    if (limits.cpuQuotaCores !== undefined) {
      aggregator.gauge(ContainerMetric.cpuQuotaCores, limits.cpuQuotaCores);
      const utilisation = this.#quotaUtilization(limits.cpuQuotaCores);
      if (utilisation !== undefined) aggregator.gauge(ContainerMetric.cpuQuotaUtilization, utilisation);
    }
    if (typeof limits.memoryLimitBytes === 'number') aggregator.gauge(ContainerMetric.memoryLimitBytes, limits.memoryLimitBytes);
    if (counters.memoryUsageBytes !== undefined) aggregator.gauge(ContainerMetric.memoryUsageBytes, counters.memoryUsageBytes);
    if (counters.memoryWorkingSetBytes !== undefined) aggregator.gauge(ContainerMetric.memoryWorkingSetBytes, counters.memoryWorkingSetBytes);
    const constrained = this.#constrained;
    if (constrained !== undefined) aggregator.gauge(ContainerMetric.constrainedMemoryBytes, constrained);

    const memory = readNodeMemory();
    const afterGc = heapAfterLastFullGc();
    if (afterGc !== undefined) aggregator.gauge(NodeMemoryMetric.heapAfterGcBytes, afterGc);
    aggregator.gauge(NodeMemoryMetric.detachedContexts, memory.detachedContexts);
    aggregator.gauge(NodeMemoryMetric.nativeContexts, memory.nativeContexts);
    aggregator.gauge(NodeMemoryMetric.mallocedBytes, memory.mallocedBytes);
    aggregator.gauge(NodeMemoryMetric.arrayBuffersBytes, memory.arrayBuffersBytes);
    const open = readOpenFds();
    if (open !== undefined) aggregator.gauge(NodeMemoryMetric.openFds, open);
    const max = readMaxFds();
    if (max !== undefined) aggregator.gauge(NodeMemoryMetric.maxFds, max);
    this.#warnings?.checkInterval(afterGc, counters.memoryWorkingSetBytes, limits.memoryLimitBytes);
  }

  /** This process's CPU time since the previous collect over what the quota allowed in that time. */
  #quotaUtilization(cores: number): number | undefined {
    const cpu = (this.#options.cpuUsage ?? cpuUsage)();
    const at = (this.#options.now ?? now)();
    const wallUs = (at - this.#cpuAt) * 1000;
    const before = this.#cpu;
    this.#cpu = cpu;
    this.#cpuAt = at;
    if (before === undefined || wallUs <= 0) return undefined;
    return (cpu.user - before.user + cpu.system - before.system) / (wallUs * cores);
  }
}

/** now − before; a counter that went backwards belongs to a recreated cgroup: its value is the delta. */
function delta(now: number | undefined, before: number | undefined): number | undefined {
  if (now === undefined) return undefined;
  return before !== undefined && now >= before ? now - before : now;
}
