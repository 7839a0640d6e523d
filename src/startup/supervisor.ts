import { lazy } from '../lazy.js';
import { debug } from '../util/debug.js';
import { backoffDelay as delayOf, POLICIES } from '../delivery/backoff.js';
import type { reportUntil, ReportOptions } from '../loop/report.js';
import { Stop } from '../util/stop.js';

// The loop's modules load at the loop's first turn, not at import (startup cost of onload).
const loadReport = (): typeof import('../loop/report.js') => lazy.report();

/** A run that lasted this long was healthy: the next crash waits the first step again. */
export const HEALTHY_RUN = 300_000;

/** The wait before restart number `attempt` (1-based): 10, 20, 30 … s, at most 5 minutes (the supervisor's delivery policy). */
export function backoffDelay(attempt: number): number {
  return delayOf(POLICIES.supervisor.backoff, attempt);
}

export interface Supervisor {
  /** Ends the loop: one final bounded delivery, then the promise settles. */
  stop(): Promise<void>;
  /** Settles when the supervisor has ended for good. */
  readonly done: Promise<void>;
}

export interface SuperviseOptions {
  readonly interval: number;
  readonly now?: () => number;
  /** The loop to supervise; tests substitute their own. @default reportUntil (report() with a light Stop) */
  readonly run?: typeof reportUntil;
  /** The start story has told why the endpoint is refused already: a fatal stop says nothing more. @default false */
  readonly fatalTold?: boolean;
  /** More options for each run (the OTLP export's timeout and `otlp`). @default {} */
  readonly reportOptions?: ReportOptions;
}

/**
 * Keeps a report loop running: restarts it after a crash with linear backoff, stops for good
 * on a fatal error, and never lets anything escape as a throw or an unhandled rejection.
 *
 * A delivery failure is not a crash: its handler logs it (verbose only) and returns nothing,
 * so the failing endpoint keeps its data and retries at the next interval while the other
 * endpoints and the sampler go on. `stop()` in any state — before the first turn, running,
 * in a backoff — wakes the loop for one final delivery and never starts another run.
 */
export function supervise(endpoint: string, options: SuperviseOptions): Supervisor {
  const now = options.now ?? (() => Date.now());
  let run = options.run;
  const controller = new Stop();
  let attempt = 0;
  let current: Promise<void> = Promise.resolve();
  let wake: (() => void) | undefined;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));

  const waitBackoff = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (controller.signal.aborted) { resolve(); return; }
      const timer = setTimeout(resolve, ms);
      timer.unref();
      wake = () => { clearTimeout(timer); resolve(); };
    });

  const loop = async (): Promise<void> => {
    // Start on the loop's first turn, not during the import: the app's own startup goes first
    // and does not wait for the report loop's modules (≈ 15 ms). Unref'd: a process that ends
    // before then never loads them. A timer, not an unref'd setImmediate: libuv's poll waits
    // for timers, ref'd or not, but an idle server would block before an unref'd immediate ran.
    // A stop before that turn (a job that ends at once: beforeExit) still runs the loop, with
    // its signal already aborted: one final delivery of what the job recorded.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 0).unref();
      wake = () => { clearTimeout(timer); resolve(); };
    });
    run ??= loadReport().reportUntil;
    do {
      const started = now();
      // The handler returns nothing: a delivery failure is not a reason to restart, the
      // endpoint retries alone (Heroku's collectors restart everything here, which costs the
      // healthy endpoints and the sampler their data). The loop itself logs it when verbose.
      current = run(controller.signal, endpoint, () => undefined, { ...options.reportOptions, interval: options.interval });
      try {
        await current;
        return; // aborted: the final delivery is done
      } catch (err) {
        const error = err as Error;
        if (isFatalError(error)) {
          if (!options.fatalTold) debug(`stopped: ${error.message}`);
          return;
        }
        if ((error as { code?: string }).code === 'ERR_HMETRICS_ALREADY_STARTED') {
          // The app (or another copy of hmetrics) reports already: one loop is the rule.
          debug('a report loop already runs in this process; onload starts nothing');
          return;
        }
        if (controller.signal.aborted) return; // stopped: the run that just ended was the last
        if (now() - started > HEALTHY_RUN) attempt = 0;
        attempt++;
        const delay = backoffDelay(attempt);
        debug(`restarting in ${delay / 1000} s`);
        await waitBackoff(delay);
      }
    } while (!controller.signal.aborted);
  };
  loop().catch((err: unknown) => debug(`supervisor failed: ${String(err)}`)).finally(finish);

  return {
    done,
    async stop() {
      controller.abort();
      wake?.();
      await current.catch(() => undefined);
      await done;
    },
  };
}

/** `fatal()` of an hmetrics error, read without loading errors.ts. */
function isFatalError(error: unknown): boolean {
  return typeof (error as { fatal?: unknown })?.fatal === 'function' && (error as { fatal(): boolean }).fatal() === true;
}

