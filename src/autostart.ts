import { lazy } from './lazy.js';
import { debug, debugEnabled, isTruthy, resetDebug } from './debug.js';
import { isSet, positiveIntegerFromEnv, wantsOtlp } from './env.js';
import { shared } from './global-state.js';
import { isReporting } from './lock.js';
import { REPORT_DEFAULTS } from './report-defaults.js';
import { installShutdownFlush } from './shutdown.js';
import { supervise, type Supervisor } from './supervisor.js';
import { topologyRole, type Role } from './topology/start.js';

// onload loads only what the environment asks for: every module costs startup time and, past
// a point, the first scavenge's worth of RSS (measured over bare node: loading everything at
// import, 53 modules, +40 ms and +8.7 MB; this way, 7 modules, +14 ms and +2.1 MB).
// require() of our ESM files is synchronous on Node >= 20.19, so whatever starts here (a CSM
// reporter, say) exists before the app's own code runs.

/** Heroku's floor for `METRICS_INTERVAL_OVERRIDE`. */
export const MIN_OVERRIDE_INTERVAL = 10_000;
/** Floor for `HMETRICS_INTERVAL`, our own override for local runs and demos. */
export const MIN_LOCAL_INTERVAL = 1_000;

/** The interval `onload` uses, from the environment. Invalid values fall back to the default. */
export function intervalFromEnv(env: NodeJS.ProcessEnv): number {
  const local = positiveIntegerFromEnv(env['HMETRICS_INTERVAL']);
  if (local !== undefined) return Math.max(MIN_LOCAL_INTERVAL, local);
  const override = positiveIntegerFromEnv(env['METRICS_INTERVAL_OVERRIDE']);
  if (override !== undefined) return Math.max(MIN_OVERRIDE_INTERVAL, override);
  return REPORT_DEFAULTS.interval;
}


/** Why onload stays quiet, or undefined when it should start. */
export function skipReason(env: NodeJS.ProcessEnv): string | undefined {
  if (isTruthy(env['HMETRICS_DISABLE'])) return 'HMETRICS_DISABLE is set';
  if ((env['DYNO'] ?? '').startsWith('run.')) return `one-off dyno ${env['DYNO']}`;
  return undefined;
}

/**
 * Each area that onload may start, the variables that ask for it, its starter, and the
 * topology roles it runs in (docs/topology.md): one statsd port and one telemetry stream per
 * dyno, owned by the reporting process; Prometheus also in a cluster worker, which answers the
 * primary's scrapes without listening; outgoing-call monitoring wherever calls are made.
 */
const AREAS: readonly {
  readonly name: string;
  readonly roles: readonly Role['kind'][];
  wanted(env: NodeJS.ProcessEnv): boolean;
  start(env: NodeJS.ProcessEnv): void;
}[] = [
  { name: 'telemetry', roles: ['report'], wanted: (env) => isSet(env['HMETRICS_TELEMETRY_URL']),
    start: (env) => lazy.telemetryFromEnv().startTelemetryFromEnv(env) },
  { name: 'statsd', roles: ['report'], wanted: (env) => isSet(env['HMETRICS_STATSD_LISTEN']),
    start: (env) => lazy.statsdFromEnv().startStatsdFromEnv(env) },
  { name: 'csm', roles: ['report', 'cluster-worker', 'thread'], wanted: (env) => isTruthy(env['AWS_CSM_ENABLED']),
    start: (env) => lazy.csmFromEnv().startCsmFromEnv(env) },
  { name: 'http client monitor', roles: ['report', 'cluster-worker', 'thread'], wanted: (env) => isTruthy(env['HMETRICS_HTTP_CLIENT']),
    start: (env) => lazy.httpMonitorFromEnv().startHttpMonitorFromEnv(env) },
  { name: 'prometheus', roles: ['report', 'cluster-worker'], wanted: (env) => isSet(env['HMETRICS_PROMETHEUS_LISTEN']),
    start: (env) => void lazy.prometheusFromEnv().startPrometheusFromEnv(env) },
];

const loadOtlp = (): typeof import('./otlp/from-env.js') => lazy.otlpFromEnv();


function startAreas(env: NodeJS.ProcessEnv, role: Role): void {
  for (const area of AREAS) {
    if (!area.wanted(env)) continue;
    if (!area.roles.includes(role.kind)) continue;
    try {
      area.start(env);
    } catch (err) {
      debug(`${area.name} not started: ${(err as Error).message}`);
    }
  }
}

/** What onload started in this process, for every copy of the package: undefined until it ran. */
type StartedHolder = { started?: Supervisor | null };

/**
 * What `import 'hmetrics/onload'` does. Idempotent across loads and package copies;
 * never throws; silent unless HMETRICS_VERBOSE or NODE_DEBUG=hmetrics.
 */
export function autostart(env: NodeJS.ProcessEnv = process.env): Supervisor | undefined {
  const holder = shared<StartedHolder>('onload', () => ({}));
  if (holder.started !== undefined) return holder.started ?? undefined;
  holder.started = null;
  resetDebug(debugEnabled(env));
  const skip = skipReason(env);
  if (skip) {
    debug(`not starting: ${skip}`);
    return undefined;
  }
  const endpoint = (env['HMETRICS_URL'] ?? '').trim() || (env['HEROKU_METRICS_URL'] ?? '').trim();
  const otlp = wantsOtlp(env);
  // The topology rule (docs/topology.md): report, forward to whoever reports, or stay silent.
  const anyArea = AREAS.some((area) => area.wanted(env));
  const role = topologyRole(env, endpoint, anyArea, otlp);
  // The story is the reporting process's to tell (or why nothing starts, when nothing is asked);
  // a package manager, a thread or a cluster worker says its one line instead.
  const nothingAsked = !endpoint && !otlp && !anyArea;
  if ((role.kind === 'report' || nothingAsked) && debugEnabled(env)) lazy.startStory().tellStartStory(env);
  if (role.kind === 'silent') return undefined;
  startAreas(env, role);
  if ((!endpoint && !otlp) || role.kind === 'thread') return undefined;
  if (isReporting()) return undefined; // the start story said so
  if (role.kind === 'cluster-worker') {
    // The primary reports for the dyno, to every sink (OTLP included): the worker only forwards.
    holder.started = role.forward(intervalFromEnv(env));
    installShutdownFlush(holder.started);
    return holder.started;
  }
  let supervisor: Supervisor | undefined = endpoint ? supervise(endpoint, { interval: intervalFromEnv(env) }) : undefined;
  // OpenTelemetry's variables: alone, OTLP is the report loop; beside one, a second runtime-only loop.
  if (otlp) {
    try {
      supervisor = loadOtlp().startOtlpFromEnv(env, supervise, supervisor);
    } catch (err) {
      debug(`OTLP export not started: ${(err as Error).message}`);
    }
  }
  if (!supervisor) return undefined;
  holder.started = supervisor;
  installShutdownFlush(supervisor);
  return supervisor;
}
