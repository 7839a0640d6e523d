import { debug, debugging } from '../util/debug.js';
import type { Snapshot } from '../metrics/snapshot.js';

/**
 * One debug line per sink per delivery, success or failure, and the only place a delivery
 * failure is logged (the error handler and the supervisor do not repeat it). Nothing is built
 * unless verbose mode is on. `label` is the sink's redacted endpoint.
 *
 * @example
 * // [hmetrics] delivered 23 series to https://metrics.example/… in 14 ms
 * // [hmetrics] delivery to https://metrics.example/… failed: HTTP 503 (10002 ms; 23 series kept for the next delivery)
 */
export function logDelivery(label: string, snapshot: Snapshot, elapsedMs: number, failure?: unknown): void {
  if (!debugging()) return;
  const series = snapshot.counters.size + snapshot.gauges.size + snapshot.timers.size + snapshot.sets.size;
  const ms = Math.round(elapsedMs);
  if (failure === undefined) {
    debug(`delivered ${series} series to ${label} in ${ms} ms`);
    return;
  }
  // DeliveryFailed already names the endpoint: keep only its reason.
  const message = failure instanceof Error ? failure.message : String(failure);
  const reason = message.replace(/^Delivery to \S+ failed: /, '');
  debug(`delivery to ${label} failed: ${reason} (${ms} ms; ${series} series kept for the next delivery)`);
}
