import type { Aggregator, AggregatorTap } from '../metrics/aggregator.js';
import { ContainerMetric, NodeMemoryMetric, RuntimeMetric } from '../metrics/names.js';
import type { Tags } from '../metrics/series.js';
import { pushHistogram, type Family, type FamilyList } from './family.js';
import { pushedName, tagLabels } from './names.js';

/** Limits of the pushed-series store. */
export interface PushedSeriesOptions {
  /** Distinct pushed series kept (all kinds); past it new series are dropped and counted. @default 10000 */
  readonly maxSeries?: number;
  /** Members remembered per set between two scrapes. @default 10000 */
  readonly maxSetMembers?: number;
  /**
   * Histogram bucket bounds for timers, seconds. Timers named with a time unit are exposed in
   * seconds; the others keep their values (ms by statsd convention) and get these bounds × 1000.
   * @default DEFAULT_TIMER_BUCKETS
   */
  readonly timerBuckets?: readonly number[];
}

/** Timer buckets, seconds: prom-client's default histogram buckets (5 ms … 10 s) plus 1 and 2.5 ms. */
export const DEFAULT_TIMER_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const PUSHED_DEFAULTS = { maxSeries: 10_000, maxSetMembers: 10_000 } as const;

const HELP = {
  counter: 'hmetrics counter, total since start:',
  gauge: 'hmetrics gauge, last value:',
  histogram: 'hmetrics timer (histogram of the recorded values):',
  set: 'hmetrics set, distinct members since the previous scrape:',
} as const;

/** The push loop's runtime sample: the endpoint has its own runtime families under prom-client's names. */
// The container block (issue 21) has its own families too (container-families.ts), except the
// worker threads' heaps, which reach Prometheus only this way (`node_threads_heap_*{thread=…}`).
const RUNTIME_NAMES = new Set<string>([...Object.values(RuntimeMetric), ...Object.values(ContainerMetric), ...Object.values(NodeMemoryMetric)]
  .filter((name) => name !== NodeMemoryMetric.threadHeapUsedBytes && name !== NodeMemoryMetric.threadHeapLimitBytes));

type Cell = { readonly source: string; readonly scale: number } & (
  | { kind: 'counter'; family: string; labels: string; value: number }
  | { kind: 'gauge'; family: string; labels: string; value: number }
  | { kind: 'histogram'; family: string; labels: string; bounds: readonly number[]; buckets: number[]; sum: number; count: number }
  | { kind: 'set'; family: string; labels: string; members: Set<string> });

/**
 * What the buffer API, the statsd receiver and the HTTP monitor record, kept cumulatively for
 * Prometheus through an aggregator tap: counters summed since the endpoint started (negative
 * increments ignored, so a counter never decreases), gauges at their last value, timers as
 * cumulative histograms, sets as the distinct members seen since the previous scrape (a gauge).
 * Series are never forgotten (a counter must not restart), so their number is capped.
 */
export class PushedSeries {
  readonly #maxSeries: number;
  readonly #maxSetMembers: number;
  readonly #seconds: readonly number[];
  readonly #unitless: readonly number[];
  readonly #cells = new Map<string, Cell>();
  #dropped = 0;
  #untap: (() => void) | undefined;

  constructor(options: PushedSeriesOptions = {}) {
    this.#maxSeries = options.maxSeries ?? PUSHED_DEFAULTS.maxSeries;
    this.#maxSetMembers = options.maxSetMembers ?? PUSHED_DEFAULTS.maxSetMembers;
    this.#seconds = options.timerBuckets ?? DEFAULT_TIMER_BUCKETS;
    this.#unitless = this.#seconds.map((b) => Math.round(b * 1e6) / 1e3);
  }

  attach(aggregator: Aggregator): void {
    this.#untap ??= aggregator.addTap(this.#tap);
  }

  detach(): void {
    this.#untap?.();
    this.#untap = undefined;
  }

