import { label, type FamilyList, type Sample } from './family.js';
import { EventLoopLag } from './event-loop-lag.js';
import { GcDurations } from './gc-durations.js';
import { closeProcFiles, readMaxFds, readOpenFds, readProcStatus } from './process-files.js';
// Container figures (docs/container.md): cAdvisor-named cgroup families and V8's memory side.
import { PrometheusContainer } from './container-families.js';

const v8 = (): typeof import('node:v8') => process.getBuiltinModule('node:v8');

type Legacy = NodeJS.Process & { _getActiveHandles?: () => unknown[]; _getActiveRequests?: () => unknown[] };

const [major = '', minor = '', patch = ''] = process.version.slice(1).split('.');
const VERSION_LABELS = `${label('version', process.version)},${label('major', major)},${label('minor', minor)},${label('patch', patch)}`;

/**
 * prom-client's default metrics, every name with its type, unit and labels, plus hmetrics'
 * extras (event-loop and CPU utilisation, longest GC pause, heap limit). Counters are totals
 * since process start (CPU) or since enable (GC); gauges are read at scrape time; the event-loop
 * figures, utilisations and the GC pause max cover the time since the previous scrape.
 */
export class PrometheusRuntime {
  readonly #gc = new GcDurations();
  readonly #container = new PrometheusContainer();
  readonly #lag: EventLoopLag;
  #elu: ReturnType<typeof performance.eventLoopUtilization> | undefined;
  #cpu: NodeJS.CpuUsage | undefined;
  #cpuAt = 0;
  readonly #startTime = Math.round(performance.timeOrigin / 1000);

  /** @param delayResolution event-loop probe period, ms */
  constructor(delayResolution: number) {
    this.#lag = new EventLoopLag(delayResolution);
  }

  enable(): void {
    this.#gc.enable();
    this.#lag.enable();
    this.#elu = performance.eventLoopUtilization();
    this.#cpu = process.cpuUsage();
    this.#cpuAt = performance.now();
  }

  disable(): void {
    this.#gc.disable();
    this.#lag.disable();
    this.#container.close();
    closeProcFiles();
  }

  /** True when the delay probe has a tick overdue: read after the next timers phase (see EventLoopLag). */
  tickOverdue(): boolean {
    return this.#lag.tickOverdue();
  }

  collect(list: FamilyList): void {
    // One getrusage() per scrape, shared by the counters and the utilisation (measured as the
    // largest single cost of a scrape on a loaded machine).
    const cpu = process.cpuUsage();
    this.#process(list, cpu);
    this.#lag.collect(list);
    this.#handles(list);
    this.#heap(list);
    list.gauge('nodejs_version_info', 'Node.js version info.', 1, VERSION_LABELS);
    this.#gc.collect(list);
    this.#utilisation(list, cpu);
    this.#container.collect(list);
  }

  #process(list: FamilyList, cpu: NodeJS.CpuUsage): void {
    list.counter('process_cpu_user_seconds', 'Total user CPU time spent in seconds.', cpu.user / 1e6);
    list.counter('process_cpu_system_seconds', 'Total system CPU time spent in seconds.', cpu.system / 1e6);
    list.counter('process_cpu_seconds', 'Total user and system CPU time spent in seconds.', (cpu.user + cpu.system) / 1e6);
    list.gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', this.#startTime);
    const status = readProcStatus();
    list.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', status?.rss ?? process.memoryUsage.rss());
    if (status) {
      list.gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.', status.virtual);
      list.gauge('process_heap_bytes', 'Process heap size in bytes.', status.data);
    }
    const open = readOpenFds();
    if (open !== undefined) list.gauge('process_open_fds', 'Number of open file descriptors.', open);
    const max = readMaxFds();
    if (max !== undefined) list.gauge('process_max_fds', 'Maximum number of open file descriptors.', max);
  }

  #handles(list: FamilyList): void {
    const resources = process.getActiveResourcesInfo();
    byType(list.open('nodejs_active_resources', 'gauge',
      'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.'), resources);
    list.gauge('nodejs_active_resources_total', 'Total number of active resources.', resources.length);
    const legacy = process as Legacy;
    // prom-client's own source: the C++ class names of the deprecated-but-present handle lists.
    const handles = legacy._getActiveHandles?.() ?? [];
    byType(list.open('nodejs_active_handles', 'gauge',
      'Number of active libuv handles grouped by handle type. Every handle type is C++ class name.'), handles.map(className));
    list.gauge('nodejs_active_handles_total', 'Total number of active handles.', handles.length);
    const requests = legacy._getActiveRequests?.() ?? [];
    byType(list.open('nodejs_active_requests', 'gauge',
      'Number of active libuv requests grouped by request type. Every request type is C++ class name.'), requests.map(className));
    list.gauge('nodejs_active_requests_total', 'Total number of active requests.', requests.length);
  }

  #heap(list: FamilyList): void {
    const stats = v8().getHeapStatistics();
    list.gauge('nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', stats.total_heap_size);
    list.gauge('nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', stats.used_heap_size);
    list.gauge('nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', stats.external_memory);
    const total = list.open('nodejs_heap_space_size_total_bytes', 'gauge', 'Process heap space size total from Node.js in bytes.');
    const used = list.open('nodejs_heap_space_size_used_bytes', 'gauge', 'Process heap space size used from Node.js in bytes.');
    const available = list.open('nodejs_heap_space_size_available_bytes', 'gauge', 'Process heap space size available from Node.js in bytes.');
    for (const space of v8().getHeapSpaceStatistics()) {
      const name = space.space_name.endsWith('_space') ? space.space_name.slice(0, -6) : space.space_name;
      const labels = label('space', name);
      total.push({ suffix: '', labels, value: space.space_size });
      used.push({ suffix: '', labels, value: space.space_used_size });
      available.push({ suffix: '', labels, value: space.space_available_size });
    }
    list.gauge('nodejs_heap_size_limit_bytes', 'V8 heap size limit (--max-old-space-size) in bytes.', stats.heap_size_limit);
  }

  #utilisation(list: FamilyList, cpu: NodeJS.CpuUsage): void {
    const elu = performance.eventLoopUtilization();
    const since = this.#elu ? performance.eventLoopUtilization(elu, this.#elu).utilization : 0;
    this.#elu = elu;
    list.gauge('nodejs_eventloop_utilization_ratio', 'Fraction of time the event loop was busy since the previous scrape.', Number.isFinite(since) ? since : 0);
    const now = performance.now();
    const wallUs = (now - this.#cpuAt) * 1000;
    const used = this.#cpu ? cpu.user - this.#cpu.user + cpu.system - this.#cpu.system : 0;
    this.#cpu = cpu;
    this.#cpuAt = now;
    list.gauge('process_cpu_utilization_ratio', 'CPU time per wall-clock time since the previous scrape, as a fraction of one core.', wallUs > 0 ? used / wallUs : 0);
  }
}

function className(value: unknown): string {
  return (value as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'Unknown';
}

/** Counts by type, in first-seen order, into gauge samples labelled `type`. */
function byType(samples: Sample[], types: readonly string[]): void {
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  for (const [type, count] of counts) samples.push({ suffix: '', labels: label('type', type), value: count });
}
