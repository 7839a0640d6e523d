import { intervalFromEnv, MIN_LOCAL_INTERVAL, MIN_OVERRIDE_INTERVAL } from './autostart.js';
import { isSet, positiveIntegerFromEnv, wantsOtlp } from './env.js';
import { debug, isTruthy } from './debug.js';
import { isReporting } from './lock.js';
import { redactEndpoint } from './redact.js';
import { parseEndpoints } from './sinks/endpoints.js';

// What verbose mode (HMETRICS_VERBOSE=1 or NODE_DEBUG=hmetrics) says once when onload starts:
// where the numbers go, how often and why, and what was left off and why. onload loads this
// module only when verbose, so a quiet process never pays for it.

/** The sink each endpoint scheme feeds. */
const SINK_OF_SCHEME: Readonly<Record<string, string>> = {
  'http:': 'heroku', 'https:': 'heroku', 'udp:': 'statsd', 'log:': 'log', 'otlp+http:': 'otlp', 'otlp+https:': 'otlp',
};

/** Areas onload starts only when asked, and the variable that asks. */
const OPTIONAL_AREAS = [
  { name: 'telemetry emitter', variable: 'HMETRICS_TELEMETRY_URL', wanted: isSet },
  { name: 'statsd receiver', variable: 'HMETRICS_STATSD_LISTEN', wanted: isSet },
  { name: 'AWS CSM', variable: 'AWS_CSM_ENABLED', wanted: isTruthy },
  { name: 'HTTP client monitor', variable: 'HMETRICS_HTTP_CLIENT', wanted: isTruthy },
  { name: 'Prometheus endpoint', variable: 'HMETRICS_PROMETHEUS_LISTEN', wanted: isSet },
] as const;


/**
 * Writes onload's start-up story to the debug log: endpoints (redacted) and their sinks, the
 * interval and the variable it came from (or why a variable was ignored or clamped), and the
 * optional areas left off. A problem that stops the loop (an invalid endpoint) is not told
 * here: the supervisor says it once when it stops.
 */
export function tellStartStory(env: NodeJS.ProcessEnv): void {
  for (const line of startStory(env)) debug(line);
}

/** The story's lines, for a given environment. */
export function startStory(env: NodeJS.ProcessEnv): string[] {
  const lines: string[] = [];
  const own = (env['HMETRICS_URL'] ?? '').trim();
  const heroku = (env['HEROKU_METRICS_URL'] ?? '').trim();
  if (!own && !heroku) {
    // OTLP and Prometheus tell their own line when they start (where, how often), or why not.
    const others = [wantsOtlp(env) ? 'OTLP from the OTEL_EXPORTER_OTLP_* variables' : '', isSet(env['HMETRICS_PROMETHEUS_LISTEN']) ? 'Prometheus from HMETRICS_PROMETHEUS_LISTEN' : ''].filter(Boolean);
    lines.push(others.length > 0
      ? `no Heroku, statsd or log endpoint (HMETRICS_URL and HEROKU_METRICS_URL unset); ${others.join(', ')}`
      : 'no report loop: neither HMETRICS_URL nor HEROKU_METRICS_URL is set');
  } else if (isReporting()) {
    lines.push('no report loop from onload: one already runs in this process (started by the app or another copy of hmetrics)');
  } else {
    const source = own ? `HMETRICS_URL${heroku ? '; HEROKU_METRICS_URL ignored' : ''}` : 'HEROKU_METRICS_URL';
    const endpoints = describeEndpoints(own || heroku);
    // Endpoints that do not parse stop the loop at once; the supervisor's line says why.
    if (endpoints !== undefined) lines.push(`endpoints (from ${source}): ${endpoints}`, ...explainInterval(env));
  }
  const off = OPTIONAL_AREAS.filter((area) => !area.wanted(env[area.variable]));
  if (off.length > 0) lines.push(`not started: ${off.map((area) => `${area.name} (${area.variable} unset)`).join(', ')}`);
  return lines;
}

/** `https://host/… → heroku, log: → log`; undefined when the endpoints do not parse. */
function describeEndpoints(raw: string): string | undefined {
  try {
    return parseEndpoints(raw).map((url) => `${redactEndpoint(url)} → ${SINK_OF_SCHEME[url.protocol] ?? '?'} sink`).join(', ');
  } catch {
    return undefined;
  }
}

/**
 * The interval and why: `HMETRICS_INTERVAL` first (floor 1 s), then Heroku's
 * `METRICS_INTERVAL_OVERRIDE` (floor 10 s), then the default. A variable that is set but not
 * a positive integer of milliseconds gets its own line saying it was ignored.
 */
export function explainInterval(env: NodeJS.ProcessEnv): string[] {
  const notes: string[] = [];
  let chosen: { variable: string; why: string } | undefined;
  for (const [variable, floor, floorName] of [
    ['HMETRICS_INTERVAL', MIN_LOCAL_INTERVAL, 'the floor'],
    ['METRICS_INTERVAL_OVERRIDE', MIN_OVERRIDE_INTERVAL, "Heroku's floor"],
  ] as const) {
    const raw = env[variable];
    if (raw === undefined || raw.trim() === '') continue;
    const value = positiveIntegerFromEnv(raw);
    if (value === undefined) {
      notes.push(`${variable}=${JSON.stringify(raw.slice(0, 40))} ignored: not a positive integer of milliseconds`);
    } else if (chosen !== undefined) {
      notes.push(`${variable}=${value} ignored: ${chosen.variable} takes precedence`);
    } else {
      chosen = { variable, why: value < floor ? `${variable}=${value} clamped up to ${floorName} of ${floor} ms` : `from ${variable}` };
    }
  }
  return [`interval ${intervalFromEnv(env)} ms (${chosen?.why ?? 'default'})`, ...notes];
}
