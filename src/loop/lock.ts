import { shared } from '../util/global-state.js';

/**
 * The one-loop-per-process lock. It is process-wide state (see global-state.ts), so two copies
 * of hmetrics in one process (an app's and a dependency's, or the ESM and CommonJS builds)
 * still start one loop between them. Kept in its own module so `onload` can check it without
 * loading the loop.
 */
const lock = (): { running: boolean } => shared('report.lock', () => ({ running: false }));

/** True while a report loop runs in this process. */
export function isReporting(): boolean {
  return lock().running;
}

/** Takes the lock; false when another loop holds it. */
export function acquireReportLock(): boolean {
  const state = lock();
  if (state.running) return false;
  state.running = true;
  return true;
}

export function releaseReportLock(): void {
  lock().running = false;
}
