import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { Aggregator } from '../metrics/aggregator.js';
import { RuntimeMetric, SemconvMetric } from '../metrics/names.js';
import type { RuntimeCollector } from './collector.js';

/**
 * Event-loop delay: how late the loop ran a timer, beyond the timer's own period, in ms.
 *
 * The periodic probe is `monitorEventLoopDelay()`: its timer lives in C++, so each wake-up
 * costs about a third of a JS timer's (bench/runtime-probe.bench.ts). It records the time
 * between ticks, so the period is subtracted (an idle loop reads ~0 ms, not ~the resolution).
 *
 * Its `reset()` forgets the previous tick, so the first tick after each collect records
 * nothing: a block that starts right after a collect would never appear anywhere. A one-shot
 * "bridge" timer armed at each collect covers exactly that tick: it measures its own lateness
 * and feeds the max. One JS wake-up per interval, whatever the resolution.
 */
export class EventLoopDelayCollector implements RuntimeCollector {
  readonly #resolution: number;
  #histogram: IntervalHistogram | undefined;
  #bridge: NodeJS.Timeout | undefined;
  /** When the bridge was armed, performance.now() ms. */
  #bridgeArmed = 0;
  /** Largest bridge lateness since the last collect, ms. */
  #bridgeLate = 0;

  readonly #semconv: boolean;

  /**
   * @param resolution probe period, ms
   * @param semconv also write min, mean, stddev and p90 (seconds), as OpenTelemetry names them
   */
  constructor(resolution: number, semconv = false) {
    this.#resolution = resolution;
    this.#semconv = semconv;
  }

  enable(): void {
    if (this.#histogram) return;
    const histogram = monitorEventLoopDelay({ resolution: this.#resolution });
    histogram.enable();
    this.#histogram = histogram;
    this.#bridgeLate = 0;
    // One Timeout for the collector's life: refresh() re-arms it without allocating.
    this.#bridge = setTimeout(this.#bridgeFired, this.#resolution);
    this.#bridge.unref();
    this.#bridgeArmed = performance.now();
  }

  disable(): void {
    if (!this.#histogram) return;
    this.#histogram.disable();
    this.#histogram = undefined;
    clearTimeout(this.#bridge);
    this.#bridge = undefined;
  }

  collect(aggregator: Aggregator): void {
    const histogram = this.#histogram;
    if (!histogram) return;
    const period = this.#resolution;
    let median = 0;
    let p95 = 0;
    let p99 = 0;
    let max = 0;
    if (histogram.count > 0) {
      // ns between ticks → ms beyond the period; a tick that came early is no lag.
      median = lag(histogram.percentile(50), period);
      p95 = lag(histogram.percentile(95), period);
      p99 = lag(histogram.percentile(99), period);
      max = lag(histogram.max, period);
    }
    if (this.#bridgeLate > max) max = this.#bridgeLate;
    aggregator.gauge(RuntimeMetric.eventLoopDelayMedian, median);
    aggregator.gauge(RuntimeMetric.eventLoopDelayP95, p95);
    aggregator.gauge(RuntimeMetric.eventLoopDelayP99, p99);
    aggregator.gauge(RuntimeMetric.eventLoopDelayMax, max);
    if (this.#semconv) {
      const counted = histogram.count > 0;
      // Lag beyond the period, as above; a standard deviation does not move with the shift.
      aggregator.gauge(SemconvMetric.eventLoopDelayMin, counted ? lag(histogram.min, period) / 1000 : 0);
      aggregator.gauge(SemconvMetric.eventLoopDelayMean, counted ? lag(histogram.mean, period) / 1000 : 0);
      aggregator.gauge(SemconvMetric.eventLoopDelayStddev, counted && Number.isFinite(histogram.stddev) ? histogram.stddev / 1e9 : 0);
      aggregator.gauge(SemconvMetric.eventLoopDelayP90, counted ? lag(histogram.percentile(90), period) / 1000 : 0);
    }
    histogram.reset();
    this.#bridgeLate = 0;
    this.#bridgeArmed = performance.now();
    this.#bridge?.refresh();
  }

  readonly #bridgeFired = (): void => {
    const late = performance.now() - this.#bridgeArmed - this.#resolution;
    if (late > this.#bridgeLate) this.#bridgeLate = late;
  };
}

function lag(ns: number, periodMs: number): number {
  const ms = ns / 1e6 - periodMs;
  return ms > 0 ? ms : 0;
}
