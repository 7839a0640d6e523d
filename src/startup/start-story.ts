import { tryListenAddress, describeBind } from '../config/listen-address.js';
import { intervalFromEnv, readConfig, type Config, type Sourced } from '../config/read.js';
import { debug } from '../util/debug.js';
import { isReporting } from '../loop/lock.js';
import { redactEndpoint } from '../util/redact.js';
import { parseEndpoints } from '../sinks/endpoints.js';

// What verbose mode (HMETRICS_VERBOSE=1 or NODE_DEBUG=hmetrics) says once when onload starts:
// where the numbers go, how often and why, and what was left off and why. onload loads this
// module only when verbose, so a quiet process never pays for it. It prints from the typed
// configuration (src/config/read.ts), which says where each value came from.

/** The sink each endpoint scheme feeds. */
const SINK_OF_SCHEME: Readonly<Record<string, string>> = {
  'http:': 'heroku', 'https:': 'heroku', 'udp:': 'statsd', 'log:': 'log', 'otlp+http:': 'otlp', 'otlp+https:': 'otlp',
};

/** Areas onload starts only when asked, and the variable that asks. */
const OPTIONAL_AREAS = [
  { name: 'telemetry emitter', variable: 'HMETRICS_TELEMETRY_URL', key: 'telemetry' },
  { name: 'statsd receiver', variable: 'HMETRICS_STATSD_LISTEN', key: 'statsd' },
  { name: 'AWS CSM', variable: 'AWS_CSM_ENABLED', key: 'csm' },
  { name: 'HTTP client monitor', variable: 'HMETRICS_HTTP_CLIENT', key: 'httpClient' },
  { name: 'Prometheus endpoint', variable: 'HMETRICS_PROMETHEUS_LISTEN', key: 'prometheus' },
] as const;


/**
 * Writes onload's start-up story to the debug log: endpoints (redacted) and their sinks, the
 * interval and the variable it came from (or why a variable was ignored or clamped), and the
 * optional areas left off. An endpoint that does not parse is told first, as the cause, before
 * anything else (the supervisor then stops at its first turn).
 */
export function tellStartStory(env: NodeJS.ProcessEnv, config: Config = readConfig(env)): { endpointRefused: boolean } {
  const lines = startStory(env, config);
  for (const line of lines) debug(line);
  return { endpointRefused: lines[0]?.startsWith('stopped: ') === true };
}

/** The story's lines, for a given environment. */
export function startStory(env: NodeJS.ProcessEnv, config: Config = readConfig(env)): string[] {
  const lines: string[] = [];
  const { endpoint } = config;
  if (endpoint.variable === undefined) {
    // OTLP and Prometheus tell their own line when they start (where, how often), or why not.
    const others = [config.otlp ? 'OTLP from the OTEL_EXPORTER_OTLP_* variables' : '', config.areas.prometheus ? 'Prometheus from HMETRICS_PROMETHEUS_LISTEN' : ''].filter(Boolean);
    lines.push(others.length > 0
      ? `no Heroku, statsd or log endpoint (HMETRICS_URL and HEROKU_METRICS_URL unset); ${others.join(', ')}`
      : 'no report loop: neither HMETRICS_URL nor HEROKU_METRICS_URL is set');
  } else if (isReporting()) {
    lines.push('no report loop from onload: one already runs in this process (started by the app or another copy of hmetrics)');
  } else {
    const source = `${endpoint.variable}${endpoint.shadowed ? '; HEROKU_METRICS_URL ignored' : ''}`;
    const described = describeEndpoints(endpoint.value);
    if (typeof described === 'string') lines.push(`endpoints (from ${source}): ${described}`, ...explainInterval(env, config.interval));
    else {
      // The cause first: nothing else this process says matters until the endpoint is fixed.
      lines.push(`stopped: ${described.error}`);
    }
  }
  if (config.areas.prometheus) {
    const listen = tryListenAddress(env['HMETRICS_PROMETHEUS_LISTEN'] ?? '');
    // A bare port binds every interface, as OpenTelemetry's Prometheus exporter does: said in words.
    if (listen !== undefined && listen.host === undefined) lines.push(`HMETRICS_PROMETHEUS_LISTEN=${listen.port}: Prometheus listens on ${describeBind('', listen.port)} (write 127.0.0.1:${listen.port} for this host only)`);
  }
  const off = OPTIONAL_AREAS.filter((area) => !config.areas[area.key]);
  if (off.length > 0) lines.push(`not started: ${off.map((area) => `${area.name} (${area.variable} unset)`).join(', ')}`);
  return lines;
}

/** `https://host/… → heroku, log: → log`; the error (the one `report()` rejects with) when the endpoints do not parse. */
function describeEndpoints(raw: string): string | { error: string } {
  try {
    return parseEndpoints(raw).map((url) => `${redactEndpoint(url)} → ${SINK_OF_SCHEME[url.protocol] ?? '?'} sink`).join(', ');
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/**
 * The interval and why: `HMETRICS_INTERVAL` first (floor 1 s), then Heroku's
 * `METRICS_INTERVAL_OVERRIDE` (floor 10 s), then the default. A variable that is set but not
 * a positive integer of milliseconds (or above 2147483647) gets its own line saying it was ignored.
 */
export function explainInterval(env: NodeJS.ProcessEnv, interval: Sourced<number> = intervalFromEnv(env)): string[] {
  return [`interval ${interval.value} ms (${interval.why})`, ...interval.notes];
}