  /** Series held now. */
  get size(): number {
    return this.#cells.size;
  }

  readonly #tap: AggregatorTap = (kind, key, name, tags, value, sampleRate) => {
    if (RUNTIME_NAMES.has(name)) return;
    const cellKey = kind === 'count' ? key : `${kind}\u0000${key}`;
    let cell = this.#cells.get(cellKey);
    if (cell === undefined) {
      cell = this.#create(kind, name, tags);
      if (cell === undefined) return;
      this.#cells.set(cellKey, cell);
    }
    switch (cell.kind) {
      case 'counter': {
        const delta = ((value as number) * cell.scale) / sampleRate;
        if (delta > 0) cell.value += delta;
        return;
      }
      case 'gauge': cell.value = (value as number) * cell.scale; return;
      case 'histogram': {
        const v = (value as number) * cell.scale;
        const weight = 1 / sampleRate;
        const bounds = cell.bounds;
        for (let i = bounds.length - 1; i >= 0 && v <= bounds[i]!; i--) cell.buckets[i]! += weight;
        cell.sum += v * weight;
        cell.count += weight;
        return;
      }
      case 'set':
        if (cell.members.size < this.#maxSetMembers) cell.members.add(value as string);
    }
  };

  #create(kind: 'count' | 'gauge' | 'timing' | 'set', name: string, tags: Tags): Cell | undefined {
    if (this.#cells.size >= this.#maxSeries) {
      this.#dropped++;
      return undefined;
    }
    const labels = tagLabels(tags);
    const { name: base, scale } = pushedName(name);
    const source = name;
    switch (kind) {
      case 'count': return { source, scale, kind: 'counter', family: base.endsWith('_total') ? base.slice(0, -6) : base, labels, value: 0 };
      case 'gauge': return { source, scale, kind: 'gauge', family: base, labels, value: 0 };
      case 'timing': {
        const bounds = scale === 1 && !base.endsWith('_seconds') ? this.#unitless : this.#seconds;
        return { source, scale, kind: 'histogram', family: base, labels, bounds, buckets: bounds.map(() => 0), sum: 0, count: 0 };
      }
      case 'set': return { source, scale: 1, kind: 'set', family: base, labels, members: new Set() };
    }
  }

  /**
   * Adds the pushed families to `list`. A family whose name is taken (by a runtime family, or by
   * a pushed series of another kind), and a repeated label set after sanitising, are left out.
   */
  collect(list: FamilyList): void {
    const taken = new Map<string, Family>();
    for (const family of list.families) taken.set(family.name, family);
    const own = new Set<Family>();
    const seen = new Set<string>();
    for (const cell of this.#cells.values()) {
      const type = cell.kind === 'set' ? 'gauge' : cell.kind;
      let family = taken.get(cell.family);
      if (family === undefined) {
        family = { name: cell.family, type, help: `${HELP[cell.kind]} ${cell.source}`, samples: [] };
        taken.set(cell.family, family);
        own.add(family);
        list.families.push(family);
      } else if (!own.has(family) || family.type !== type) {
        continue;
      }
      const id = `${cell.family}{${cell.labels}}`;
      if (seen.has(id)) continue;
      seen.add(id);
      switch (cell.kind) {
        case 'counter': family.samples.push({ suffix: '_total', labels: cell.labels, value: cell.value }); break;
        case 'gauge': family.samples.push({ suffix: '', labels: cell.labels, value: cell.value }); break;
        case 'histogram': pushHistogram(family.samples, cell.labels, cell.bounds, cell.buckets, cell.sum, cell.count); break;
        case 'set':
          family.samples.push({ suffix: '', labels: cell.labels, value: cell.members.size });
          cell.members.clear();
      }
    }
    list.counter('hmetrics_prometheus_dropped_series', 'Pushed series not exposed because the series cap was reached.', this.#dropped);
  }
}
