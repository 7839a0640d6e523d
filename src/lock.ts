/**
 * The one-loop-per-process lock. It lives on globalThis so that two copies of hmetrics in one
 * process (an app's and a dependency's, or the ESM and --require entries) still start one loop
 * between them. Kept in its own module so `onload` can check it without loading the loop.
 */
const LOCK = Symbol.for('hmetrics.report.running');
type LockHolder = { [LOCK]?: boolean };

/** True while a report loop runs in this process. */
export function isReporting(): boolean {
  return (globalThis as LockHolder)[LOCK] === true;
}

/** Takes the lock; false when another loop holds it. */
export function acquireReportLock(): boolean {
  const holder = globalThis as LockHolder;
  if (holder[LOCK]) return false;
  holder[LOCK] = true;
  return true;
}

export function releaseReportLock(): void {
  (globalThis as LockHolder)[LOCK] = false;
}
