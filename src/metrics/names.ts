/**
 * The one home of every metric name hmetrics emits by itself.
 *
 * The eleven `HEROKU_*` names are read by the Heroku dashboard's Node charts and must never
 * change spelling. Everything else is ours; the README's metric table mirrors this file.
 */
export const RuntimeMetric = {
  // --- the eleven names the Heroku dashboard reads ---
  gcCollections: 'node.gc.collections',
  gcPauseNs: 'node.gc.pause.ns',
  gcYoungCollections: 'node.gc.young.collections',
  gcYoungPauseNs: 'node.gc.young.pause.ns',
  gcOldCollections: 'node.gc.old.collections',
  gcOldPauseNs: 'node.gc.old.pause.ns',
  eventLoopUsage: 'node.eventloop.usage.percent',
  eventLoopDelayMedian: 'node.eventloop.delay.ms.median',
  eventLoopDelayP95: 'node.eventloop.delay.ms.p95',
  eventLoopDelayP99: 'node.eventloop.delay.ms.p99',
  eventLoopDelayMax: 'node.eventloop.delay.ms.max',
  // --- also sampled ---
  gcPauseMaxMs: 'node.gc.pause.max.ms',
  heapUsedBytes: 'node.memory.heap.used.bytes',
  heapTotalBytes: 'node.memory.heap.total.bytes',
  heapLimitBytes: 'node.memory.heap.limit.bytes',
  rssBytes: 'node.memory.rss.bytes',
  externalBytes: 'node.memory.external.bytes',
  cpuUserUs: 'node.cpu.user.us',
  cpuSystemUs: 'node.cpu.system.us',
  cpuUtilization: 'node.cpu.utilization',
  activeHandles: 'node.handles.active',
  activeRequests: 'node.requests.active',
} as const;

/** The names the Heroku dashboard reads: always present in every Heroku payload. */
export const HEROKU_COUNTERS = [
  RuntimeMetric.gcCollections,
  RuntimeMetric.gcPauseNs,
  RuntimeMetric.gcYoungCollections,
  RuntimeMetric.gcYoungPauseNs,
  RuntimeMetric.gcOldCollections,
  RuntimeMetric.gcOldPauseNs,
] as const;

export const HEROKU_GAUGES = [
  RuntimeMetric.eventLoopUsage,
  RuntimeMetric.eventLoopDelayMedian,
  RuntimeMetric.eventLoopDelayP95,
  RuntimeMetric.eventLoopDelayP99,
  RuntimeMetric.eventLoopDelayMax,
] as const;

/** hmetrics' own health: what it dropped or could not read. */
export const InternalMetric = {
  droppedSeries: 'hmetrics.dropped.series',
  droppedTimerValues: 'hmetrics.dropped.timer_values',
  droppedSetValues: 'hmetrics.dropped.set_values',
  deliveryFailures: 'hmetrics.delivery.failures',
  statsdPackets: 'hmetrics.statsd.packets',
  statsdLines: 'hmetrics.statsd.lines',
  statsdBadLines: 'hmetrics.statsd.bad_lines',
  telemetryDropped: 'hmetrics.telemetry.dropped',
  csmDropped: 'hmetrics.csm.dropped',
} as const;

/** Outgoing HTTP calls observed through diagnostics_channel, tagged by destination host. */
export const HttpClientMetric = {
  requests: 'node.http.client.requests',
  errors: 'node.http.client.errors',
  latencyMs: 'node.http.client.latency.ms',
} as const;

// --- statsd ---
/** Names the statsd receiver and sink add besides `InternalMetric.statsd*`. */
export const StatsdReceiverMetric = {
  /** Lines of series past the receiver's per-interval `maxSeries`, dropped. */
  droppedSeries: 'hmetrics.statsd.dropped.series',
  /** Suffix of the per-second rate gauge recorded for each received counter. */
  rateSuffix: '.rate',
  /** Lines the statsd sink could not send: longer than a datagram, or unsendable (counted into the next delivery). */
  sinkDroppedLines: 'hmetrics.statsd.sink.dropped_lines',
} as const;

// --- topology (docs/topology.md) ---
/** Figures of the worker threads whose numbers the main thread's report carries. */
export const ThreadMetric = {
  /** Mean event-loop utilisation (fraction 0–1) of the worker threads that reported this interval. */
  eventLoopUsage: 'node.threads.eventloop.usage.percent',
  /** Highest event-loop utilisation (fraction 0–1) of any one worker thread this interval. */
  eventLoopUsageMax: 'node.threads.eventloop.usage.max',
  /** Worker threads that reported this interval. */
  active: 'node.threads.active',
} as const;

/** Figures of a cluster primary that merges its workers' snapshots. */
export const ClusterMetric = {
  /** Processes whose runtime figures this payload merges: the primary plus its live workers. */
  processes: 'node.cluster.processes',
} as const;

// --- OpenTelemetry semantic conventions ---
/**
 * Series the runtime sampler adds when its `semconv` option is on (the OTLP sink asks for it),
 * named and measured as OpenTelemetry's runtime instrumentation names them (seconds, bytes).
 * The other OTel runtime names are mapped from `RuntimeMetric` by the OTLP sink.
 */
export const SemconvMetric = {
  eventLoopDelayMin: 'nodejs.eventloop.delay.min',
  eventLoopDelayMean: 'nodejs.eventloop.delay.mean',
  eventLoopDelayStddev: 'nodejs.eventloop.delay.stddev',
  eventLoopDelayP90: 'nodejs.eventloop.delay.p90',
  eventLoopTime: 'nodejs.eventloop.time',
  gcDuration: 'v8js.gc.duration',
  heapSpaceSize: 'v8js.memory.heap.space.size',
  heapUsed: 'v8js.memory.heap.used',
  heapSpaceAvailable: 'v8js.memory.heap.space.available_size',
  heapSpacePhysical: 'v8js.memory.heap.space.physical_size',
  resourceActive: 'v8js.resource.active',
} as const;

/** Attribute (tag) keys of the `SemconvMetric` series. */
export const SemconvAttribute = {
  eventLoopState: 'nodejs.eventloop.state',
  gcType: 'v8js.gc.type',
  heapSpaceName: 'v8js.heap.space.name',
  resourceType: 'v8js.resource.type',
  cpuMode: 'cpu.mode',
} as const;

/** Values the outputs treat apart, counted where they are recorded (see docs/outputs.md). */
export const OutputRuleMetric = {
  /** Negative counter increments: in statsd, Heroku and log sums; left out of Prometheus and OTLP, whose counters only count up. */
  negativeIncrements: 'hmetrics.negative_increments',
  /** Negative timings, refused: a timing is a duration, and a histogram's sum only grows. */
  droppedNegativeTimings: 'hmetrics.dropped.negative_timings',
  /** Pushed names OTLP left out because another source name or kind owns their OTLP name (a gauge, since start). */
  otlpNameClashes: 'hmetrics.otlp.name_clashes',
} as const;
