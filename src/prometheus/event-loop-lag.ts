import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { FamilyList } from './family.js';

const HELP = {
  lag: 'Lag of event loop in seconds (hmetrics: mean delay beyond the probe period since the previous scrape).',
  min: 'The minimum recorded event loop delay.',
  max: 'The maximum recorded event loop delay.',
  mean: 'The mean of the recorded event loop delays.',
  stddev: 'The standard deviation of the recorded event loop delays.',
  p50: 'The 50th percentile of the recorded event loop delays.',
  p90: 'The 90th percentile of the recorded event loop delays.',
  p99: 'The 99th percentile of the recorded event loop delays.',
} as const;

/**
 * prom-client's `nodejs_eventloop_lag_*` gauges over the time since the previous scrape, as the
 * delay beyond the probe's own period (an idle loop reads ~0, not ~the resolution, as prom-client
 * does). Same probe as the runtime sampler: `monitorEventLoopDelay()` plus a one-shot "bridge"
 * timer re-armed at each scrape, because `reset()` forgets the tick in progress, and a block that
 * ends just before a scrape would otherwise appear nowhere.
 */
export class EventLoopLag {
  readonly #resolution: number;
  #histogram: IntervalHistogram | undefined;
  #bridge: NodeJS.Timeout | undefined;
  #bridgeArmed = 0;
  #bridgeLate = 0;
  #bridgeFired = false;

  /** @param resolution probe period, ms */
  constructor(resolution: number) {
    this.#resolution = resolution;
  }

  enable(): void {
    if (this.#histogram) return;
    this.#histogram = monitorEventLoopDelay({ resolution: this.#resolution });
    this.#histogram.enable();
    this.#bridgeFired = false;
    this.#bridge = setTimeout(this.#onBridge, this.#resolution);
    this.#bridge.unref();
    this.#bridgeArmed = performance.now();
  }

  disable(): void {
    this.#histogram?.disable();
    this.#histogram = undefined;
    clearTimeout(this.#bridge);
    this.#bridge = undefined;
  }

  collect(list: FamilyList): void {
    const h = this.#histogram;
    const period = this.#resolution;
    let min = 0, max = 0, mean = 0, stddev = 0, p50 = 0, p90 = 0, p99 = 0;
    if (h !== undefined && h.count > 0) {
      min = beyond(h.min, period);
      max = beyond(h.max, period);
      mean = beyond(h.mean, period);
      stddev = h.stddev / 1e9;
      p50 = beyond(h.percentile(50), period);
      p90 = beyond(h.percentile(90), period);
      p99 = beyond(h.percentile(99), period);
    }
    const bridge = this.#bridgeLate / 1000;
    if (bridge > max) max = bridge;
    list.gauge('nodejs_eventloop_lag_seconds', HELP.lag, mean);
    list.gauge('nodejs_eventloop_lag_min_seconds', HELP.min, min);
    list.gauge('nodejs_eventloop_lag_max_seconds', HELP.max, max);
    list.gauge('nodejs_eventloop_lag_mean_seconds', HELP.mean, mean);
    list.gauge('nodejs_eventloop_lag_stddev_seconds', HELP.stddev, stddev);
    list.gauge('nodejs_eventloop_lag_p50_seconds', HELP.p50, p50);
    list.gauge('nodejs_eventloop_lag_p90_seconds', HELP.p90, p90);
    list.gauge('nodejs_eventloop_lag_p99_seconds', HELP.p99, p99);
    if (h === undefined) return;
    h.reset();
    this.#bridgeLate = 0;
    this.#bridgeFired = false;
    this.#bridgeArmed = performance.now();
    this.#bridge?.refresh();
  }

  /**
   * True when the probe's next tick looks overdue by more than a period: the loop has been busy
   * since (a block in this very loop turn), and that tick, not yet recorded, must run before the
   * histogram is read and reset. The last tick's time is estimated from the reset time, the
   * first tick (the bridge) and the sum of recorded gaps (mean × count; the histogram keeps 3
   * significant digits, hence the 0.2 % margin). Costs nothing; a false alarm costs one wait.
   */
  tickOverdue(): boolean {
    const h = this.#histogram;
    if (h === undefined) return false;
    const now = performance.now();
    let lastTick = this.#bridgeArmed;
    if (this.#bridgeFired) lastTick += this.#resolution + this.#bridgeLate + (h.count > 0 ? (h.mean / 1e6) * h.count : 0);
    return now - lastTick > 2 * this.#resolution + 0.002 * (now - this.#bridgeArmed);
  }

  readonly #onBridge = (): void => {
    this.#bridgeFired = true;
    const late = performance.now() - this.#bridgeArmed - this.#resolution;
    if (late > this.#bridgeLate) this.#bridgeLate = late;
  };
}

/** ns between probe ticks → seconds beyond the probe period (an early tick is no lag). */
function beyond(ns: number, periodMs: number): number {
  const s = (ns / 1e6 - periodMs) / 1000;
  return s > 0 ? s : 0;
}
