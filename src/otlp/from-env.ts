import { endpointFromEnv } from '../config/read.js';
import { debug, debugging } from '../util/debug.js';
import { redactEndpoint } from '../util/redact.js';
import type { ReportOptions } from '../loop/report.js';
import { otlpConfigFromEnv } from './env-config.js';
import { runtimeExportLoop } from './runtime-loop.js';

/** The parts of `autostart`'s supervisor this module needs (passed in: no import cycle). */
export interface SupervisorLike {
  stop(): Promise<void>;
  readonly done: Promise<void>;
}
type Supervise = (endpoint: string, options: { interval: number; reportOptions?: ReportOptions; run?: typeof runtimeExportLoop }) => SupervisorLike;

/**
 * What `onload` does with the OpenTelemetry variables. Alone, the OTLP export is the process's
 * report loop (runtime and pushed numbers, at OTEL_METRIC_EXPORT_INTERVAL, else HMETRICS_INTERVAL, else 60 s). Beside a report loop
 * (`primary`, from HEROKU_METRICS_URL / HMETRICS_URL), it runs as a second, runtime-only loop
 * with its own cadence. Returns the supervisor(s) to stop on exit, or `primary` when the
 * variables start nothing (each reason is one verbose line).
 */
export function startOtlpFromEnv(env: NodeJS.ProcessEnv, supervise: Supervise, primary: SupervisorLike | undefined): SupervisorLike | undefined {
  if (primary && /(^|\s)otlp\+/.test(endpointFromEnv(env).value)) {
    debug('OTEL_EXPORTER_OTLP_* ignored: HMETRICS_URL already has an otlp+ endpoint (one OTLP export per process)');
    return primary;
  }
  const config = otlpConfigFromEnv(env, debug);
  if (!config) return primary;
  const reportOptions: ReportOptions = { timeout: config.timeout, otlp: config.options };
  // Built only when someone reads it: redacting parses the endpoint once more.
  if (debugging()) {
    const mode = primary ? 'runtime metrics, beside the report loop' : 'runtime and pushed metrics';
    const cadence = config.interval.source === 'default' ? "OpenTelemetry's default" : config.interval.why;
    debug(`OTLP export to ${redactEndpoint(config.endpoint)} every ${config.interval.value} ms (${cadence}; first export after one interval; ${config.options.protocol ?? 'http/protobuf'}; ${mode})`);
  }
  const otlp = supervise(config.endpoint, primary
    ? { interval: config.interval.value, reportOptions, run: runtimeExportLoop }
    : { interval: config.interval.value, reportOptions });
  if (!primary) return otlp;
  return {
    done: Promise.all([primary.done, otlp.done]).then(() => undefined),
    async stop() {
      await Promise.all([primary.stop(), otlp.stop()]);
    },
  };
}
