// Captured at load, before any test enables mock.timers, so polling keeps real time.
const realSetTimeout = globalThis.setTimeout;

/**
 * Resolves when `predicate` holds; rejects after `limitMs` real time. Polls on a few loop turns
 * first (most conditions hold after pending I/O), then on real timers growing to 10 ms, so a
 * long wait does not spin a core that the process under test needs.
 */
export async function until(predicate: () => boolean, limitMs = 10_000, what = 'condition'): Promise<void> {
  const started = performance.now();
  let polls = 0;
  while (!predicate()) {
    if (performance.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    polls += 1;
    if (polls <= 8) await new Promise((resolve) => setImmediate(resolve));
    else await new Promise((resolve) => realSetTimeout(resolve, Math.min(10, polls - 8)));
  }
}

/** Lets pending I/O callbacks and promise jobs run (a few loop turns, no timers involved). */
export async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}
