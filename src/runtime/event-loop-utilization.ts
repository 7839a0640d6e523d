import type { EventLoopUtilization } from 'node:perf_hooks';
import type { Aggregator } from '../metrics/aggregator.js';
import { RuntimeMetric, SemconvAttribute, SemconvMetric } from '../metrics/names.js';
import type { RuntimeCollector } from './collector.js';

/**
 * Event-loop utilisation over exactly the interval since the last collect (or enable), as a
 * fraction 0–1. Each interval is the difference of two absolute readings,
 * `eventLoopUtilization(current, previousAbsolute)`. Passing the previous *delta* instead
 * (what another collector does) subtracts the wrong baseline and skews every interval from the
 * third one on.
 */
const ACTIVE_TAGS = [`${SemconvAttribute.eventLoopState}:active`] as const;
const IDLE_TAGS = [`${SemconvAttribute.eventLoopState}:idle`] as const;

export class EventLoopUtilizationCollector implements RuntimeCollector {
  #previous: EventLoopUtilization | undefined;
  readonly #semconv: boolean;

  /** @param semconv also count the seconds spent active and idle (`nodejs.eventloop.time`) */
  constructor(semconv = false) {
    this.#semconv = semconv;
  }

  enable(): void {
    this.#previous ??= performance.eventLoopUtilization();
  }

  disable(): void {
    this.#previous = undefined;
  }

  collect(aggregator: Aggregator): void {
    const previous = this.#previous;
    if (!previous) return;
    const current = performance.eventLoopUtilization();
    const interval = performance.eventLoopUtilization(current, previous);
    this.#previous = current;
    // NaN when no time passed at all (two collects in the same tick): nothing was busy.
    aggregator.gauge(RuntimeMetric.eventLoopUsage, Number.isFinite(interval.utilization) ? interval.utilization : 0);
    if (this.#semconv) {
      aggregator.count(SemconvMetric.eventLoopTime, interval.active / 1000, ACTIVE_TAGS);
      aggregator.count(SemconvMetric.eventLoopTime, interval.idle / 1000, IDLE_TAGS);
    }
  }
}
