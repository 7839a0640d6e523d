import type { StopSignal } from './stop.js';

/**
 * Resolves true after `ms`, or false as soon as `signal` aborts (at once if it already has).
 * The timer is unref'd and the abort listener removed either way: waiting never holds the process
 * open and never leaks a listener on a long-lived signal.
 */
export function sleep(ms: number, signal?: StopSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, Math.max(0, ms));
    timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * `promise`, or a rejection with `timeoutError()` after `ms` if it has not settled by then (the
 * promise itself runs on; its later rejection is handled, never unhandled). The timer is unref'd:
 * a slow promise never holds the process open. Callers name their error (e.g. `DeliveryFailed`),
 * so a timeout reads like every other failure of that operation.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  timeoutError: () => Error = () => new Error(`did not settle within ${ms} ms`),
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timeoutError()), Math.max(0, ms));
    timer.unref();
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error: unknown) => { clearTimeout(timer); reject(error); },
    );
  });
}
