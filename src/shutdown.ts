import { REPORT_DEFAULTS } from './report-defaults.js';
import type { Supervisor } from './supervisor.js';

/**
 * On SIGTERM/SIGINT, deliver the partial interval without changing what the signal does:
 * when hmetrics is the only listener, the process still dies by that signal afterwards; when
 * the app listens too, the app keeps control and hmetrics only flushes.
 */
export function installSignalFlush(supervisor: Supervisor): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = (): void => {
      const sole = process.listenerCount(signal) === 1;
      // A ref'd timer holds the process open for the flush, bounded.
      const hold = setTimeout(() => undefined, REPORT_DEFAULTS.flushTimeout + 1_000);
      supervisor.stop().finally(() => {
        clearTimeout(hold);
        if (sole) {
          process.removeListener(signal, onSignal);
          process.kill(process.pid, signal);
        }
      }).catch(() => undefined);
    };
    process.on(signal, onSignal);
  }
}
