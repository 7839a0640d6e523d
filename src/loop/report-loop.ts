import { logDelivery } from '../delivery/delivery-log.js';
import type { Aggregator } from '../metrics/aggregator.js';
import type { CarryOver } from '../metrics/carry-over.js';
import { InternalMetric } from '../metrics/names.js';
import { pickIntervalGauges, settleShortPayload } from '../metrics/short-payload.js';
import type { GaugePoint, Snapshot } from '../metrics/snapshot.js';
import type { RuntimeCollector } from '../runtime/collector.js';
import type { Sink } from '../sinks/sink.js';
import { withTimeout } from '../util/time.js';
import { Alarm } from './alarm.js';
import { anyStop, Stop, type StopSignal } from '../util/stop.js';

/** The error handler of `report()`; see `ErrHandler` in report.ts. */
type Handler = (err: Error) => unknown;

/** What the loop needs of `report()`'s options, validated. */
export interface LoopSettings {
  readonly interval: number;
  readonly timeout: number;
  readonly flushTimeout: number;
  readonly aggregator: Aggregator;
  readonly now: () => number;
  /** Asks the worker threads for their last figures, waiting at most the given ms (docs/topology.md). */
  readonly collectThreads?: (maxWait: number) => Promise<void>;
}

/** How long past `flushTimeout` the process is held at most, for the loop's own bookkeeping. */
const HOLD_MARGIN_MS = 250;

/**
 * One sink, what it has not delivered yet (`carry`, bounded by the aggregator's caps), and its
 * delivery in flight. Outlets share nothing: one endpoint's failure or slowness never delays,
 * restarts or loses another's delivery.
 */
export class Outlet {
  readonly sink: Sink;
  /** The endpoint's full URL: identifies it across restarts; never printed. */
  readonly key: string;
  readonly carry: CarryOver;
  #inFlight: Promise<void> | undefined;

  constructor(sink: Sink, key: string, carry: CarryOver) {
    this.sink = sink;
    this.key = key;
    this.carry = carry;
  }

  /** The delivery in flight, if any; it never rejects. */
  get inFlight(): Promise<void> | undefined {
    return this.#inFlight;
  }

