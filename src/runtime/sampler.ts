import { debug } from '../util/debug.js';
import type { Aggregator } from '../metrics/aggregator.js';
import type { RuntimeCollector } from './collector.js';
import { CpuCollector } from './cpu.js';
import { EventLoopDelayCollector } from './event-loop-delay.js';
import { EventLoopUtilizationCollector } from './event-loop-utilization.js';
import { GcCollector } from './gc.js';
import { HandlesCollector } from './handles.js';
import { MemoryCollector } from './memory.js';
import { sharingReadings } from './memory-reading.js';
import { checkDuration } from '../config/check-duration.js';
// Container figures (docs/container.md): the cgroup and Node-memory figures, one more collector in the list.
import { ContainerCollector } from '../container/collector.js';

export type { RuntimeCollector } from './collector.js';

/** Options of the runtime sampler. */
export interface RuntimeSamplerOptions {
  /**
   * Event-loop delay probe period, ms. Smaller reads a long block more exactly (a block of
   * B ms reads between B − resolution and B) but wakes an idle process more often.
   * @default 20
   */
  readonly delayResolution?: number;
  /**
   * Let the delay probe slow down to 250 ms while the loop is idle and return to
   * `delayResolution` as soon as a callback runs a few ms or utilisation rises (an async hook
   * times callbacks meanwhile; docs/differences.md#idle-mode). `false` keeps it at
   * `delayResolution` always.
   * @default true
   */
  readonly delayIdle?: boolean;
  /**
   * Also write the figures OpenTelemetry's runtime instrumentation has and hmetrics' own names
   * lack (`SemconvMetric`: GC duration by type, heap spaces, event-loop time by state, delay
   * min/mean/stddev/p90, resources by type). The report loop turns it on for OTLP endpoints.
   * @default false
   */
  readonly semconv?: boolean;
}

/**
 * The sampler's defaults, in one place. 20 ms: ~2 ms of CPU per second when idle, and a long
 * block reads at most 20 ms short (bench/runtime-probe.bench.ts; the README has the table).
 */
export const RUNTIME_SAMPLER_DEFAULTS = { delayResolution: 20, delayIdle: true } as const;

/**
 * The runtime sampler: GC, event-loop delay and utilisation, memory, CPU and active handles,
 * one small collector per source. `enable()` starts every collector, `collect(aggregator)`
 * writes one interval's figures (the eleven Heroku names always present), `disable()`
 * releases every observer and timer. A collector that fails is skipped, never thrown into
 * the caller.
 *
 * @example
 * const sampler = createRuntimeSampler({ delayResolution: 20 });
 * sampler.enable();
 * // … once per interval:
 * sampler.collect(processAggregator);
 * const snapshot = processAggregator.swap();
 */
export function createRuntimeSampler(options: RuntimeSamplerOptions = {}): RuntimeCollector {
  const resolution = checkDuration('delayResolution', options.delayResolution ?? RUNTIME_SAMPLER_DEFAULTS.delayResolution);
  const semconv = options.semconv === true;
  return new RuntimeSampler([
    new GcCollector(semconv),
    new EventLoopDelayCollector(resolution, semconv, options.delayIdle ?? RUNTIME_SAMPLER_DEFAULTS.delayIdle),
    new EventLoopUtilizationCollector(semconv),
    new CpuCollector(),
    new MemoryCollector(semconv),
    new HandlesCollector(semconv),
    new ContainerCollector(),
  ]);
}

class RuntimeSampler implements RuntimeCollector {
  readonly #collectors: readonly RuntimeCollector[];

  constructor(collectors: readonly RuntimeCollector[]) {
    this.#collectors = collectors;
  }

  enable(): void {
    for (const collector of this.#collectors) guard(() => collector.enable(), 'enable');
  }

  disable(): void {
    for (const collector of this.#collectors) guard(() => collector.disable(), 'disable');
  }

  collect(aggregator: Aggregator): void {
    // One memoryUsage() and one getHeapStatistics() for the whole sample (memory-reading.ts).
    sharingReadings(() => {
      for (const collector of this.#collectors) guard(() => collector.collect(aggregator), 'collect');
    });
  }
}

/** Background work never throws into the host; the failure is visible in the debug log. */
function guard(step: () => void, what: string): void {
  try {
    step();
  } catch (error) {
    debug(`runtime sampler ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
