import { isMainThread } from 'node:worker_threads';
import { AlreadyStarted, InvalidOption, ReportInWorkerThread } from './errors.js';
import { logDelivery } from './delivery-log.js';
import { shared } from './global-state.js';
import { acquireReportLock, isReporting, releaseReportLock } from './lock.js';
import { REPORT_DEFAULTS } from './report-defaults.js';
import { AGGREGATOR_DEFAULTS, processAggregator, type Aggregator } from './metrics/aggregator.js';
import { carryOver } from './metrics/carry-over.js';
import { InternalMetric } from './metrics/names.js';
import type { Snapshot } from './metrics/snapshot.js';
import { DEFAULT_PERCENTILES } from './metrics/timer-stats.js';
import { createRuntimeSampler, type RuntimeSamplerOptions } from './runtime/sampler.js';
import { createSinks, parseEndpoints } from './sinks/endpoints.js';
import type { Sink } from './sinks/sink.js';
import { attachReceivers } from './topology/receivers.js';

/**
 * Called with each delivery error, one call at a time. Return (or resolve to) an Error to stop
 * the loop: `report()` then rejects with it. Return nothing to keep going. A handler that
 * throws stops the loop the same way, with what it threw.
 */
export type ErrHandler = (err: Error) => Error | null | undefined | void | Promise<Error | null | undefined | void>;

/** Options of `report()`. */
export interface ReportOptions {
  /** Milliseconds between deliveries. @default 20000 */
  readonly interval?: number;
  /** Milliseconds one delivery may take before it counts as failed. @default 10000 */
  readonly timeout?: number;
  /** Milliseconds the final delivery after an abort may take. @default 2000 */
  readonly flushTimeout?: number;
  /** Percentiles computed for timers in the Heroku and log sinks. @default [50, 95, 99] */
  readonly percentiles?: readonly number[];
  /** Sample the Node runtime (GC, event loop, memory, CPU). `false` sends only pushed metrics. @default true */
  readonly runtime?: boolean | RuntimeSamplerOptions;
  /** Series a failing sink keeps for its next delivery. @default 10000 */
  readonly maxCarryOverSeries?: number;
  /** The aggregator to drain. @default the process-wide one every hmetrics API feeds */
  readonly aggregator?: Aggregator;
  /** Clock, epoch ms. @default Date.now */
  readonly now?: () => number;
  /** Options of `otlp+http://…` / `otlp+https://…` endpoints: protocol, headers, temporality … (docs/otlp.md). @default {} */
  readonly otlp?: import('./otlp/options.js').OtlpOptions;
}


/**
 * Samples the runtime every `interval` and delivers each snapshot to every endpoint, until
 * `signal` aborts (one final, bounded delivery, then it resolves) or `errHandler` returns an
 * Error (it rejects with that error).
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
export async function report(
  signal: AbortSignal | undefined,
  endpoint: string | undefined,
  errHandler?: ErrHandler | null,
  options: ReportOptions = {},
): Promise<void> {
  if (!isMainThread) throw new ReportInWorkerThread(); // docs/topology.md
  if (isReporting()) throw new AlreadyStarted();
  checkArguments(signal, errHandler, options);
  const settings = resolveOptions(options);
  const urls = parseEndpoints(endpoint);
  acquireReportLock();
  try {
    // Worker threads and cluster workers feed the process aggregator (docs/topology.md).
    if (settings.aggregator === processAggregator) attachReceivers(processAggregator, settings.interval);
    // OTLP wants the runtime figures OpenTelemetry names and ours lack (per-space heap, GC by type …).
    if (settings.runtime !== false && urls.some((url) => url.protocol.startsWith('otlp+'))) settings.runtime = { semconv: true, ...settings.runtime };
    const sinks = createSinks(urls, { timeout: settings.timeout, percentiles: settings.percentiles, otlp: settings.otlp });
    const outlets = sinks.map((sink, i) => {
      const key = urls[i]!.href;
      const pending = undelivered.get(key);
      undelivered.delete(key);
      return { sink, key, pending };
    });
    await new ReportLoop(outlets, errHandler ?? undefined, settings).run(signal);
  } finally {
    releaseReportLock();
  }
}

type Settings = Required<Omit<ReportOptions, 'runtime'>> & { runtime: false | RuntimeSamplerOptions };

/** JavaScript callers get a clear error for a wrong argument, not a TypeError from deep inside. */
function checkArguments(signal: unknown, errHandler: unknown, options: unknown): void {
  if (signal !== undefined && signal !== null && !(signal instanceof AbortSignal)) {
    throw new InvalidOption(`Expected \`signal\` to be an AbortSignal or undefined, got ${describe(signal)}`);
  }
  if (errHandler !== undefined && errHandler !== null && typeof errHandler !== 'function') {
    throw new InvalidOption(`Expected \`errHandler\` to be a function, null or undefined, got ${describe(errHandler)}`);
  }
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOption(`Expected \`options\` to be an object, got ${describe(options)}`);
  }
}