  /**
   * Adds an interval's snapshot to what this sink owes and starts delivering it all, unless a
   * delivery is still in flight: then it waits for the next interval, nothing lost.
   */
  offer(snapshot: Snapshot, signal: StopSignal, timeout: number, onFailure: (err: Error) => void): void {
    this.carry.add(snapshot);
    if (this.#inFlight) return;
    const attempt = this.deliver(signal, timeout, onFailure);
    this.#inFlight = attempt;
    void attempt.finally(() => {
      if (this.#inFlight === attempt) this.#inFlight = undefined;
    });
  }

  /** Delivers everything owed; on failure it goes back into `carry` for the next try. Never rejects. */
  async deliver(signal: StopSignal, timeout: number, onFailure: (err: Error) => void): Promise<void> {
    const payload = this.carry.take();
    const started = performance.now();
    try {
      // A sink that ignores its own timeout still cannot stall the loop.
      await withTimeout(this.sink.deliver(payload, signal), timeout + 50, () => new Error(`delivery did not settle within ${timeout + 50} ms`));
      logDelivery(this.sink.label, payload, performance.now() - started);
    } catch (error) {
      logDelivery(this.sink.label, payload, performance.now() - started, error);
      // A refusal the sink settled (e.g. OTLP's 4xx: resending cannot help) is reported, not carried.
      if ((error as { settled?: unknown } | null)?.settled !== true) this.carry.putBack(payload);
      onFailure(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/**
 * The report loop: every `interval` it samples the runtime, swaps the aggregator and offers
 * the snapshot to every outlet, without waiting for any of them. A failing sink keeps its data
 * and retries at the next interval while the sampler and the other sinks go on.
 *
 * At an abort: the delivery in flight gets at most half of `flushTimeout`, then one final
 * delivery (the partial interval plus whatever each sink still owes) gets the rest; a ref'd
 * timer holds the process open meanwhile, never past `flushTimeout`.
 */
export class ReportLoop {
  readonly #outlets: readonly Outlet[];
  readonly #handler: Handler | undefined;
  readonly #settings: LoopSettings;
  readonly #sampler: RuntimeCollector | undefined;
  #handlerQueue: Promise<void> = Promise.resolve();
  #verdict: Error | undefined;
  readonly #halt = new Stop();
  #stop: StopSignal = new Stop();

  constructor(outlets: readonly Outlet[], handler: Handler | undefined, settings: LoopSettings, sampler: RuntimeCollector | undefined) {
    this.#outlets = outlets;
    this.#handler = handler;
    this.#settings = settings;
    this.#sampler = sampler;
  }

  /** Resolves after the final delivery; rejects with the error handler's verdict when it stopped the loop. */
  async run(signal: StopSignal | undefined): Promise<void> {
    const { interval, timeout, flushTimeout, aggregator, now } = this.#settings;
    const stop = signal ?? this.#stop;
    this.#stop = stop;
    const { stop: wake, release } = anyStop([stop, this.#halt]);
    const alarm = new Alarm(wake);
    const cut = new Stop(); // cuts the delivery in flight at an abort
    let stoppedAt = 0;
    let hold: NodeJS.Timeout | undefined;
    const onStop = (): void => {
      stoppedAt = now();
      // Ref'd on purpose: `abort(); await done` at an ESM top level or in a signal handler
      // would otherwise end (exit 13, or by the signal) before the final delivery is sent.
      hold = setTimeout(() => undefined, flushTimeout + HOLD_MARGIN_MS);
      setTimeout(() => cut.abort(), Math.floor(flushTimeout / 2)).unref();
    };
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
    this.#sampler?.enable();
    let lastFull: ReadonlyMap<string, GaugePoint> | undefined;
    try {
      let next = now() + interval;
      while (!wake.aborted) {
        await alarm.wait(next - now());
        // Read in a setImmediate after the timer: probe timers due in the same timers phase
        // (e.g. right after a long block) record first, so the block lands in this payload.
        await new Promise<void>((resolve) => setImmediate(resolve));
        // Stopped while asleep: the final delivery below collects (once) what is left.
        if (wake.aborted) break;
        this.#sampler?.collect(aggregator);
        const snapshot = aggregator.swap();
        lastFull = pickIntervalGauges(snapshot);
        for (const outlet of this.#outlets) outlet.offer(snapshot, cut.signal, timeout, this.#onFailure);
        next = Math.max(next + interval, now());
      }
      if (!stop.aborted) {
        // The error handler stopped the loop: no final delivery; what is owed waits, per
        // endpoint, for the next report() (and the aggregator keeps the partial interval).
        await Promise.all(this.#outlets.map((outlet) => outlet.inFlight));
        await this.#handlerQueue;
        throw this.#verdict;
      }
      await this.#final(stoppedAt, lastFull, cut.signal);
    } finally {
      alarm.close();
      release();
      stop.removeEventListener('abort', onStop);
      clearTimeout(hold);
      this.#sampler?.disable();
    }
  }

  async #final(stoppedAt: number, lastFull: ReadonlyMap<string, GaugePoint> | undefined, cut: StopSignal): Promise<void> {
    const { flushTimeout, aggregator, now } = this.#settings;
    const inFlight = this.#outlets.map((outlet) => outlet.inFlight).filter((p) => p !== undefined);
    // A sink that honours the cut settles soon after it (its data goes back into its carry, and
    // so into the final delivery): a destroyed request errors a few turns later, not in the same
    // one, so it gets a short grace (taking its data after it would leave that data behind in a
    // process about to end). One that ignores the cut is not waited for.
    const grace = Math.min(100, Math.floor(flushTimeout / 10));
    const cutAndSettled = aborted(cut).then(() => new Promise<void>((resolve) => setTimeout(resolve, grace).unref()));
    // Worker threads answer the final collection beside the cut in-flight delivery (a tenth of
    // the budget at most), so what they recorded since the last interval goes out too.
    const threads = this.#settings.collectThreads?.(Math.floor(flushTimeout / 10));
    if (inFlight.length > 0) await Promise.race([Promise.all(inFlight), cutAndSettled]);
    await threads;
    this.#sampler?.collect(aggregator);
    const last = settleShortPayload(aggregator.swap(), lastFull);
    // Never less than half: the in-flight delivery was cut at the other half.
    const budget = Math.max(flushTimeout - (now() - stoppedAt), Math.ceil(flushTimeout / 2));
    const deadline = new Stop();
    const timer = setTimeout(() => deadline.abort(), budget);
    timer.unref();
    try {
      await Promise.all(this.#outlets.map((outlet) => {
        outlet.carry.add(last);
        return outlet.deliver(deadline.signal, budget, this.#onFailure);
      }));
    } finally {
      clearTimeout(timer);
    }
    await this.#handlerQueue;
  }

  /** Counts a failure and queues it for the error handler, one call at a time, in order. */
  readonly #onFailure = (failure: Error): void => {
    // Visible in the next delivery that succeeds, so an outage shows on the dashboard too.
    this.#settings.aggregator.count(InternalMetric.deliveryFailures, 1);
    this.#handlerQueue = this.#handlerQueue.then(() => this.#handle(failure));
  };

  async #handle(failure: Error): Promise<void> {
    // Verbose mode has told the failure already (delivery-log.ts): the handler's turn only.
    // A handler that said stop is not asked again about failures queued meanwhile.
    if (!this.#handler || this.#verdict !== undefined) return;
    let verdict: unknown;
    try {
      verdict = await this.#handler(failure);
    } catch (thrown) {
      verdict = thrown instanceof Error ? thrown : new Error(String(thrown));
    }
    // Once the caller has asked to stop, the final delivery goes ahead whatever the verdict.
    if (verdict instanceof Error && !this.#stop.aborted && this.#verdict === undefined) {
      this.#verdict = verdict;
      this.#halt.abort();
    }
  }
}

function aborted(signal: StopSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
