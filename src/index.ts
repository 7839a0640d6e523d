/**
 * hmetrics: Node.js runtime metrics for Heroku, statsd, the log, Prometheus and OTLP, with zero
 * dependencies.
 * Every public name is listed here; nothing is exported with `export *`.
 */

// --- report loop and errors (core) ---
export { report } from './loop/report.js';
export { REPORT_DEFAULTS } from './loop/report-defaults.js';
export { isReporting } from './loop/lock.js';
export type { ErrHandler, ReportOptions } from './loop/report.js';
export {
  HmetricsError,
  AlreadyStarted,
  HerokuMetricsURLUnset,
  InvalidEndpoint,
  InvalidOption,
  DeliveryFailed,
  ReportInWorkerThread,
  isHmetricsError,
  isFatal,
} from './util/errors.js';
export { redactEndpoint } from './util/redact.js';

// --- metrics model (core) ---
export { Aggregator, processAggregator } from './metrics/aggregator.js';
// A worker thread's figures reach the main thread's report (docs/topology.md); nothing in the main thread.
import { forwardThreadFigures } from './topology/thread-forwarder.js';
forwardThreadFigures();
export type { AggregatorOptions } from './metrics/aggregator.js';
export type { Snapshot, CounterPoint, GaugePoint, TimerPoint, SetPoint } from './metrics/snapshot.js';
export type { Tags } from './metrics/series.js';
export { RuntimeMetric, InternalMetric, HttpClientMetric } from './metrics/names.js';
export { ThreadMetric, ClusterMetric } from './metrics/names.js';
export { createRuntimeSampler, RUNTIME_SAMPLER_DEFAULTS } from './runtime/sampler.js';
export type { RuntimeCollector, RuntimeSamplerOptions } from './runtime/sampler.js';
export type { Sink } from './sinks/sink.js';

// --- telemetry buffers ---
export {
  set,
  setNested,
  append,
  appendUnique,
  add,
  increment,
  reset,
  init,
  startEmitting,
  stopEmitting,
} from './telemetry/api.js';
export type { TelemetryOptions } from './telemetry/api.js';
export { fastHash } from './telemetry/fast-hash.js';
export type { EmitterOptions } from './telemetry/emitter.js';
export { TELEMETRY_CHANNELS } from './telemetry/channels.js';
export type { ScheduleReason, TelemetryScheduleMessage, TelemetryPostMessage } from './telemetry/channels.js';
export type { TelemetryValue, UniqueValue } from './telemetry/values.js';
export {
  TelemetryTypeClash,
  TelemetryInvalidValue,
  TelemetryBufferFull,
  TelemetryAlreadyInitialized,
  TelemetryNotInitialized,
  TelemetryAlreadyEmitting,
  TelemetryRefused,
  TelemetryServerError,
  TelemetryBadResponse,
  TelemetryEmissionFailed,
} from './telemetry/errors.js';

// --- statsd ---
export { listen, StatsdReceiver, RECEIVER_DEFAULTS } from './statsd/receiver.js';
export type { StatsdListenOptions, StatsdReceiverStats } from './statsd/receiver.js';
export { parseStatsdLine } from './statsd/parse.js';
export type { StatsdLine, StatsdKind } from './statsd/parse.js';
export { encodeSnapshot } from './sinks/statsd/encode.js';
export type { StatsdEncodeOptions, EncodedSnapshot } from './sinks/statsd/encode.js';
export { StatsdSink, STATSD_SINK_DEFAULTS } from './sinks/statsd/sink.js';
export type { StatsdSinkOptions } from './sinks/statsd/sink.js';
export type { StatsdConventionOptions, StatsdTagsMode } from './sinks/statsd/conventions.js';
export type { LookupFunction } from './sinks/statsd/resolver.js';
export { envStatsdReceiver } from './statsd/from-env.js';
export { StatsdReceiverMetric } from './metrics/names.js';

// --- client-side monitoring ---
export { csm } from './csm/index.js';
export { CSM_DEFAULTS } from './csm/reporter.js';
export type { CsmReporter, CsmOptions, CsmStats } from './csm/reporter.js';
export { CsmConflict } from './csm/errors.js';
export { CSM_DEFAULT_HOST, CSM_DEFAULT_PORT } from './csm/address.js';
export { CSM_FIELD_LIMITS, CSM_MAX_DATAGRAM_BYTES } from './csm/event.js';
export type { CsmEvent, CsmEventBase, ApiCallEvent, ApiCallAttemptEvent } from './csm/event.js';
export type { AwsSdkClientLike } from './csm/middleware.js';
export {
  enableHttpClientMonitor,
  disableHttpClientMonitor,
  isHttpClientMonitorEnabled,
  HTTP_CLIENT_MONITOR_DEFAULTS,
} from './http-monitor/monitor.js';
export type { HttpClientMonitorOptions } from './http-monitor/monitor.js';

// --- incoming HTTP requests (docs/http-server.md) ---
export {
  enableHttpServerMonitor,
  disableHttpServerMonitor,
  isHttpServerMonitorEnabled,
  HTTP_SERVER_MONITOR_DEFAULTS,
} from './http-server/monitor.js';
export type { HttpServerMonitorOptions } from './http-server/monitor.js';
export { HttpServerMetric } from './metrics/names.js';

// --- OpenTelemetry OTLP (otlp+http:// and otlp+https:// endpoints; docs/otlp.md) ---
export { OTLP_DEFAULTS } from './otlp/options.js';
export type { OtlpOptions, OtlpProtocol, OtlpTemporalityPreference } from './otlp/options.js';
export { OtlpExportRejected } from './otlp/errors.js';
export { SemconvMetric, SemconvAttribute } from './metrics/names.js';

// --- Prometheus (docs/prometheus.md) ---
export { servePrometheus, SERVE_DEFAULTS } from './prometheus/server.js';
export type { ServePrometheusOptions, PrometheusServer } from './prometheus/server.js';
export { prometheusText, prometheusExposition, stopPrometheus, PROMETHEUS_DEFAULTS } from './prometheus/exporter.js';
export type { PrometheusOptions, Exposition } from './prometheus/exporter.js';
export type { ExpositionFormat } from './prometheus/format.js';
export { negotiateFormat, TEXT_CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE } from './prometheus/format.js';
export { DEFAULT_TIMER_BUCKETS } from './prometheus/pushed.js';
export { PrometheusListenFailed } from './prometheus/errors.js';
export type { AggregatorTap } from './metrics/aggregator.js';
