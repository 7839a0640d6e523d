import { ContainerMetric, NodeMemoryMetric } from '../metrics/names.js';
import type { Descriptor } from './semconv.js';

let table: ReadonlyMap<string, Descriptor> | undefined;

/**
 * The container block (docs/container.md) under OpenTelemetry's names: the semantic conventions'
 * `container.memory.usage`, `container.memory.working_set` and `process.unix.file_descriptor.count`
 * where they exist; the rest under documented names in the same namespaces (`container.cpu.*`,
 * `container.memory.*`, `process.unix.file_descriptor.limit`, `v8js.*`), in base units. Made at
 * the first export (semconv.ts says why).
 */
export function containerDescriptors(): ReadonlyMap<string, Descriptor> {
  return (table ??= new Map<string, Descriptor>([
    [ContainerMetric.cpuQuotaCores, { name: 'container.cpu.limit', unit: '{cpu}', description: 'CPU quota of the container, in cores.', instrument: 'gauge' }],
    [ContainerMetric.cpuQuotaUtilization, { name: 'container.cpu.limit_utilization', unit: '1', description: 'CPU time of this process as a fraction of the container quota.', instrument: 'gauge' }],
    [ContainerMetric.cpuPeriods, { name: 'container.cpu.periods', unit: '{period}', description: 'CFS enforcement periods elapsed.', instrument: 'counter' }],
    [ContainerMetric.cpuThrottledPeriods, { name: 'container.cpu.throttled_periods', unit: '{period}', description: 'CFS periods in which the container was throttled.', instrument: 'counter' }],
    [ContainerMetric.cpuThrottledRatio, { name: 'container.cpu.throttled_ratio', unit: '1', description: 'Share of the interval\'s CFS periods in which the container was throttled.', instrument: 'gauge' }],
    [ContainerMetric.cpuThrottledUs, { name: 'container.cpu.throttled_time', unit: 's', description: 'Time the container was held back by its CPU quota.', instrument: 'counter', scale: 1e-6 }],
    [ContainerMetric.memoryLimitBytes, { name: 'container.memory.limit', unit: 'By', description: 'Memory limit of the container.', instrument: 'gauge' }],
    [ContainerMetric.memoryUsageBytes, { name: 'container.memory.usage', unit: 'By', description: 'Memory usage of the container.', instrument: 'upDownCounter' }],
    [ContainerMetric.memoryWorkingSetBytes, { name: 'container.memory.working_set', unit: 'By', description: 'Container memory working set.', instrument: 'upDownCounter' }],
    [ContainerMetric.memoryLimitHits, { name: 'container.memory.limit_hits', unit: '{event}', description: 'Times memory usage hit the limit.', instrument: 'counter' }],
    [ContainerMetric.memoryOomKills, { name: 'container.memory.oom_kills', unit: '{process}', description: 'Processes of the container the OOM killer killed.', instrument: 'counter' }],
    [ContainerMetric.constrainedMemoryBytes, { name: 'process.memory.constrained', unit: 'By', description: 'Memory available to the process under its constraints (process.constrainedMemory()).', instrument: 'gauge' }],
    [NodeMemoryMetric.heapAfterGcBytes, { name: 'v8js.memory.heap.after_gc', unit: 'By', description: 'Heap used right after the last full GC.', instrument: 'gauge' }],
    [NodeMemoryMetric.detachedContexts, { name: 'v8js.context.detached', unit: '{context}', description: 'Contexts detached but not yet garbage collected.', instrument: 'gauge' }],
    [NodeMemoryMetric.nativeContexts, { name: 'v8js.context.native', unit: '{context}', description: 'Live native contexts.', instrument: 'gauge' }],
    [NodeMemoryMetric.mallocedBytes, { name: 'v8js.memory.malloced', unit: 'By', description: 'Memory V8 allocated with malloc.', instrument: 'gauge' }],
    [NodeMemoryMetric.arrayBuffersBytes, { name: 'nodejs.memory.array_buffers', unit: 'By', description: 'Memory of ArrayBuffers and Buffers.', instrument: 'gauge' }],
    [NodeMemoryMetric.openFds, { name: 'process.unix.file_descriptor.count', unit: '{file_descriptor}', description: 'Number of unix file descriptors in use by the process.', instrument: 'upDownCounter' }],
    [NodeMemoryMetric.maxFds, { name: 'process.unix.file_descriptor.limit', unit: '{file_descriptor}', description: 'Soft limit on the process\'s file descriptors.', instrument: 'gauge' }],
    [NodeMemoryMetric.threadHeapUsedBytes, { name: 'v8js.thread.memory.heap.used', unit: 'By', description: 'Heap used by a worker thread.', instrument: 'gauge' }],
    [NodeMemoryMetric.threadHeapLimitBytes, { name: 'v8js.thread.memory.heap.limit', unit: 'By', description: 'Heap limit of a worker thread (its resourceLimits).', instrument: 'gauge' }],
  ]));
}