function describe(value: unknown): string {
  return value === null ? 'null' : typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

function resolveOptions(options: ReportOptions): Settings {
  const interval = positiveInteger('interval', options.interval ?? REPORT_DEFAULTS.interval);
  const percentiles = options.percentiles ?? DEFAULT_PERCENTILES;
  if (!Array.isArray(percentiles) || percentiles.some((p) => typeof p !== 'number' || !(p > 0 && p <= 100))) {
    throw new InvalidOption(`Expected \`percentiles\` to be numbers in (0, 100], got ${JSON.stringify(percentiles)}`);
  }
  return {
    interval,
    timeout: positiveInteger('timeout', options.timeout ?? Math.min(REPORT_DEFAULTS.timeout, interval)),
    flushTimeout: positiveInteger('flushTimeout', options.flushTimeout ?? REPORT_DEFAULTS.flushTimeout),
    percentiles,
    runtime: options.runtime === false ? false : options.runtime === true || options.runtime === undefined ? {} : options.runtime,
    maxCarryOverSeries: positiveInteger('maxCarryOverSeries', options.maxCarryOverSeries ?? REPORT_DEFAULTS.maxCarryOverSeries),
    aggregator: options.aggregator ?? processAggregator,
    now: options.now ?? (() => Date.now()),
    otlp: options.otlp ?? {},
  };
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidOption(`Expected \`${name}\` to be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** A sink and what it has not managed to deliver yet. */
interface Outlet {
  readonly sink: Sink;
  /** The endpoint's full URL: identifies it across restarts; never printed. */
  readonly key: string;
  pending: Snapshot | undefined;
}

/**
 * What a loop could not deliver when it ended (error handler stop, failed final flush), by
 * endpoint. The next loop to the same endpoint sends it first, so a restart loses nothing.
 * Bounded: one carried-over snapshot per endpoint.
 */
const undelivered = shared('report.undelivered', () => new Map<string, Snapshot>());

class ReportLoop {
  readonly #outlets: Outlet[];
  readonly #errHandler: ErrHandler | undefined;
  readonly #settings: Settings;

  constructor(outlets: Outlet[], errHandler: ErrHandler | undefined, settings: Settings) {
    this.#outlets = outlets;
    this.#errHandler = errHandler;
    this.#settings = settings;
  }

  async run(signal: AbortSignal | undefined): Promise<void> {
    const { interval, aggregator, now, flushTimeout } = this.#settings;
    const sampler = this.#settings.runtime === false ? undefined : createRuntimeSampler(this.#settings.runtime);
    const stop = signal ?? new AbortController().signal;
    // An abort lets a delivery in flight finish (so nothing is sent twice) and then sends the
    // partial interval, all within flushTimeout; past it, whatever is in flight is cut off.
    const deadline = new AbortController();
    const startDeadline = (): void => {
      setTimeout(() => deadline.abort(), flushTimeout).unref();
    };
    if (stop.aborted) startDeadline();
    else stop.addEventListener('abort', startDeadline, { once: true });
    sampler?.enable();
    try {
      let next = now() + interval;
      while (!stop.aborted) {
        await sleep(next - now(), stop);
        // Read in a setImmediate after the timer: probe timers due in the same timers phase
        // (e.g. right after a long block) record first, so the block lands in this payload.
        await new Promise<void>((resolve) => setImmediate(resolve));
        // Aborted while asleep: the final delivery below collects (once) what is left.
        if (stop.aborted) break;
        sampler?.collect(aggregator);
        const failures = await this.#deliverAll(aggregator.swap(), deadline.signal, this.#settings.timeout);
        await this.#handle(failures);
        next = Math.max(next + interval, now());
      }
      // The final delivery: the partial interval plus anything still pending.
      if (!stop.aborted) return;
      sampler?.collect(aggregator);
      const failures = await this.#deliverAll(aggregator.swap(), deadline.signal, flushTimeout);
      await this.#handle(failures, true);
    } finally {
      stop.removeEventListener('abort', startDeadline);
      sampler?.disable();
      for (const { sink, key, pending } of this.#outlets) {
        sink.close();
        if (pending) undelivered.set(key, pending);
      }
    }
  }

  /** Delivers to every sink at once; a sink that fails keeps the snapshot for its next try. */
  async #deliverAll(snapshot: Snapshot, stop: AbortSignal, timeout: number): Promise<Error[]> {
    const limits = { maxSeries: this.#settings.maxCarryOverSeries, maxTimerValues: AGGREGATOR_DEFAULTS.maxTimerValues };
    const results = await Promise.allSettled(
      this.#outlets.map(async (outlet) => {
        const payload = outlet.pending ? carryOver(outlet.pending, snapshot, limits) : snapshot;
        outlet.pending = payload;
        const started = performance.now();
        try {
          await withTimeout(outlet.sink.deliver(payload, stop), timeout + 50);
        } catch (err) {
          logDelivery(outlet.sink.label, payload, performance.now() - started, err);
          // A refusal the sink settled (e.g. OTLP's 4xx: resending cannot help) is reported, not carried.
          if ((err as { settled?: unknown } | null)?.settled === true) outlet.pending = undefined;
          throw err;
        }
        outlet.pending = undefined;
        logDelivery(outlet.sink.label, payload, performance.now() - started);
      }),
    );
    const failures: Error[] = [];
    for (const result of results) {
      if (result.status === 'rejected') failures.push(result.reason instanceof Error ? result.reason : new Error(String(result.reason)));
    }
    // Visible in the next delivery that succeeds, so an outage shows up on the dashboard too.
    if (failures.length > 0) this.#settings.aggregator.count(InternalMetric.deliveryFailures, failures.length);
    return failures;
  }

  /** Hands failures to the error handler one at a time; an Error back from it stops the loop. */
  async #handle(failures: Error[], final = false): Promise<void> {
    for (const failure of failures) {
      if (!this.#errHandler) continue;
      let verdict: unknown;
      try {
        verdict = await this.#errHandler(failure);
      } catch (thrown) {
        verdict = thrown instanceof Error ? thrown : new Error(String(thrown));
      }
      if (verdict instanceof Error && !final) throw verdict;
    }
  }
}

/** Resolves after `ms` or when `signal` aborts, whichever is first; never holds the process open. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
  });
}

/** A sink that ignores its own timeout still cannot stall the loop. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`delivery did not settle within ${ms} ms`)), ms);
    timer.unref();
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error: unknown) => { clearTimeout(timer); reject(error); },
    );
  });
}
