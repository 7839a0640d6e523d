import type { Cluster, Worker } from 'node:cluster';
import type { Aggregator } from '../metrics/aggregator.js';
import { ClusterMetric } from '../metrics/names.js';
import { combineGauge, GAUGE_RULES, type GaugeRule } from './gauge-merge.js';
import { mergeWire, type WireSnapshot } from './wire.js';

/** The tag of our IPC messages; anything without it is another app's message and is ignored. */
export const CLUSTER_TAG = 'hmetrics:cluster:v1';

/** What a cluster worker sends its primary once per interval. */
export interface ClusterMessage {
  readonly tag: typeof CLUSTER_TAG;
  readonly pid: number;
  readonly snapshot: WireSnapshot;
  /** The worker is stopping: this is its last partial interval. */
  readonly final?: boolean;
}

interface WorkerGauges {
  readonly gauges: Map<string, number>;
  heardAt: number;
}

/**
 * Primary side: merges each worker's snapshot into the primary's aggregator the moment it
 * arrives, so a worker killed afterwards loses nothing it sent. Counters, timers and sets add
 * up; runtime gauges (GAUGE_RULES) are kept per worker and combined with the primary's own at
 * the end of each interval; other gauges take the last value received.
 */
export class ClusterReceiver {
  readonly #aggregator: Aggregator;
  readonly #workers = new Map<number, WorkerGauges>();
  readonly #staleAfter: number;
  readonly #now: () => number;
  readonly #cluster: Cluster;
  /** Workers whose final snapshot arrived. */
  readonly #finished = new Set<number>();
  /** Wakes a final collection waiting for the workers' last snapshots. */
  #onProgress: (() => void) | undefined;

  /** `staleAfter`: ms after which a silent worker's gauges no longer count (it hangs, or left unseen). */
  constructor(aggregator: Aggregator, cluster: Cluster, staleAfter: number, now: () => number = Date.now) {
    this.#aggregator = aggregator;
    this.#staleAfter = staleAfter;
    this.#now = now;
    this.#cluster = cluster;
    cluster.on('message', (worker: Worker, message: unknown) => this.accept(message, worker.process.pid));
    cluster.on('exit', (worker: Worker) => {
      if (worker.process.pid !== undefined) this.#workers.delete(worker.process.pid);
    });
    cluster.on('disconnect', () => this.#onProgress?.());
  }

  /**
   * Takes one IPC message from the worker with pid `from` (known from the channel it came on,
   * never from the message); returns false when it is not ours.
   */
  accept(message: unknown, from: number | undefined): boolean {
    const candidate = message as Partial<ClusterMessage> | null;
    if (typeof candidate !== 'object' || candidate === null || candidate.tag !== CLUSTER_TAG) return false;
    if (from === undefined || typeof candidate.snapshot !== 'object' || candidate.snapshot === null) return false;
    const gauges = new Map<string, number>();
    mergeWire(this.#aggregator, candidate.snapshot, (name, tags, value) => {
      if (tags.length === 0 && GAUGE_RULES[name] !== undefined) gauges.set(name, value);
      else this.#aggregator.gauge(name, value, tags);
    });
    const known = this.#workers.get(from);
    // Gauges of the latest snapshot replace the worker's older ones; a snapshot without any
    // keeps the last known (so the dyno's memory sum does not dip), and a worker counts as one
    // of the dyno's processes only once it has sent its runtime figures.
    if (gauges.size > 0) this.#workers.set(from, { gauges, heardAt: this.#now() });
    else if (known !== undefined) known.heardAt = this.#now();
    if (candidate.final === true) {
      this.#finished.add(from);
      this.#onProgress?.();
    }
    return true;
  }

  /**
   * Before the primary's final delivery: waits, at most `maxWait` ms, until every worker still
   * connected has sent its final snapshot (it is stopping too: Heroku signals the primary and
   * every worker at once) or disconnected. Workers that are not stopping are not waited past
   * `maxWait`; what they sent so far is merged already.
   */
  collectNow(maxWait: number): Promise<void> {
    const pending = (): boolean => Object.values(this.#cluster.workers ?? {}).some((worker) =>
      worker !== undefined && worker.isConnected() && worker.process.pid !== undefined && !this.#finished.has(worker.process.pid));
    if (!pending()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const end = (): void => {
        clearTimeout(timer);
        this.#onProgress = undefined;
        resolve();
      };
      const timer = setTimeout(end, maxWait);
      this.#onProgress = () => { if (!pending()) end(); };
    });
  }

  /** The pull source: the dyno's runtime gauges, by GAUGE_RULES, over the primary and its live workers. */
  pull(aggregator: Aggregator): void {
    const now = this.#now();
    for (const [pid, worker] of this.#workers) {
      if (now - worker.heardAt > this.#staleAfter) this.#workers.delete(pid);
    }
    if (this.#workers.size === 0) return;
    for (const [name, rule] of Object.entries(GAUGE_RULES) as Array<[string, GaugeRule]>) {
      const values: number[] = [];
      const own = aggregator.peekGauge(name);
      if (own !== undefined) values.push(own);
      for (const worker of this.#workers.values()) {
        const value = worker.gauges.get(name);
        if (value !== undefined) values.push(value);
      }
      const combined = combineGauge(rule, values);
      if (combined !== undefined) aggregator.gauge(name, combined);
    }
    aggregator.gauge(ClusterMetric.processes, 1 + this.#workers.size);
  }
}
