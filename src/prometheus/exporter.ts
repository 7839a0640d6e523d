import { InvalidOption } from '../util/errors.js';
import { isReporting } from '../loop/lock.js';
import { processAggregator, type Aggregator } from '../metrics/aggregator.js';
import { answerPrimaryScrapes, mergeWorkers, scrapeWorkers } from './cluster.js';
import { FamilyList, type Family } from './family.js';
import { contentTypeOf, negotiateFormat, render, type ExpositionFormat } from './format.js';
import { PushedSeries, type PushedSeriesOptions } from './pushed.js';
import { PrometheusRuntime } from './runtime-families.js';
import { shared } from '../util/global-state.js';
import { checkInteger } from '../util/check.js';
import { checkDuration } from '../config/check-duration.js';

/** Options of the Prometheus exposition; the first call that creates the exporter sets them. */
export interface PrometheusOptions extends PushedSeriesOptions {
  /** Expose prom-client's default runtime metrics (and hmetrics' extras). @default true */
  readonly runtime?: boolean;
  /**
   * Event-loop delay probe period, ms. prom-client samples every 10 ms; 50 ms costs about a third
   * of that when idle (1.1 against 3.6 ms of CPU a second, measured) and still gives ~300 samples
   * per 15 s scrape; a block of B ms reads between B − 50 and B (the max, through the bridge timer).
   * @default 50
   */
  readonly delayResolution?: number;
  /** How long a cluster primary waits for each worker's figures, ms. @default 1000 */
  readonly workerTimeout?: number;
  /** Where pushed series come from. @default the process-wide aggregator every hmetrics API feeds */
  readonly aggregator?: Aggregator;
}

export const PROMETHEUS_DEFAULTS = { runtime: true, delayResolution: 50, workerTimeout: 1000 } as const;

/** A rendered exposition and the content type to serve it with. */
export interface Exposition {
  readonly contentType: string;
  readonly body: string;
}

/**
 * The process's Prometheus state: runtime collectors (enabled once, at first use) and the
 * cumulative store of pushed series. One per process; every endpoint and `prometheusText()`
 * call reads the same one, so counters stay monotonic whoever scrapes.
 */
class Exporter {
  readonly #runtime: PrometheusRuntime | undefined;
  readonly #pushed: PushedSeries;
  readonly #aggregator: Aggregator;
  readonly #workerTimeout: number;

  constructor(options: PrometheusOptions) {
    const resolution = options.delayResolution ?? PROMETHEUS_DEFAULTS.delayResolution;
    checkDuration('delayResolution', resolution);
    this.#workerTimeout = checkDuration('workerTimeout', options.workerTimeout ?? PROMETHEUS_DEFAULTS.workerTimeout);
    if (options.maxSeries !== undefined) checkInteger('maxSeries', options.maxSeries);
    if (options.maxSetMembers !== undefined) checkInteger('maxSetMembers', options.maxSetMembers);
    if (options.maxSetMembersTotal !== undefined) checkInteger('maxSetMembersTotal', options.maxSetMembersTotal);
    const buckets = options.timerBuckets;
    if (buckets !== undefined && (!Array.isArray(buckets) || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!)))) {
      throw new InvalidOption(`Expected \`timerBuckets\` to be finite numbers in increasing order, got ${JSON.stringify(buckets)}`);
    }
    this.#runtime = options.runtime === false ? undefined : new PrometheusRuntime(resolution);
    this.#pushed = new PushedSeries(options);
    this.#aggregator = options.aggregator ?? processAggregator;
    this.#runtime?.enable();
    this.#pushed.attach(this.#aggregator);
    answerPrimaryScrapes(() => this.families());
  }

  /** This process's families, read now. */
  families(): Family[] {
    const list = this.#runtimeFamilies();
    this.#pushed.collect(list);
    return list.families;
  }

  /** `families()`, yielding to the event loop while it reads a large pushed store. */
  async familiesYielding(): Promise<Family[]> {
    const list = this.#runtimeFamilies();
    await this.#pushed.collectYielding(list);
    return list.families;
  }

  #runtimeFamilies(): FamilyList {
    // Pull sources (statsd receiver, telemetry buffers) write into the aggregator as an interval
    // ends. With no report loop to end intervals, the scrape runs them: what they write reaches
    // the tap (this store's reader) and stays in the interval. A scrape never swaps: it would
    // drain the push loop's inputs (one running, or one that starts later and owns everything
    // recorded before it started).
    if (!isReporting()) this.#aggregator.pull();
    const list = new FamilyList();
    this.#runtime?.collect(list);
    return list;
  }

  /**
   * The families of the whole process tree: this process's, plus each cluster worker's, labelled.
   * When the delay probe's tick is overdue (the loop was just blocked, in this very loop turn),
   * read after the next timers phase: the scrape would otherwise reset the delay histogram
   * before that tick recorded the block (measured without the wait: a 200 ms block read as
   * 0.02 s; prom-client resets the same way and has this blind spot). Otherwise no wait.
   */
  async allFamilies(): Promise<Family[]> {
    if (this.#runtime?.tickOverdue() === true) await afterTimersPhase();
    const own = await this.familiesYielding();
    const workers = await scrapeWorkers(this.#workerTimeout);
    return workers.length === 0 ? own : mergeWorkers(own, workers);
  }

  close(): void {
    this.#runtime?.disable();
    this.#pushed.detach();
  }
}

/**
 * Resolves in the next timers phase, after libuv timers already due (the delay probe's) have
 * run. Ref'd on purpose: an awaited scrape must finish even when nothing else keeps the loop
 * alive (it holds the process ~1 ms at most).
 */
function afterTimersPhase(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** One exporter per process, for every copy of the package. */
const holder = shared<{ exporter?: Exporter }>('prometheus.exporter', () => ({}));

/** The process's exporter, created (and its collectors enabled) on first use. */
export function exporter(options: PrometheusOptions = {}): Exporter {
  holder.exporter ??= new Exporter(options);
  return holder.exporter;
}

/**
 * Stops the exporter: runtime collectors released, the aggregator tap removed, every figure
 * forgotten (the next use starts from zero). Servers still open keep serving a fresh one.
 */
export function stopPrometheus(): void {
  holder.exporter?.close();
  delete holder.exporter;
}

/**
 * The exposition for a scraper's `Accept` header: OpenMetrics 1.0 when asked for, else the
 * text format 0.0.4. Mount it on your own route; in a cluster primary it includes every
 * worker's figures.
 *
 * @example
 * app.get('/metrics', async (req, res) => {
 *   const { contentType, body } = await prometheusExposition(req.headers.accept);
 *   res.set('Content-Type', contentType).send(body);
 * });
 */
export async function prometheusExposition(accept?: string, options?: PrometheusOptions): Promise<Exposition> {
  const format = negotiateFormat(accept);
  const families = await exporter(options).allFamilies();
  return { contentType: contentTypeOf(format), body: render(families, format) };
}

/**
 * The exposition as text: format 0.0.4 (content type `text/plain; version=0.0.4`) unless
 * `format` is `'openmetrics'`.
 *
 * @example
 * const text = await prometheusText();
 */
export async function prometheusText(format: ExpositionFormat = 'text', options?: PrometheusOptions): Promise<string> {
  return render(await exporter(options).allFamilies(), format);
}
