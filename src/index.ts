/**
 * hmetrics: Node.js runtime metrics for Heroku, statsd and the log, with zero dependencies.
 * Every public name is listed here; nothing is exported with `export *`.
 */

// --- report loop and errors (core) ---
export { report, isReporting, REPORT_DEFAULTS } from './report.js';
export type { ErrHandler, ReportOptions } from './report.js';
export {
  HmetricsError,
  AlreadyStarted,
  HerokuMetricsURLUnset,
  InvalidEndpoint,
  InvalidOption,
  DeliveryFailed,
  isHmetricsError,
  isFatal,
} from './errors.js';
export { redactEndpoint } from './redact.js';

// --- metrics model (core) ---
export { Aggregator, processAggregator } from './metrics/aggregator.js';
export type { AggregatorOptions } from './metrics/aggregator.js';
export type { Snapshot, CounterPoint, GaugePoint, TimerPoint, SetPoint } from './metrics/snapshot.js';
export type { Tags } from './metrics/series.js';
export { RuntimeMetric, InternalMetric, HttpClientMetric } from './metrics/names.js';
export { createRuntimeSampler } from './runtime/sampler.js';
export type { RuntimeCollector, RuntimeSamplerOptions } from './runtime/sampler.js';
export type { Sink } from './sinks/sink.js';

// --- telemetry buffers (issue 3) ---

// --- statsd (issue 4) ---

// --- client-side monitoring (issue 5) ---
