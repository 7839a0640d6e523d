/** Resolves when `predicate` holds, polling on real I/O turns; rejects after `limitMs` real time. */
export async function until(predicate: () => boolean, limitMs = 10_000, what = 'condition'): Promise<void> {
  const started = performance.now();
  while (!predicate()) {
    if (performance.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Lets pending I/O callbacks and promise jobs run (a few loop turns, no timers involved). */
export async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}
