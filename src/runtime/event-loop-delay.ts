import type { Aggregator } from '../metrics/aggregator.js';
import { RuntimeMetric, SemconvMetric } from '../metrics/names.js';
import type { RuntimeCollector } from './collector.js';
import { delayProbe } from './delay-probe.js';
import type { DelayWindow } from './delay-window.js';

/**
 * Event-loop delay: how late the loop ran a timer, beyond the timer's own period, in ms, over
 * the interval since the last collect. Reads the process's one probe (delay-probe.ts) through a
 * window of its own, so another reader (a Prometheus scrape, an OTLP export) never takes its
 * ticks, and it never takes theirs.
 */
export class EventLoopDelayCollector implements RuntimeCollector {
  readonly #resolution: number;
  readonly #semconv: boolean;
  readonly #idle: boolean;
  #window: DelayWindow | undefined;

  /**
   * @param resolution probe period, ms (the shared probe runs at the finest any reader asks)
   * @param semconv also write min, mean, stddev and p90 (seconds), as OpenTelemetry names them
   * @param idle let the probe slow down while the loop is idle (delay-probe.ts, idle mode)
   */
  constructor(resolution: number, semconv = false, idle = true) {
    this.#resolution = resolution;
    this.#semconv = semconv;
    this.#idle = idle;
  }

  enable(): void {
    this.#window ??= delayProbe().open(this.#resolution, this.#semconv, this.#idle);
  }

  disable(): void {
    if (this.#window === undefined) return;
    delayProbe().close(this.#window);
    this.#window = undefined;
  }

  collect(aggregator: Aggregator): void {
    const window = this.#window;
    if (window === undefined) return;
    delayProbe().drain();
    const f = window.figures();
    window.reset();
    aggregator.gauge(RuntimeMetric.eventLoopDelayMedian, f.p50);
    aggregator.gauge(RuntimeMetric.eventLoopDelayP95, f.p95);
    aggregator.gauge(RuntimeMetric.eventLoopDelayP99, f.p99);
    aggregator.gauge(RuntimeMetric.eventLoopDelayMax, f.max);
    if (this.#semconv) {
      aggregator.gauge(SemconvMetric.eventLoopDelayMin, f.min / 1000);
      aggregator.gauge(SemconvMetric.eventLoopDelayMean, f.mean / 1000);
      aggregator.gauge(SemconvMetric.eventLoopDelayStddev, f.stddev / 1000);
      aggregator.gauge(SemconvMetric.eventLoopDelayP90, f.p90 / 1000);
    }
  }
}
