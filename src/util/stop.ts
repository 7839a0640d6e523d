/**
 * What hmetrics' loops and deliveries read of a stop signal: an `AbortSignal` fits, and so does
 * `Stop`, the light one they make for themselves.
 */
export interface StopSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { readonly once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * An abort controller and its signal in one object, for the signals hmetrics makes and aborts
 * itself (the supervisor's stop, the loop's halt, the cut of a delivery in flight, the final
 * delivery's deadline). `AbortController` cost a reporting process ~3 M instructions at startup
 * (measured on a dyno's start; ~5 M for the same calls in an empty script): EventTarget's
 * listener machinery and `AbortSignal.any` compile on first use. A listener runs once, at the abort, in the order added; one that throws is
 * ignored (an EventTarget would report it as an uncaught exception, in the host's process).
 */
export class Stop implements StopSignal {
  #aborted = false;
  #listeners: (() => void)[] = [];

  get aborted(): boolean {
    return this.#aborted;
  }

  /** This object: code written for an `AbortController` reads `.signal`. */
  get signal(): Stop {
    return this;
  }

  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) {
      try {
        listener();
      } catch {
        // a stop listener's failure is nobody's business at a stop
      }
    }
  }

  /** Listens for the abort (once: a Stop aborts once). A listener added after it is never called, as with an AbortSignal. */
  addEventListener(_type: 'abort', listener: () => void, _options?: { readonly once?: boolean }): void {
    if (!this.#aborted && !this.#listeners.includes(listener)) this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.#listeners.indexOf(listener);
    if (at !== -1) this.#listeners.splice(at, 1);
  }
}

/**
 * A Stop that aborts as soon as one of `signals` does (at once if one has), and the function that
 * stops listening to them: unlike `AbortSignal.any`, it holds no weak references, so the caller
 * ends it when done (a long-lived AbortSignal of the app's must not keep a listener for ever).
 */
export function anyStop(signals: readonly StopSignal[]): { readonly stop: Stop; readonly release: () => void } {
  const stop = new Stop();
  const onAbort = (): void => stop.abort();
  for (const signal of signals) {
    if (signal.aborted) stop.abort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  return { stop, release: () => { for (const signal of signals) signal.removeEventListener('abort', onAbort); } };
}
