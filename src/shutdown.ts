import { debug } from './debug.js';
import { REPORT_DEFAULTS } from './report-defaults.js';
import type { Supervisor } from './supervisor.js';

/** Past `flushTimeout`, how long a shutdown may still take before hmetrics lets go. */
export const SHUTDOWN_MARGIN_MS = 500;

/**
 * Delivers the partial interval however the process ends, without changing how it ends:
 *
 * - SIGTERM/SIGINT: when hmetrics is the only listener, the process still dies by that signal,
 *   right after the final delivery and at most `flushTimeout` + `SHUTDOWN_MARGIN_MS` later;
 *   when the app listens too, the app keeps control and hmetrics only flushes.
 * - natural exit (`beforeExit`): one final delivery, then the process ends. Handled once:
 *   `beforeExit` fires again when the delivery's socket closes, and that time it lets go.
 *
 * @param flushTimeout the final delivery's bound, ms
 */
export function installShutdownFlush(supervisor: Supervisor, flushTimeout: number = REPORT_DEFAULTS.flushTimeout): void {
  const bound = flushTimeout + SHUTDOWN_MARGIN_MS;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = (): void => {
      const sole = process.listenerCount(signal) === 1;
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        clearTimeout(deadline);
        if (sole) {
          process.removeListener(signal, onSignal);
          process.kill(process.pid, signal);
        }
      };
      // Ref'd: holds the process for the flush; past the bound, the signal does its work anyway.
      const deadline = setTimeout(() => {
        debug(`final delivery still running after ${bound} ms at ${signal}; letting go`);
        finish();
      }, bound);
      supervisor.stop().then(finish, finish);
    };
    process.on(signal, onSignal);
  }
  let exiting = false;
  const onBeforeExit = (): void => {
    if (exiting) return;
    exiting = true;
    process.removeListener('beforeExit', onBeforeExit);
    // The loop's own timers are unref'd: this holds the process for the final delivery.
    const hold = setTimeout(() => undefined, bound);
    supervisor.stop().finally(() => clearTimeout(hold)).catch(() => undefined);
  };
  process.on('beforeExit', onBeforeExit);
}
