import type { StopSignal } from '../util/stop.js';

/**
 * The report loop's sleep between intervals: one abort listener for the loop's whole life and
 * one unref'd timer per wait. util/time.ts's `sleep()` adds and removes an EventTarget listener
 * at every call, which cost ~50 µs of CPU per interval in an idle process sampled once a second
 * (the listener code runs cold after each sleep). Resolves after `ms`, or at once when the
 * signal aborts (also when it already has).
 */
export class Alarm {
  readonly #signal: StopSignal;
  #timer: NodeJS.Timeout | undefined;
  #resolve: (() => void) | undefined;

  constructor(signal: StopSignal) {
    this.#signal = signal;
    signal.addEventListener('abort', this.#ring, { once: true });
  }

  /** Waits `ms` (unref'd: it never holds the process open), or until the signal aborts. */
  wait(ms: number): Promise<void> {
    if (this.#signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.#resolve = resolve;
      this.#timer = setTimeout(this.#ring, Math.max(0, ms));
      this.#timer.unref();
    });
  }

  /** Stops listening; a wait in progress resolves. */
  close(): void {
    this.#signal.removeEventListener('abort', this.#ring);
    this.#ring();
  }

  readonly #ring = (): void => {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve?.();
  };
}
