import type { EventLoopUtilization, IntervalHistogram } from 'node:perf_hooks';
import { builtin } from '../util/builtin.js';
import { shared } from '../util/global-state.js';
import { DelayWindow } from './delay-window.js';
import { IdleWatch } from './idle-watch.js';

/**
 * Idle mode (see the class comment). The slow period: 4 native wake-ups a second instead of
 * 50 at 20 ms, still enough ticks for an idle median, and a block no callback shows (native
 * work) longer than this is still seen by the ticks.
 */
export const IDLE_PERIOD = 250;
/** How often the active probe asks whether the loop has gone idle, ms (one JS wake-up). */
const CHECK_MS = 1000;
/** Idle: utilisation since the previous check below this, and no new lag above IDLE_LAG_MS. */
const IDLE_UTILISATION = 0.01;
const IDLE_LAG_MS = 2;

/**
 * The process's one event-loop delay probe, for every reader and every copy of the package.
 *
 * The probe is `monitorEventLoopDelay()`: its timer lives in C++, so each wake-up costs about a
 * third of a JS timer's (bench/runtime-probe.bench.ts). It records the time between ticks, so
 * the period is subtracted (an idle loop reads ~0 ms, not ~the period). Active, its period is
 * the finest any open reader asked for.
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
 *
 * Idle mode: 50 wake-ups a second measure nothing on an idle loop. Once a second (one unref'd
 * JS timer) the active probe checks utilisation and lag since the previous check; when the loop
 * was idle, it restarts at IDLE_PERIOD and enables an IdleWatch, an async hook that times every
 * callback the loop runs. A callback of B ms is a delay a timer due at its start would have
 * seen: the longest feeds the max as the bridge's lateness does, so a block that falls between
 * two slow ticks still reads (as its own length). A callback or a run of callbacks of a few ms,
 * real utilisation or many callbacks in one slow period wake the probe: it restarts at the
 * active period, the hook disabled. Every restart drains first (the ticks so far reach every window, and the bridge
 * covers the new histogram's first tick), so no tick is lost or counted twice.
 */
export class DelayProbe {
  #histogram: IntervalHistogram | undefined;
  #period = 0;
  /** The period readers asked for (the finest), ms: the period while active. */
  #active = 0;
  #idle = false;
  /** Open readers and the period each asked for, ms. */
  readonly #readers = new Map<DelayWindow, number>();
  /** Open readers that report mean and stddev (reading them costs; see DelayWindow.fold). */
  readonly #momentReaders = new Set<DelayWindow>();
  /** Open readers that turned idle mode off. */
  readonly #alwaysActive = new Set<DelayWindow>();
  /** Since the probe started: never reset by a reader. */
  readonly cumulative = new DelayWindow();
  #bridge: NodeJS.Timeout | undefined;
  #bridgeArmed = 0;
  #bridgeLate = 0;
  #bridgeFired = false;
  /** A restart drained since the last reader's drain: windows hold several batches, so buckets are needed. */
  #restarted = false;
  #check: NodeJS.Timeout | undefined;
  #utilisation: EventLoopUtilization | undefined;
  /** The histogram's max (ns) at the previous check: a larger max since is new lag. */
  #checkedMax = 0;
  #watch: IdleWatch | undefined;
  /** Restarts between modes since created (tests read it). */
  switches = 0;

  /** Probes running now: 0 or 1 (tests and the bench count it). */
  get probes(): number {
    return this.#histogram === undefined ? 0 : 1;
  }

  /** The probe's period now, ms (0 when stopped; IDLE_PERIOD in idle mode). */
  get period(): number {
    return this.#period;
  }

  /** True while in idle mode (slow period, the hook watching). */
  get idle(): boolean {
    return this.#idle;
  }

  /** True while the idle hook is enabled (only in idle mode). */
  get watching(): boolean {
    return this.#watch?.enabled === true;
  }

  /** Callbacks the idle hook has seen since the process started (tests read it). */
  get watchedCallbacks(): number {
    return this.#watch?.callbacks ?? 0;
  }

  /**
   * A window for a new reader, starting empty now; the probe runs at `resolution` ms or finer.
   * `moments`: the reader reports mean and stddev. `idle: false`: the probe never goes idle
   * while this reader is open.
   */
  open(resolution: number, moments = false, idle = true): DelayWindow {
    const window = new DelayWindow();
    if (this.#histogram === undefined) {
      this.#active = resolution;
      this.#start(resolution);
    } else if (resolution < this.#active || this.#idle) {
      // A finer reader, or a new one while idle: fold what the probe recorded, restart active.
      this.#active = Math.min(this.#active, resolution);
      this.#restart(this.#active);
    }
    this.#readers.set(window, resolution);
    if (moments) this.#momentReaders.add(window);
    if (!idle) this.#alwaysActive.add(window);
    return window;
  }

