import { debug, debugEnabled, isTruthy, resetDebug } from './debug.js';
import { AlreadyStarted, isFatal } from './errors.js';
import { isReporting, report, REPORT_DEFAULTS } from './report.js';
import { startCsmFromEnv } from './csm/from-env.js';
import { startStatsdFromEnv } from './statsd/from-env.js';
import { startTelemetryFromEnv } from './telemetry/from-env.js';

/** Heroku's floor for `METRICS_INTERVAL_OVERRIDE`. */
export const MIN_OVERRIDE_INTERVAL = 10_000;
/** Floor for `HMETRICS_INTERVAL`, our own override for local runs and demos. */
export const MIN_LOCAL_INTERVAL = 1_000;
/** Restart backoff: 10 s steps, capped, reset after a long healthy run. */
export const BACKOFF = { step: 10_000, max: 300_000, healthyRun: 300_000 } as const;

/** The interval `onload` uses, from the environment. Invalid values fall back to the default. */
export function intervalFromEnv(env: NodeJS.ProcessEnv): number {
  const local = positiveInt(env['HMETRICS_INTERVAL']);
  if (local !== undefined) return Math.max(MIN_LOCAL_INTERVAL, local);
  const override = positiveInt(env['METRICS_INTERVAL_OVERRIDE']);
  if (override !== undefined) return Math.max(MIN_OVERRIDE_INTERVAL, override);
  return REPORT_DEFAULTS.interval;
}

function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** The wait before restart number `attempt` (1-based): 10, 20, 30 … s, at most 5 minutes. */
export function backoffDelay(attempt: number): number {
  return Math.min(BACKOFF.step * attempt, BACKOFF.max);
}

/** Why onload stays quiet, or undefined when it should start. */
export function skipReason(env: NodeJS.ProcessEnv): string | undefined {
  if (isTruthy(env['HMETRICS_DISABLE'])) return 'HMETRICS_DISABLE is set';
  if ((env['DYNO'] ?? '').startsWith('run.')) return `one-off dyno ${env['DYNO']}`;
  return undefined;
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
  /** The loop to supervise; tests substitute their own. @default report */
  readonly run?: typeof report;
}

/**
 * Keeps a report loop running: restarts it after an error with linear backoff, stops for good
 * on a fatal error, and never lets anything escape as a throw or an unhandled rejection.
 */
export function supervise(endpoint: string, options: SuperviseOptions): Supervisor {
  const now = options.now ?? (() => Date.now());
  const run = options.run ?? report;
  const controller = new AbortController();
  let attempt = 0;
  let current: Promise<void> = Promise.resolve();
  let wake: (() => void) | undefined;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));

  const waitBackoff = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      wake = () => { clearTimeout(timer); resolve(); };
    });

  const loop = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      const started = now();
      current = run(controller.signal, endpoint, (err) => {
        debug(`delivery failed: ${err.message}`);
        return err; // restart with backoff, as Heroku's collectors do
      }, { interval: options.interval });
      try {
        await current;
        return; // aborted: the final delivery is done
      } catch (err) {
        const error = err as Error;
        if (isFatal(error)) {
          debug(`stopped: ${error.message}`);
          return;
        }
        if (error instanceof AlreadyStarted) debug('a report loop already runs in this process; retrying later');
        if (now() - started > BACKOFF.healthyRun) attempt = 0;
        attempt++;
        const delay = backoffDelay(attempt);
        debug(`restarting in ${delay / 1000} s`);
        await waitBackoff(delay);
      }
    }
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

const STARTED = Symbol.for('hmetrics.onload.started');
type StartedHolder = { [STARTED]?: Supervisor | null };

/**
 * What `import 'hmetrics/onload'` does. Idempotent across loads and package copies;
 * never throws; silent unless HMETRICS_VERBOSE or NODE_DEBUG=hmetrics.
 */
export function autostart(env: NodeJS.ProcessEnv = process.env): Supervisor | undefined {
  const holder = globalThis as StartedHolder;
  if (holder[STARTED] !== undefined) return holder[STARTED] ?? undefined;
  holder[STARTED] = null;
  resetDebug(debugEnabled(env));
  const skip = skipReason(env);
  if (skip) {
    debug(`not starting: ${skip}`);
    return undefined;
  }
  for (const [name, start] of [['telemetry', startTelemetryFromEnv], ['statsd', startStatsdFromEnv], ['csm', startCsmFromEnv]] as const) {
    try {
      start(env);
    } catch (err) {
      debug(`${name} not started: ${(err as Error).message}`);
    }
  }
  const endpoint = (env['HMETRICS_URL'] ?? '').trim() || (env['HEROKU_METRICS_URL'] ?? '').trim();
  if (!endpoint) return undefined;
  if (isReporting()) {
    debug('a report loop already runs in this process; onload starts nothing');
    return undefined;
  }
  const supervisor = supervise(endpoint, { interval: intervalFromEnv(env) });
  holder[STARTED] = supervisor;
  installSignalFlush(supervisor);
  return supervisor;
}

/**
 * On SIGTERM/SIGINT, deliver the partial interval without changing what the signal does:
 * when hmetrics is the only listener, the process still dies by that signal afterwards; when
 * the app listens too, the app keeps control and hmetrics only flushes.
 */
function installSignalFlush(supervisor: Supervisor): void {
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
