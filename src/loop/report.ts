import { debug } from '../util/debug.js';
import { lazy } from '../lazy.js';
import { AlreadyStarted, InvalidOption, ReportInWorkerThread } from '../util/errors.js';
import { shared } from '../util/global-state.js';
import { acquireReportLock, isReporting, releaseReportLock } from './lock.js';
import { REPORT_DEFAULTS } from './report-defaults.js';
import { processAggregator, type Aggregator } from '../metrics/aggregator.js';
import { CarryOver } from '../metrics/carry-over.js';
import { DEFAULT_PERCENTILES } from '../metrics/timer-stats.js';
import { ReportLoop, Outlet } from './report-loop.js';
import { createRuntimeSampler, type RuntimeSamplerOptions } from '../runtime/sampler.js';
import { createSinks, parseEndpoints } from '../sinks/endpoints.js';
import { attachReceivers, collectThreadsNow } from '../topology/receivers.js';
import { isMainThread } from '../topology/threads.js';
import { checkDuration } from '../config/check-duration.js';
import { describeValue } from '../util/check.js';
import { Stop, type StopSignal } from '../util/stop.js';

/**
 * Called with each delivery error, one call at a time. Return (or resolve to) an Error to stop
 * the loop: `report()` then rejects with it. Return nothing to keep going. A handler that
 * throws stops the loop the same way, with what it threw.
 */
export type ErrHandler = (err: Error) => Error | null | undefined | void | Promise<Error | null | undefined | void>;

/** Options of `report()`. */
export interface ReportOptions {
  /** Milliseconds between deliveries, 1 to 2147483647 (the longest delay a Node timer holds). @default 20000 */
  readonly interval?: number;
  /** Milliseconds one delivery may take before it counts as failed. @default 10000 */
  readonly timeout?: number;
  /** Milliseconds the final delivery after an abort may take. @default 2000 */
  readonly flushTimeout?: number;
  /** Percentiles computed for timers in the Heroku and log sinks. @default [50, 95, 99] */
  readonly percentiles?: readonly number[];
  /** Sample the Node runtime (GC, event loop, memory, CPU). `false` sends only pushed metrics. @default true */
  readonly runtime?: boolean | RuntimeSamplerOptions;
  /**
   * The aggregator to drain. Its caps (`maxSeries`, `maxTimerValues`, `maxTimerValuesTotal`, `maxSetValues`) also
   * bound what each failing endpoint keeps for its next delivery (docs/memory.md).
   * @default the process-wide one every hmetrics API feeds
   */
  readonly aggregator?: Aggregator;
  /** Clock, epoch ms. @default Date.now */
  readonly now?: () => number;
  /** Options of `otlp+http://…` / `otlp+https://…` endpoints: protocol, headers, temporality … (docs/otlp.md). @default {} */
  readonly otlp?: import('../otlp/options.js').OtlpOptions;
  /**
   * Observe incoming HTTP requests while the loop runs (`true`, or the monitor's options;
   * docs/http-server.md). The monitor is disabled when the loop ends. @default false
   */
  readonly httpServer?: boolean | import('../http-server/monitor.js').HttpServerMonitorOptions;
}


/**
 * Samples the runtime every `interval` and delivers each snapshot to every endpoint, until
 * `signal` aborts (one final delivery within `flushTimeout`, during which the process is held
 * open, then it resolves) or `errHandler` returns an Error (it rejects with that error).
 * Endpoints fail alone: a failing one keeps its data, within the aggregator's caps, and
 * retries at the next interval while the others and the sampler go on.
 *
 * Rejects at once with `AlreadyStarted` while another loop runs, `HerokuMetricsURLUnset` when
 * `endpoint` is empty, `InvalidEndpoint` when it does not parse or has no sink, and
 * `InvalidOption` for a bad option.
 *
 * @example
 * const controller = new AbortController();
 * report(controller.signal, process.env.HEROKU_METRICS_URL, (err) => {
 *   console.error(err.message); // keep going
 * }).catch((err) => console.error('metrics stopped', err));
 */
export function report(
  signal: AbortSignal | undefined,
  endpoint: string | undefined,
  errHandler?: ErrHandler | null,
  options: ReportOptions = {},
): Promise<void> {
  return reportUntil(signal, endpoint, errHandler, options);
}

/**
 * `report()` for hmetrics' own callers (onload's supervisor), whose stop is a light `Stop`
 * (util/stop.ts) rather than an AbortSignal; the same checks and the same loop.
 */
