import { createRequire } from 'node:module';
import { debug, debugEnabled, isTruthy, resetDebug } from './debug.js';
import { isReporting } from './lock.js';
import { REPORT_DEFAULTS } from './report-defaults.js';
import type { report as reportFunction } from './report.js';

// onload loads only what the environment asks for: every module costs startup time and, past
// a point, the first scavenge's worth of RSS (measured over bare node: loading everything at
// import, 53 modules, +40 ms and +8.7 MB; this way, 7 modules, +14 ms and +2.1 MB).
// require() of our ESM files is synchronous on Node >= 20.19, so whatever starts here (a CSM
// reporter, say) exists before the app's own code runs.
const load = createRequire(import.meta.url);
const loadReport = (): typeof import('./report.js') => load('./report.js') as typeof import('./report.js');

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
  readonly run?: typeof reportFunction;
}

/**
 * Keeps a report loop running: restarts it after an error with linear backoff, stops for good
 * on a fatal error, and never lets anything escape as a throw or an unhandled rejection.
 */
export function supervise(endpoint: string, options: SuperviseOptions): Supervisor {
  const now = options.now ?? (() => Date.now());
  let run = options.run;
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
    // Start on the loop's first turn, not during the import: the app's own startup goes first
    // and does not wait for the report loop's modules (≈ 15 ms). Unref'd: a process that ends
    // before then never loads them. A timer, not an unref'd setImmediate: libuv's poll waits
    // for timers, ref'd or not, but an idle server would block before an unref'd immediate ran.
    await new Promise<void>((resolve) => setTimeout(resolve, 0).unref());
    run ??= loadReport().report;
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
        if (isFatalError(error)) {
          debug(`stopped: ${error.message}`);
          return;
        }
        if ((error as { code?: string }).code === 'ERR_HMETRICS_ALREADY_STARTED') {
          // The app (or another copy of hmetrics) reports already: one loop is the rule.
          debug('a report loop already runs in this process; onload starts nothing');
          return;
        }
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

/** `fatal()` of an hmetrics error, read without loading errors.ts. */
function isFatalError(error: unknown): boolean {
  return typeof (error as { fatal?: unknown })?.fatal === 'function' && (error as { fatal(): boolean }).fatal() === true;
}

/** Each area that onload may start, the variables that ask for it, and its starter. */
const AREAS = [
  { name: 'telemetry', wanted: (env: NodeJS.ProcessEnv) => has(env['HMETRICS_TELEMETRY_URL']),
    start: (env: NodeJS.ProcessEnv) => (load('./telemetry/from-env.js') as typeof import('./telemetry/from-env.js')).startTelemetryFromEnv(env) },
  { name: 'statsd', wanted: (env: NodeJS.ProcessEnv) => has(env['HMETRICS_STATSD_LISTEN']),
    start: (env: NodeJS.ProcessEnv) => (load('./statsd/from-env.js') as typeof import('./statsd/from-env.js')).startStatsdFromEnv(env) },
  { name: 'csm', wanted: (env: NodeJS.ProcessEnv) => isTruthy(env['AWS_CSM_ENABLED']) || isTruthy(env['HMETRICS_HTTP_CLIENT']),
    start: (env: NodeJS.ProcessEnv) => (load('./csm/from-env.js') as typeof import('./csm/from-env.js')).startCsmFromEnv(env) },
  { name: 'prometheus', wanted: (env: NodeJS.ProcessEnv) => has(env['HMETRICS_PROMETHEUS_LISTEN']),
    start: (env: NodeJS.ProcessEnv) => void (load('./prometheus/from-env.js') as typeof import('./prometheus/from-env.js')).startPrometheusFromEnv(env) },
] as const;

function has(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

function startAreas(env: NodeJS.ProcessEnv): void {
  for (const area of AREAS) {
    if (!area.wanted(env)) continue;
    try {
      area.start(env);
    } catch (err) {
      debug(`${area.name} not started: ${(err as Error).message}`);
    }
  }
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
  startAreas(env);
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
