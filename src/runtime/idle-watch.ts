import { builtin } from '../util/builtin.js';

/**
 * Callbacks closer than this are one run: the loop went from one to the next without waiting
 * (between two callbacks of one loop turn Node spends a few µs), so a timer due during the run
 * may have waited for all of it. May: the run can also span loop turns, where a due timer gets
 * its turn, so a run only wakes the probe and is never reported as a delay.
 */
const RUN_GAP_MS = 0.1;

/** What makes the watch call its owner back: the loop is no longer idle. */
export interface IdleWatchLimits {
  /** A callback, or a run of callbacks, this long, ms, is a block. */
  readonly blockMs: number;
  /** Callback time within one window, ms, that means the loop is busy (utilisation). */
  readonly busyMs: number;
  /** Callbacks within one window that mean the loop is busy (the hook then costs more than the fast probe saves). */
  readonly callbacks: number;
  /** The window, ms (the slow probe's period). */
  readonly windowMs: number;
}

/**
 * The idle delay probe's lookout: an `async_hooks` hook with `before` and `after` only, enabled
 * only while the probe runs slow. It times every callback the loop runs and keeps the longest
 * for the probe's next drain (a callback of B ms delayed a timer due at its start by B ms: a
 * delay the slow ticks may have missed), and calls `onBusy` as soon as one callback or one run
 * of callbacks back to back is a block, or the callbacks of one window add up to real
 * utilisation, or are many.
 *
 * Costs nothing when disabled. Enabled, about 0.01 µs per timer or I/O callback and 0.1 µs per
 * promise reaction (bench/idle.bench.ts measures it); with no `init` or `destroy`, async
 * resources are not tracked.
 */
export class IdleWatch {
  readonly #limits: IdleWatchLimits;
  readonly #onBusy: () => void;
  readonly #hook = builtin('node:async_hooks').createHook({ before: () => this.#before(), after: () => this.#after() });
  #enabled = false;
  /** Nesting of before/after (a callback that runs another in its own scope). */
  #depth = 0;
  #callbackStart = 0;
  #runStart = 0;
  #lastAfter = -Infinity;
  #windowStart = 0;
  #windowCallbacks = 0;
  #windowBusy = 0;
  /** The longest callback since the previous take, ms. */
  #longest = 0;
  /** Callbacks seen since created (tests read it). */
  callbacks = 0;

  constructor(limits: IdleWatchLimits, onBusy: () => void) {
    this.#limits = limits;
    this.#onBusy = onBusy;
  }

  /** The hook is enabled now. */
  get enabled(): boolean {
    return this.#enabled;
  }

  enable(): void {
    if (this.#enabled) return;
    // Enabled from inside a callback: its `after` comes without a `before` (depth 0 ignores it).
    this.#depth = 0;
    this.#lastAfter = -Infinity;
    this.#windowStart = performance.now();
    this.#windowCallbacks = 0;
    this.#windowBusy = 0;
    this.#enabled = true;
    this.#hook.enable();
  }

  disable(): void {
    if (!this.#enabled) return;
    this.#enabled = false;
    this.#hook.disable();
  }

  /** The longest callback since the previous take, ms (0 if none), and starts afresh. */
  take(): number {
    const longest = this.#longest;
    this.#longest = 0;
    return longest;
  }

  #before(): void {
    if (this.#depth++ > 0) return;
    const now = performance.now();
    this.callbacks++;
    const limits = this.#limits;
    if (now - this.#windowStart >= limits.windowMs) {
      this.#windowStart = now;
      this.#windowCallbacks = 0;
      this.#windowBusy = 0;
    }
    if (now - this.#lastAfter > RUN_GAP_MS) this.#runStart = now;
    this.#callbackStart = now;
    if (++this.#windowCallbacks > limits.callbacks) this.#onBusy();
  }

  #after(): void {
    if (this.#depth === 0) return;
    if (--this.#depth > 0) return;
    const now = performance.now();
    this.#lastAfter = now;
    const took = now - this.#callbackStart;
    if (took > this.#longest) this.#longest = took;
    this.#windowBusy += took;
    const limits = this.#limits;
    if (now - this.#runStart >= limits.blockMs || this.#windowBusy >= limits.busyMs) this.#onBusy();
  }
}
