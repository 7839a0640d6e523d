import { lazy } from '../lazy.js';
import { readConfig, type Config } from '../config/read.js';
import { debug, debugEnabled, resetDebug } from '../util/debug.js';
import { shared } from '../util/global-state.js';
import { isReporting } from '../loop/lock.js';
import { installShutdownFlush } from './shutdown.js';
import { supervise, type Supervisor } from './supervisor.js';
import { topologyRole, type Role } from '../topology/start.js';

// onload loads only what the environment asks for: every module costs startup time and, past
// a point, the first scavenge's worth of RSS (about 0.8 ms and 0.4 MB per file; bench/startup.bench.ts
// measures each case). The environment is read once, here, into src/config's typed configuration.
// require() of our ESM files is synchronous on Node >= 20.19, so whatever starts here (a CSM
// reporter, say) exists before the app's own code runs.

/**
 * Each area that onload may start, the variables that ask for it, its starter, and the
 * topology roles it runs in (docs/topology.md): one statsd port and one telemetry stream per
 * dyno, owned by the reporting process; Prometheus also in a cluster worker, which answers the
 * primary's scrapes without listening; outgoing-call monitoring wherever calls are made.
 */
const AREAS: readonly {
  readonly name: string;
  readonly roles: readonly Role['kind'][];
  wanted(config: Config): boolean;
  start(env: NodeJS.ProcessEnv): void;
}[] = [
  { name: 'telemetry', roles: ['report'], wanted: (config) => config.areas.telemetry,
    start: (env) => lazy.telemetryFromEnv().startTelemetryFromEnv(env) },
  { name: 'statsd', roles: ['report'], wanted: (config) => config.areas.statsd,
    start: (env) => lazy.statsdFromEnv().startStatsdFromEnv(env) },
  { name: 'csm', roles: ['report', 'cluster-worker', 'thread'], wanted: (config) => config.areas.csm,
    start: (env) => lazy.csmFromEnv().startCsmFromEnv(env) },
  { name: 'http client monitor', roles: ['report', 'cluster-worker', 'thread'], wanted: (config) => config.areas.httpClient,
    start: (env) => lazy.httpMonitorFromEnv().startHttpMonitorFromEnv(env) },
  { name: 'prometheus', roles: ['report', 'cluster-worker'], wanted: (config) => config.areas.prometheus,
    start: (env) => void lazy.prometheusFromEnv().startPrometheusFromEnv(env) },
  { name: 'http-server', roles: ['report', 'cluster-worker', 'thread'], wanted: (config) => config.areas.httpServer,
    start: (env) => lazy.httpServerFromEnv().startHttpServerFromEnv(env) },
];

const loadOtlp = (): typeof import('../otlp/from-env.js') => lazy.otlpFromEnv();


function startAreas(env: NodeJS.ProcessEnv, config: Config, role: Role): void {
  for (const area of AREAS) {
    if (!area.wanted(config)) continue;
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
export function autostart(env: NodeJS.ProcessEnv): Supervisor | undefined {
  const holder = shared<StartedHolder>('onload', () => ({}));
  if (holder.started !== undefined) return holder.started ?? undefined;
  holder.started = null;
  resetDebug(debugEnabled(env));
  const config = readConfig(env);
  if (config.skip) {
    debug(`not starting: ${config.skip}`);
    return undefined;
  }
  const endpoint = config.endpoint.value;
  const otlp = config.otlp;
  // The topology rule (docs/topology.md): report, forward to whoever reports, or stay silent.
  const anyArea = AREAS.some((area) => area.wanted(config));
  const role = topologyRole(env, endpoint, anyArea, otlp);
  // The story is the reporting process's to tell (or why nothing starts, when nothing is asked);
  // a package manager, a thread or a cluster worker says its one line instead.
  const nothingAsked = !endpoint && !otlp && !anyArea;
  const told = (role.kind === 'report' || nothingAsked) && debugEnabled(env)
    ? lazy.startStory().tellStartStory(env, config)
    : undefined;
  if (role.kind === 'silent') return undefined;
  startAreas(env, config, role);
  if ((!endpoint && !otlp) || role.kind === 'thread') return undefined;
  if (isReporting()) return undefined; // the start story said so
  if (role.kind === 'cluster-worker') {
    // The primary reports for the dyno, to every sink (OTLP included): the worker only forwards.
    holder.started = role.forward(config.interval.value);
    installShutdownFlush(holder.started);
    return holder.started;
  }
  let supervisor: Supervisor | undefined = endpoint ? supervise(endpoint, { interval: config.interval.value, fatalTold: told?.endpointRefused === true }) : undefined;
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
