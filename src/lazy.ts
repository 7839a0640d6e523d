import { load } from '#load';

/**
 * Every module hmetrics loads lazily, at first use instead of at import, in one table: each
 * entry names its path once for the loader and once for its type, side by side, and
 * test/lazy-table.test.ts loads every entry (a wrong path fails the suite, not a feature that
 * then silently stays off). Paths are relative to `src/`. The published bundles
 * (scripts/build.mjs) turn each `load('./x.js')` here into a static `require('./x.js')` that
 * the bundler follows, so the code ships inside the one file per entry and still runs only at
 * first use.
 *
 * @example
 * lazy.report().report(signal, endpoint);
 */
export const lazy = {
  report: () => load('./loop/report.js') as typeof import('./loop/report.js'),
  startStory: () => load('./startup/start-story.js') as typeof import('./startup/start-story.js'),
  telemetryApi: () => load('./telemetry/api.js') as typeof import('./telemetry/api.js'),
  telemetryEmitter: () => load('./telemetry/emitter.js') as typeof import('./telemetry/emitter.js'),
  telemetryFromEnv: () => load('./telemetry/from-env.js') as typeof import('./telemetry/from-env.js'),
  statsdFromEnv: () => load('./statsd/from-env.js') as typeof import('./statsd/from-env.js'),
  csmFromEnv: () => load('./csm/from-env.js') as typeof import('./csm/from-env.js'),
  httpMonitorFromEnv: () => load('./http-monitor/from-env.js') as typeof import('./http-monitor/from-env.js'),
  httpServerFromEnv: () => load('./http-server/from-env.js') as typeof import('./http-server/from-env.js'),
  httpServerMonitor: () => load('./http-server/monitor.js') as typeof import('./http-server/monitor.js'),
  prometheusFromEnv: () => load('./prometheus/from-env.js') as typeof import('./prometheus/from-env.js'),
  otlpFromEnv: () => load('./otlp/from-env.js') as typeof import('./otlp/from-env.js'),
  otlpSink: () => load('./otlp/sink.js') as typeof import('./otlp/sink.js'),
  herokuSink: () => load('./sinks/heroku.js') as typeof import('./sinks/heroku.js'),
  statsdSink: () => load('./sinks/statsd/sink.js') as typeof import('./sinks/statsd/sink.js'),
  logSink: () => load('./sinks/log.js') as typeof import('./sinks/log.js'),
  threadForwarder: () => load('./topology/thread-forwarder.js') as typeof import('./topology/thread-forwarder.js'),
  threadReceiver: () => load('./topology/thread-receiver.js') as typeof import('./topology/thread-receiver.js'),
  clusterReceiver: () => load('./topology/cluster-receiver.js') as typeof import('./topology/cluster-receiver.js'),
  aggregator: () => load('./metrics/aggregator.js') as typeof import('./metrics/aggregator.js'),
  metricNames: () => load('./metrics/names.js') as typeof import('./metrics/names.js'),
  refusals: () => load('./metrics/refusals.js') as typeof import('./metrics/refusals.js'),
  clusterForwarder: () => load('./topology/cluster-forwarder.js') as typeof import('./topology/cluster-forwarder.js'),
} as const;

/** The name of a lazily loaded module. */
export type LazyName = keyof typeof lazy;
