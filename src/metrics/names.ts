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

// --- refusals of the recording APIs ---
/**
 * What the recording APIs (the buffer API, `processAggregator`, the statsd receiver, …) refused
 * instead of throwing into the app or storing a number no sink can carry (docs/telemetry.md, "Refusals and finite numbers").
 */
export const RefusedMetric = {
  /** Calls refused for a key, value, tags or sample rate of the wrong type (`increment(undefined)`, a symbol, an object whose `toString` throws). */
  invalid: 'hmetrics.dropped.invalid',
  /** Values, or sums, that would be infinite or NaN (`x:1e308|c` twice, `x:1|c|@1e-320`); the series keeps its last finite value. */
  nonFinite: 'hmetrics.dropped.non_finite',
} as const;

// --- container and memory truth (docs/container.md) ---
/** The cgroup's limits and pressure, read from the process's own cgroup (v1 or v2). */
export const ContainerMetric = {
  /** CPU quota in cores (quota ÷ period); absent when unlimited. Gauge. */
  cpuQuotaCores: 'node.container.cpu.quota.cores',
  /** This process's CPU time as a fraction of the quota over the interval (1 = saturated). Gauge. */
  cpuQuotaUtilization: 'node.container.cpu.quota.utilization',
  /** CFS enforcement periods elapsed in the interval. Counter. */
  cpuPeriods: 'node.container.cpu.periods',
  /** Periods in which the cgroup was throttled. Counter. */
  cpuThrottledPeriods: 'node.container.cpu.throttled.periods',
  /** Share of this interval's periods in which the cgroup was throttled (0–1). Gauge. */
  cpuThrottledRatio: 'node.container.cpu.throttled.ratio',
  /** Time the cgroup's tasks were held back by the quota, µs. Counter. */
  cpuThrottledUs: 'node.container.cpu.throttled.us',
  /** Memory limit, bytes; absent when there is no limit. Gauge. */
  memoryLimitBytes: 'node.container.memory.limit.bytes',
  /** Memory charged to the cgroup, bytes. Gauge. */
  memoryUsageBytes: 'node.container.memory.usage.bytes',
  /** Usage minus inactive file cache, bytes: what the OOM killer judges. Gauge. */
  memoryWorkingSetBytes: 'node.container.memory.working_set.bytes',
  /** Times usage hit the limit (v2 `memory.events` max, v1 `memory.failcnt`). Counter. */
  memoryLimitHits: 'node.container.memory.limit_hits',
  /** Tasks of the cgroup the OOM killer killed. Counter. */
  memoryOomKills: 'node.container.memory.oom_kills',
  /** `process.constrainedMemory()`, bytes, where Node has it and it is a real limit. Gauge. */
  constrainedMemoryBytes: 'node.container.memory.constrained.bytes',
} as const;

/** Node's side of the memory story (V8 and the process), next to `RuntimeMetric`'s heap figures. */
export const NodeMemoryMetric = {
  /** Heap used right after the last full (mark-sweep) GC, bytes: the figure that shows a leak. Gauge. */
  heapAfterGcBytes: 'node.memory.heap.after_gc.bytes',
  /** Contexts detached but not yet collected (a leak when it stays above 0). Gauge. */
  detachedContexts: 'node.memory.contexts.detached',
  /** Live native contexts (the main one, vm contexts, iframes of jsdom …). Gauge. */
  nativeContexts: 'node.memory.contexts.native',
  /** Memory V8 allocated with malloc, bytes. Gauge. */
  mallocedBytes: 'node.memory.malloced.bytes',
  /** ArrayBuffers and Buffers, bytes (part of external memory). Gauge. */
  arrayBuffersBytes: 'node.memory.array_buffers.bytes',
  /** Open file descriptors. Gauge. */
  openFds: 'node.process.fds.open',
  /** Soft limit on open file descriptors. Gauge. */
  maxFds: 'node.process.fds.limit',
  /** A worker thread's heap used, bytes, tagged `thread:<id>`. Gauge. */
  threadHeapUsedBytes: 'node.threads.heap.used.bytes',
  /** A worker thread's heap limit (its `resourceLimits`, else V8's default), bytes, tagged `thread:<id>`. Gauge. */
  threadHeapLimitBytes: 'node.threads.heap.limit.bytes',
} as const;

// --- incoming HTTP requests (docs/http-server.md) ---
/**
 * Requests the process serves, observed through `diagnostics_channel` (`enableHttpServerMonitor`),
 * tagged `method:`, `route:` (a route template, `unmatched` or `other`), `status_code:` (the
 * class `2xx`…, or the code when asked) and, for failures, `error_type:` (`500`…, `aborted`).
 */
export const HttpServerMetric = {
  /** Requests settled in the interval: answered, or aborted before the response finished. */
  requests: 'http.server.requests',
  /** Of those, 5xx answers and requests whose client or socket went away before the response finished. */
  errors: 'http.server.errors',
  /** Start of the request to the response's last byte handed to the OS, ms. */
  durationMs: 'http.server.request.duration.ms',
  /** Request bodies' declared `Content-Length`, bytes. */
  requestBodyBytes: 'http.server.request.body.bytes',
  /** Response bodies' declared `Content-Length`, bytes. */
  responseBodyBytes: 'http.server.response.body.bytes',
  /** Requests started and not yet settled, at the end of the interval (untagged: no route is known at the start). */
  activeRequests: 'http.server.active_requests',
  /** Requests whose route was folded into `route:other` because the route cap was reached. */
  droppedRoutes: 'hmetrics.dropped.http_server_routes',
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
