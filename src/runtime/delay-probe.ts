import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { shared } from '../util/global-state.js';
import { DelayWindow } from './delay-window.js';

/**
 * The process's one event-loop delay probe, for every reader and every copy of the package.
 *
 * The probe is `monitorEventLoopDelay()`: its timer lives in C++, so each wake-up costs about a
 * third of a JS timer's (bench/runtime-probe.bench.ts). It records the time between ticks, so
 * the period is subtracted (an idle loop reads ~0 ms, not ~the period). Its period is the
 * finest any open reader asked for.
 *
 * Readers never reset it: each holds a `DelayWindow` (its cursor). `drain()`, which any reader
 * calls before reading, folds what the histogram recorded since the previous drain into every
 * open window and into the cumulative one, then resets the histogram. So a scrape and the push
 * loop each see every tick, whoever drained it.
 *
 * `reset()` forgets the previous tick, so the first tick after each drain records nothing: a
 * block that starts right after a drain would appear nowhere. A one-shot "bridge" timer armed at
 * each drain covers exactly that tick: it measures its own lateness and feeds the max. One JS
 * wake-up per drain, whatever the period.
 */
export class DelayProbe {
  #histogram: IntervalHistogram | undefined;
  #period = 0;
  /** Open readers and the period each asked for, ms. */
  readonly #readers = new Map<DelayWindow, number>();
  /** Open readers that report mean and stddev (reading them costs; see DelayWindow.fold). */
  readonly #momentReaders = new Set<DelayWindow>();
  /** Since the probe started: never reset by a reader. */
  readonly cumulative = new DelayWindow();
  #bridge: NodeJS.Timeout | undefined;
  #bridgeArmed = 0;
  #bridgeLate = 0;
  #bridgeFired = false;

  /** Probes running now: 0 or 1 (tests and the bench count it). */
  get probes(): number {
    return this.#histogram === undefined ? 0 : 1;
  }

  /** The probe's period now, ms (0 when stopped). */
  get period(): number {
    return this.#period;
  }

  /**
   * A window for a new reader, starting empty now; the probe runs at `resolution` ms or finer.
   * `moments`: the reader reports mean and stddev.
   */
  open(resolution: number, moments = false): DelayWindow {
    const window = new DelayWindow();
    if (this.#histogram === undefined) {
      this.#start(resolution);
    } else if (resolution < this.#period) {
      // A finer reader: fold what the coarse probe recorded, then restart finer.
      this.drain();
      this.#stop();
      this.#start(resolution);
    }
    this.#readers.set(window, resolution);
    if (moments) this.#momentReaders.add(window);
    return window;
  }

  /** Closes a reader's window; the probe stops with the last one. */
  close(window: DelayWindow): void {
    this.#momentReaders.delete(window);
    if (!this.#readers.delete(window) || this.#readers.size > 0) return;
    this.#stop();
  }

  /**
   * Folds the ticks recorded since the previous drain into every open window (and the
   * cumulative one) and resets the histogram. A bridge tick due but not yet run is overdue by
   * at least its lateness now, and counts so.
   */
  drain(): void {
    const h = this.#histogram;
    if (h === undefined) return;
    const now = performance.now();
    let bridgeLate = this.#bridgeLate;
    if (!this.#bridgeFired) {
      const pending = now - this.#bridgeArmed - this.#period;
      if (pending > bridgeLate) bridgeLate = pending;
    }
    // Several readers' windows merge drains: only then is the full percentile table worth reading.
    const batch = this.cumulative.fold(h, this.#period, bridgeLate, this.#momentReaders.size > 0, this.#readers.size > 1);
    for (const window of this.#readers.keys()) window.add(batch);
    h.reset();
    this.#bridgeLate = 0;
    this.#bridgeFired = false;
    this.#bridgeArmed = now;
    this.#bridge?.refresh();
  }

  /**
   * True when the probe's next tick looks overdue by more than a period: the loop has been busy
   * since (a block in this very loop turn), and that tick, not yet recorded, should run before a
   * reader drains. The last tick's time is estimated from the drain time, the first tick (the
   * bridge) and the sum of recorded gaps (mean × count; the histogram keeps 3 significant
   * digits, hence the 0.2 % margin). Costs nothing; a false alarm costs one wait.
   */
  tickOverdue(): boolean {
    const h = this.#histogram;
    if (h === undefined) return false;
    const now = performance.now();
    let lastTick = this.#bridgeArmed;
    if (this.#bridgeFired) lastTick += this.#period + this.#bridgeLate + (h.count > 0 ? (h.mean / 1e6) * h.count : 0);
    return now - lastTick > 2 * this.#period + 0.002 * (now - this.#bridgeArmed);
  }

  #start(resolution: number): void {
    const histogram = monitorEventLoopDelay({ resolution });
    histogram.enable();
    this.#histogram = histogram;
    this.#period = resolution;
    this.#bridgeLate = 0;
    this.#bridgeFired = false;
    // One Timeout for the probe's life: refresh() re-arms it without allocating.
    this.#bridge = setTimeout(this.#onBridge, resolution);
    this.#bridge.unref();
    this.#bridgeArmed = performance.now();
  }

  #stop(): void {
    this.#histogram?.disable();
    this.#histogram = undefined;
    this.#period = 0;
    clearTimeout(this.#bridge);
    this.#bridge = undefined;
  }

  readonly #onBridge = (): void => {
    this.#bridgeFired = true;
    const late = performance.now() - this.#bridgeArmed - this.#period;
    if (late > this.#bridgeLate) this.#bridgeLate = late;
  };
}

/** The process's delay probe (one for every copy of the package). */
export function delayProbe(): DelayProbe {
  return shared('runtime.delay-probe', () => new DelayProbe());
}
