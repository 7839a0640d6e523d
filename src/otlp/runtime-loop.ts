import { AlreadyStarted, InvalidEndpoint } from '../errors.js';
import { debug } from '../debug.js';
import { Aggregator } from '../metrics/aggregator.js';
import { CarryOver } from '../metrics/carry-over.js';
import { shared } from '../global-state.js';
import { REPORT_DEFAULTS } from '../report-defaults.js';
import type { ErrHandler, ReportOptions } from '../report.js';
import { createRuntimeSampler } from '../runtime/sampler.js';
import { isSettledFailure } from './errors.js';
import { OtlpSink } from './sink.js';
import { sleep } from '../util/time.js';

/** One runtime-only OTLP loop per process, across package copies. */
const state = shared('otlp.runtime-loop', () => ({ running: false }));

/**
 * The OTLP export `onload` runs beside a report loop that already owns the process (both
 * `HEROKU_METRICS_URL` and `OTEL_EXPORTER_OTLP_*ENDPOINT` set): its own runtime sampler and
 * aggregator, its own cadence (`OTEL_METRIC_EXPORT_INTERVAL`), and no report lock, so neither
 * loop slows or reshapes the other. It exports the runtime only: pushed numbers (buffer API,
 * statsd receiver, HTTP monitor) are drained by the report loop. Same signature and contract
 * as `report()`: resolves after the final flush when `signal` aborts; rejects with what the
 * error handler returns.
 */
export async function runtimeExportLoop(
  signal: AbortSignal | undefined,
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
  const timeout = options.timeout ?? REPORT_DEFAULTS.timeout;
  const flushTimeout = options.flushTimeout ?? REPORT_DEFAULTS.flushTimeout;
  const sink = new OtlpSink(url, { timeout, interval, percentiles: [], otlp: options.otlp });
  state.running = true;
  const aggregator = new Aggregator();
  const sampler = createRuntimeSampler({ semconv: true });
  const stop = signal ?? new AbortController().signal;
  // What failed exports still owe, within the aggregator's caps (docs/memory.md).
  const carry = new CarryOver(aggregator.limits);

  const deliver = async (deadline: AbortSignal): Promise<Error | undefined> => {
    sampler.collect(aggregator);
    carry.add(aggregator.swap());
    const payload = carry.take();
    try {
      await sink.deliver(payload, deadline);
      return undefined;
    } catch (error) {
      if (!isSettledFailure(error)) carry.putBack(payload);
      return error instanceof Error ? error : new Error(String(error));
    }
  };
  const verdict = async (failure: Error | undefined): Promise<Error | undefined> => {
    if (!failure) return undefined;
    debug(failure.message);
    try {
      const answer = await errHandler?.(failure);
      return answer instanceof Error ? answer : undefined;
    } catch (thrown) {
      return thrown instanceof Error ? thrown : new Error(String(thrown));
    }
  };

  sampler.enable();
  try {
    while (!stop.aborted) {
      await sleep(interval, stop);
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (stop.aborted) break;
      const failure = await verdict(await deliver(new AbortController().signal));
      if (failure) throw failure;
    }
    // The final, bounded flush of the partial interval.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), flushTimeout);
    timer.unref();
    await verdict(await deliver(deadline.signal));
    clearTimeout(timer);
  } finally {
    sampler.disable();
    sink.close();
    state.running = false;
  }
}

