import { AlreadyStarted, InvalidEndpoint } from '../util/errors.js';
import { Aggregator } from '../metrics/aggregator.js';
import { CarryOver } from '../metrics/carry-over.js';
import { shared } from '../util/global-state.js';
import { REPORT_DEFAULTS } from '../loop/report-defaults.js';
import { Outlet, ReportLoop } from '../loop/report-loop.js';
import type { ErrHandler, ReportOptions } from '../loop/report.js';
import { createRuntimeSampler } from '../runtime/sampler.js';
import { OtlpSink } from './sink.js';
import type { StopSignal } from '../util/stop.js';

/** One runtime-only OTLP loop per process, across package copies. */
const state = shared('otlp.runtime-loop', () => ({ running: false }));

/**
 * The OTLP export `onload` runs beside a report loop that already owns the process (both
 * `HEROKU_METRICS_URL` and `OTEL_EXPORTER_OTLP_*ENDPOINT` set): a report loop of its own over one
 * OTLP outlet, with its own aggregator and cadence (`OTEL_METRIC_EXPORT_INTERVAL`), and no report
 * lock, so neither loop slows or reshapes the other. Being a `ReportLoop`, it has the same
 * carry-over, delivery timeouts, error-handler contract and final flush as `report()`. Its
 * runtime sampler reads the process's one GC observer and delay probe (runtime/gc-source.ts,
 * runtime/delay-probe.ts) through cursors of its own. It exports the runtime only: pushed
 * numbers (buffer API, statsd receiver, HTTP monitor) are drained by the report loop.
 * Resolves after the final flush when `signal` aborts; rejects with what the error handler returns.
 */
export async function runtimeExportLoop(
  signal: StopSignal | undefined,
  endpoint: string | undefined,
  errHandler?: ErrHandler | null,
  options: ReportOptions = {},
): Promise<void> {
  if (state.running) throw new AlreadyStarted();
  let url: URL;
  try {
    url = new URL(endpoint ?? '');
  } catch {
    throw new InvalidEndpoint('the OTLP endpoint is not a URL');
  }
  const interval = options.interval ?? 60_000;
  const timeout = options.timeout ?? Math.min(REPORT_DEFAULTS.timeout, interval);
  const flushTimeout = options.flushTimeout ?? REPORT_DEFAULTS.flushTimeout;
  const sink = new OtlpSink(url, { timeout, interval, percentiles: [], otlp: options.otlp });
  state.running = true;
  const aggregator = new Aggregator();
  // What failed exports still owe, within the aggregator's caps (docs/memory.md).
  const outlet = new Outlet(sink, url.href, new CarryOver(aggregator.limits));
  const handler = errHandler ?? undefined;
  try {
    await new ReportLoop([outlet], handler === undefined ? undefined : (err) => handler(err),
      { interval, timeout, flushTimeout, aggregator, now: options.now ?? Date.now },
      createRuntimeSampler({ semconv: true })).run(signal);
  } finally {
    sink.close();
    state.running = false;
  }
}