  /** Closes a reader's window; the probe stops with the last one. */
  close(window: DelayWindow): void {
    this.#momentReaders.delete(window);
    this.#alwaysActive.delete(window);
    if (!this.#readers.delete(window)) return;
    if (this.#readers.size === 0) this.#stop();
    // The last reader that kept it active has gone: start checking again.
    else if (!this.#idle && this.#canIdle()) this.#check?.refresh();
  }

  /**
   * Folds the ticks recorded since the previous drain into every open window (and the
   * cumulative one) and resets the histogram. A bridge tick due but not yet run is overdue by
   * at least its lateness now, and counts so; so does the longest run of callbacks the idle
   * hook saw.
   */
  drain(): void {
    this.#drain(false);
  }

  /**
   * Asks whether the loop has gone idle since the previous check (utilisation below 1 %, no
   * new lag above 2 ms) and if so switches to idle mode. The probe's own timer calls it once a
   * second while active; tests call it directly.
   */
  check(): void {
    const h = this.#histogram;
    if (h === undefined || this.#idle) return;
    const since = performance.eventLoopUtilization(this.#utilisation);
    this.#utilisation = performance.eventLoopUtilization();
    const max = h.max;
    const lag = max > this.#checkedMax ? max / 1e6 - this.#period : 0;
    this.#checkedMax = max;
    if (!this.#canIdle()) return; // no more checks until a reader that kept it active closes
    if (since.utilization < IDLE_UTILISATION && lag < IDLE_LAG_MS) {
      this.#idle = true;
      this.#restart(IDLE_PERIOD);
    } else {
      this.#check?.refresh();
    }
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

  #drain(restart: boolean): void {
    const h = this.#histogram;
    if (h === undefined) return;
    const now = performance.now();
    let bridgeLate = this.#bridgeLate;
    if (!this.#bridgeFired) {
      const pending = now - this.#bridgeArmed - this.#period;
      if (pending > bridgeLate) bridgeLate = pending;
    }
    const callback = this.#watch?.take() ?? 0;
    if (callback > bridgeLate) bridgeLate = callback;
    // Several readers' windows merge drains, and so does a window that saw a restart: only then
    // is the full percentile table worth reading.
    const detail = this.#readers.size > 1 || restart || this.#restarted;
    this.#restarted = restart;
    const batch = this.cumulative.fold(h, this.#period, bridgeLate, this.#momentReaders.size > 0, detail);
    for (const window of this.#readers.keys()) window.add(batch);
    h.reset();
    this.#checkedMax = 0;
    this.#bridgeLate = 0;
    this.#bridgeFired = false;
    this.#bridgeArmed = now;
    this.#bridge?.refresh();
  }

  /** Idle mode is worth it: slower than active, and no open reader turned it off. */
  #canIdle(): boolean {
    return this.#active < IDLE_PERIOD && this.#alwaysActive.size === 0;
  }

  /** Switches period (and mode, as `#idle` says): drains, then starts the histogram afresh. */
  #restart(period: number): void {
    this.#drain(true);
    this.#stopHistogram();
    this.#start(period);
    this.switches++;
  }

  #start(resolution: number): void {
    const histogram = builtin('node:perf_hooks').monitorEventLoopDelay({ resolution });
    histogram.enable();
    this.#histogram = histogram;
    this.#period = resolution;
    this.#bridgeLate = 0;
    this.#bridgeFired = false;
    this.#checkedMax = 0;
    // One Timeout per histogram: refresh() re-arms it without allocating.
    this.#bridge = setTimeout(this.#onBridge, resolution);
    this.#bridge.unref();
    this.#bridgeArmed = performance.now();
    if (this.#idle) {
      this.#watch ??= new IdleWatch(idleLimits(this.#active), this.#wake);
      this.#watch.enable();
    } else {
      this.#watch?.disable();
      this.#utilisation = performance.eventLoopUtilization();
      if (this.#check === undefined) {
        this.#check = setTimeout(this.#onCheck, CHECK_MS);
        this.#check.unref();
      } else {
        this.#check.refresh();
      }
    }
  }

  #stopHistogram(): void {
    this.#histogram?.disable();
    this.#histogram = undefined;
    this.#period = 0;
    clearTimeout(this.#bridge);
    this.#bridge = undefined;
  }

  #stop(): void {
    this.#stopHistogram();
    this.#watch?.disable();
    this.#watch = undefined;
    this.#idle = false;
    clearTimeout(this.#check);
    this.#check = undefined;
  }

  /** The idle hook saw a block or utilisation: back to the active period (the hook off first, so nothing below re-enters it). */
  readonly #wake = (): void => {
    if (!this.#idle || this.#histogram === undefined) return;
    this.#watch?.disable();
    this.#idle = false;
    // This runs inside an async hook, where a throw would end the process: never let one out.
    try {
      this.#restart(this.#active);
    } catch {
      // Nothing here is known to throw; if something did, the probe is left as the restart left it.
    }
  };

  readonly #onCheck = (): void => {
    this.check();
  };

  readonly #onBridge = (): void => {
    this.#bridgeFired = true;
    const late = performance.now() - this.#bridgeArmed - this.#period;
    if (late > this.#bridgeLate) this.#bridgeLate = late;
  };
}

/**
 * What wakes the idle probe, for an active period of `active` ms: a callback or a run of them
 * of a quarter of it (at most 5 ms), so what the slow probe can leave unread stays well inside
 * the active probe's own error (a block of B ms reads between B − active and B); callback time of
 * a tenth of the slow period (10 % utilisation); or 100 callbacks in one slow period (400 a
 * second: many short runs, each under the block length, can add up to delay between two slow
 * ticks; an app that busy is measured by the fast probe. The hook's own cost, ≤ 0.1 µs a
 * callback, is not what limits it).
 */
function idleLimits(active: number): { blockMs: number; busyMs: number; callbacks: number; windowMs: number } {
  return { blockMs: Math.min(5, active / 4), busyMs: IDLE_PERIOD / 10, callbacks: 100, windowMs: IDLE_PERIOD };
}
/** The process's delay probe (one for every copy of the package). */
export function delayProbe(): DelayProbe {
  return shared('runtime.delay-probe', () => new DelayProbe());
}
