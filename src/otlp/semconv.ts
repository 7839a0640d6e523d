import { RuntimeMetric, SemconvAttribute, SemconvMetric } from '../metrics/names.js';
// Container figures (docs/container.md): the container block's OTLP names live in their own file.
import { containerDescriptors } from './container-descriptors.js';

/**
 * OpenTelemetry instrument kinds, which decide an OTLP metric's type and temporality:
 * counter / observableCounter → monotonic Sum; upDownCounter → non-monotonic Sum (always
 * cumulative); gauge → Gauge; histogram → Histogram.
 */
export type InstrumentKind = 'counter' | 'observableCounter' | 'upDownCounter' | 'gauge' | 'histogram';

/** How one snapshot series becomes an OTLP metric. */
export interface Descriptor {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
  readonly instrument: InstrumentKind;
  /** Multiplies the snapshot's value (ms → s, µs → s). @default 1 */
  readonly scale?: number;
  /** An attribute this series adds (cpu.mode for the two CPU counters). */
  readonly attribute?: readonly [string, string];
  /** Histogram bucket bounds; timers without one use the sink's `timerBuckets`. */
  readonly buckets?: readonly number[];
  /** Maps the series' tags to attributes itself (renamed keys, typed values) instead of `k:v` → `k`, `v`. */
  readonly attributes?: (tags: import('../metrics/series.js').Tags) => import('./model.js').Attributes;
}

/** The OTel runtime instrumentation's GC duration buckets, seconds. */
export const GC_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] as const;

const delay = (stat: string, description: string): Descriptor => ({
  name: `nodejs.eventloop.delay.${stat}`, unit: 's', description, instrument: 'gauge',
});

let runtimeTable: ReadonlyMap<string, Descriptor | null> | undefined;
let semconvTable: ReadonlyMap<string, Descriptor> | undefined;

/**
 * hmetrics' own runtime names → their OpenTelemetry equivalents; `null` leaves a name out of
 * OTLP (its semantic-convention counterpart is sent instead, from `SemconvMetric` series).
 * Made at the first export, not when the OTLP code loads: a short job whose collector refuses
 * never needs it.
 */
export function runtimeDescriptors(): ReadonlyMap<string, Descriptor | null> {
  if (runtimeTable !== undefined) return runtimeTable;
  const table = new Map<string, Descriptor | null>([
    [RuntimeMetric.eventLoopUsage, { name: 'nodejs.eventloop.utilization', unit: '1', description: 'Event loop utilization', instrument: 'gauge' }],
    [RuntimeMetric.eventLoopDelayMedian, { ...delay('p50', 'Event loop 50 percentile delay.'), scale: 1e-3 }],
    [RuntimeMetric.eventLoopDelayP99, { ...delay('p99', 'Event loop 99 percentile delay.'), scale: 1e-3 }],
    [RuntimeMetric.eventLoopDelayMax, { ...delay('max', 'Event loop maximum delay.'), scale: 1e-3 }],
    [RuntimeMetric.cpuUserUs, { name: 'process.cpu.time', unit: 's', description: 'Total CPU seconds broken down by different CPU modes.', instrument: 'observableCounter', scale: 1e-6, attribute: [SemconvAttribute.cpuMode, 'user'] }],
    [RuntimeMetric.cpuSystemUs, { name: 'process.cpu.time', unit: 's', description: 'Total CPU seconds broken down by different CPU modes.', instrument: 'observableCounter', scale: 1e-6, attribute: [SemconvAttribute.cpuMode, 'system'] }],
    [RuntimeMetric.rssBytes, { name: 'process.memory.usage', unit: 'By', description: 'The amount of physical memory in use.', instrument: 'upDownCounter' }],
  ]);
  // Every other runtime name is left out (one pass, no per-name array of the seven above).
  for (const name of Object.values(RuntimeMetric)) if (!table.has(name)) table.set(name, null);
  for (const [name, descriptor] of containerDescriptors()) table.set(name, descriptor);
  return (runtimeTable = table);
}

/** The series the sampler writes under OpenTelemetry's names (its `semconv` option); made at the first export. */
export function semconvDescriptors(): ReadonlyMap<string, Descriptor> {
  return (semconvTable ??= new Map<string, Descriptor>([
    [SemconvMetric.eventLoopDelayMin, delay('min', 'Event loop minimum delay.')],
    [SemconvMetric.eventLoopDelayMean, delay('mean', 'Event loop mean delay.')],
    [SemconvMetric.eventLoopDelayStddev, delay('stddev', 'Event loop standard deviation delay.')],
    [SemconvMetric.eventLoopDelayP90, delay('p90', 'Event loop 90 percentile delay.')],
    [SemconvMetric.eventLoopTime, { name: SemconvMetric.eventLoopTime, unit: 's', description: 'Cumulative duration of time the event loop has been in each state.', instrument: 'observableCounter' }],
    [SemconvMetric.gcDuration, { name: SemconvMetric.gcDuration, unit: 's', description: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.', instrument: 'histogram', buckets: GC_DURATION_BUCKETS }],
    [SemconvMetric.heapSpaceSize, { name: SemconvMetric.heapSpaceSize, unit: 'By', description: 'Total heap memory size pre-allocated for a heap space.', instrument: 'upDownCounter' }],
    [SemconvMetric.heapUsed, { name: SemconvMetric.heapUsed, unit: 'By', description: 'Heap Memory size allocated.', instrument: 'gauge' }],
    [SemconvMetric.heapSpaceAvailable, { name: SemconvMetric.heapSpaceAvailable, unit: 'By', description: 'Heap space available size.', instrument: 'gauge' }],
    [SemconvMetric.heapSpacePhysical, { name: SemconvMetric.heapSpacePhysical, unit: 'By', description: 'Committed size of a heap space.', instrument: 'gauge' }],
    [SemconvMetric.resourceActive, { name: SemconvMetric.resourceActive, unit: '{resource}', description: 'Count of the active resources that are currently keeping the event loop alive.', instrument: 'gauge' }],
  ]));
}