export async function reportUntil(
  signal: StopSignal | undefined,
  endpoint: string | undefined,
  errHandler?: ErrHandler | null,
  options: ReportOptions = {},
): Promise<void> {
  if (!isMainThread()) throw new ReportInWorkerThread(); // docs/topology.md
  if (isReporting()) throw new AlreadyStarted();
  // Every argument is checked before anything shared is touched: a rejected call leaves what
  // earlier loops could not deliver in place for the next good one.
  checkArguments(signal, errHandler, options);
  const settings = resolveOptions(options);
  const urls = parseEndpoints(endpoint);
  // OTLP wants the runtime figures OpenTelemetry names and ours lack (per-space heap, GC by type …).
  const runtime = settings.runtime !== false && urls.some((url) => url.protocol.startsWith('otlp+'))
    ? { semconv: true, ...settings.runtime }
    : settings.runtime;
  const sampler = runtime === false ? undefined : createRuntimeSampler(runtime);
  if (!acquireReportLock()) throw new AlreadyStarted();
  let outlets: Outlet[] = [];
  let httpServer: typeof import('../http-server/monitor.js') | undefined;
  try {
    // Loaded only when asked, as onload's areas are.
    if (options.httpServer) httpServer = lazy.httpServerMonitor();
    httpServer?.enableHttpServerMonitor({ aggregator: settings.aggregator, ...(options.httpServer === true ? {} : options.httpServer) });
    // Worker threads and cluster workers feed the process aggregator (docs/topology.md).
    const ownsProcess = settings.aggregator === processAggregator;
    if (ownsProcess) attachReceivers(processAggregator, settings.interval);
    const sinks = createSinks(urls, { timeout: settings.timeout, interval: settings.interval, percentiles: settings.percentiles, otlp: settings.otlp });
    outlets = sinks.map((sink, i) => {
      const key = urls[i]!.href;
      const carry = undelivered.get(key) ?? new CarryOver(settings.aggregator.limits);
      undelivered.delete(key);
      return new Outlet(sink, key, carry);
    });
    const loop = new ReportLoop(outlets, errHandler ?? undefined, { ...settings, ...(ownsProcess ? { collectThreads: collectThreadsNow } : {}) }, sampler).run(signal);
    await settledAfterAbort(loop, signal, settings.flushTimeout);
  } finally {
    for (const outlet of outlets) {
      outlet.sink.close();
      if (!outlet.carry.empty || outlet.inFlight) undelivered.set(outlet.key, outlet.carry);
    }
    httpServer?.disableHttpServerMonitor();
    releaseReportLock();
  }
}

/**
 * The loop's own outcome, except that once `signal` aborts it settles within `flushTimeout`
 * whatever the error handler does: the final delivery has its own bound, but a handler whose
 * promise never settles would otherwise hold `report()` pending for ever. The loop's ref'd hold
 * timer (longer than `flushTimeout`) keeps the process alive until then, so this one is unref'd.
 */
function settledAfterAbort(loop: Promise<void>, signal: StopSignal | undefined, flushTimeout: number): Promise<void> {
  if (!signal) return loop;
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      timer = setTimeout(() => {
        debug(`report(): the error handler has not settled ${flushTimeout} ms after the abort; resolving without it`);
        resolve();
      }, flushTimeout);
      timer.unref();
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    loop.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }).catch(() => undefined);
  });
}

type Settings = Required<Omit<ReportOptions, 'runtime' | 'httpServer'>> & { runtime: false | RuntimeSamplerOptions };

/** JavaScript callers get a clear error for a wrong argument, not a TypeError from deep inside. */
function checkArguments(signal: unknown, errHandler: unknown, options: unknown): void {
  if (signal !== undefined && signal !== null && !(signal instanceof AbortSignal) && !(signal instanceof Stop)) {
    throw new InvalidOption(`Expected \`signal\` to be an AbortSignal or undefined, got ${describeValue(signal)}`);
  }
  if (errHandler !== undefined && errHandler !== null && typeof errHandler !== 'function') {
    throw new InvalidOption(`Expected \`errHandler\` to be a function, null or undefined, got ${describeValue(errHandler)}`);
  }
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOption(`Expected \`options\` to be an object, got ${describeValue(options)}`);
  }
}

function resolveOptions(options: ReportOptions): Settings {
  const interval = checkDuration('interval', options.interval ?? REPORT_DEFAULTS.interval);
  const percentiles = options.percentiles ?? DEFAULT_PERCENTILES;
  if (!Array.isArray(percentiles) || percentiles.some((p) => typeof p !== 'number' || !(p > 0 && p <= 100))) {
    throw new InvalidOption(`Expected \`percentiles\` to be numbers in (0, 100], got ${JSON.stringify(percentiles)}`);
  }
  return {
    interval,
    timeout: checkDuration('timeout', options.timeout ?? Math.min(REPORT_DEFAULTS.timeout, interval)),
    flushTimeout: checkDuration('flushTimeout', options.flushTimeout ?? REPORT_DEFAULTS.flushTimeout),
    percentiles,
    runtime: runtimeOption(options.runtime),
    aggregator: aggregatorOption(options.aggregator),
    now: nowOption(options.now),
    otlp: options.otlp ?? {},
  };
}

function runtimeOption(value: unknown): false | RuntimeSamplerOptions {
  if (value === false) return false;
  if (value === true || value === undefined) return {};
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  throw new InvalidOption(`Expected \`runtime\` to be a boolean or an object, got ${describeValue(value)}`);
}

function aggregatorOption(value: unknown): Aggregator {
  if (value === undefined) return processAggregator;
  // Duck-typed: an Aggregator from another copy of the package is as good.
  const candidate = value as Partial<Aggregator> | null;
  if (typeof candidate?.swap === 'function' && typeof candidate.count === 'function' && typeof candidate.limits === 'object') return value as Aggregator;
  throw new InvalidOption(`Expected \`aggregator\` to be an Aggregator, got ${describeValue(value)}`);
}

function nowOption(value: unknown): () => number {
  if (value === undefined) return () => Date.now();
  if (typeof value === 'function') return value as () => number;
  throw new InvalidOption(`Expected \`now\` to be a function, got ${describeValue(value)}`);
}

/**
 * What a loop could not deliver when it ended (error handler stop, failed final flush), by
 * endpoint. The next loop to the same endpoint sends it first, so a restart loses nothing.
 * Bounded: one carry-over store per endpoint, each within the aggregator's caps.
 */
const undelivered = shared('report.undelivered', () => new Map<string, CarryOver>());
