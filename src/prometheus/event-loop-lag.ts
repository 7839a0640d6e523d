import { delayProbe } from '../runtime/delay-probe.js';
import type { DelayWindow } from '../runtime/delay-window.js';
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
 * does). Reads the process's one probe (runtime/delay-probe.ts) through a window of its own, so
 * a scrape never takes the push loop's ticks, nor the push loop a scrape's.
 */
export class EventLoopLag {
  readonly #resolution: number;
  #window: DelayWindow | undefined;

  /** @param resolution probe period, ms (the shared probe runs at the finest any reader asks) */
  constructor(resolution: number) {
    this.#resolution = resolution;
  }

  enable(): void {
    this.#window ??= delayProbe().open(this.#resolution, true);
  }

  disable(): void {
    if (this.#window === undefined) return;
    delayProbe().close(this.#window);
    this.#window = undefined;
  }

  collect(list: FamilyList): void {
    const window = this.#window;
    if (window !== undefined) delayProbe().drain();
    const f = window?.figures();
    window?.reset();
    const s = (ms: number | undefined): number => (ms ?? 0) / 1000;
    list.gauge('nodejs_eventloop_lag_seconds', HELP.lag, s(f?.mean));
    list.gauge('nodejs_eventloop_lag_min_seconds', HELP.min, s(f?.min));
    list.gauge('nodejs_eventloop_lag_max_seconds', HELP.max, s(f?.max));
    list.gauge('nodejs_eventloop_lag_mean_seconds', HELP.mean, s(f?.mean));
    list.gauge('nodejs_eventloop_lag_stddev_seconds', HELP.stddev, s(f?.stddev));
    list.gauge('nodejs_eventloop_lag_p50_seconds', HELP.p50, s(f?.p50));
    list.gauge('nodejs_eventloop_lag_p90_seconds', HELP.p90, s(f?.p90));
    list.gauge('nodejs_eventloop_lag_p99_seconds', HELP.p99, s(f?.p99));
  }

  /** True when the probe's tick is overdue: read after the next timers phase (see DelayProbe). */
  tickOverdue(): boolean {
    return this.#window !== undefined && delayProbe().tickOverdue();
  }
}
