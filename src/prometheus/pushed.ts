import type { Aggregator, AggregatorTap } from '../metrics/aggregator.js';
import { ContainerMetric, NodeMemoryMetric, RuntimeMetric } from '../metrics/names.js';
import type { Tags } from '../metrics/series.js';
import { pushHistogram, type Family, type FamilyList } from './family.js';
import { RENDER_SLICE_MS } from './format.js';
import { pushedName, tagLabels } from './names.js';
import { claimedNames } from '../metrics/wire-names.js';

/** Limits of the pushed-series store. */
export interface PushedSeriesOptions {
  /** Distinct pushed series kept (all kinds); past it new series are dropped and counted. @default the aggregator's `maxSeries` (10 000) */
  readonly maxSeries?: number;
  /** Members remembered per set between two scrapes. @default 10000 */
  readonly maxSetMembers?: number;
  /**
   * Members remembered between two scrapes, all sets together; past it new members are dropped
   * and counted (`hmetrics_prometheus_dropped_set_members_total`).
   * @default the aggregator's `maxSetValues` (100 000): the bound docs/memory.md states
   */
  readonly maxSetMembersTotal?: number;
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

/** The store's own counters, added after the pushed families (their names are claimed first). */
const OWN_COUNTERS = ['hmetrics_prometheus_dropped_series', 'hmetrics_prometheus_name_clashes', 'hmetrics_prometheus_dropped_set_members'] as const;

/** The push loop's runtime sample: the endpoint has its own runtime families under prom-client's names. */
// The container block has its own families too (container-families.ts), except the
// worker threads' heaps, which reach Prometheus only this way (`node_threads_heap_*{thread=…}`).
const RUNTIME_NAMES = new Set<string>([...Object.values(RuntimeMetric), ...Object.values(ContainerMetric), ...Object.values(NodeMemoryMetric)]
  .filter((name) => name !== NodeMemoryMetric.threadHeapUsedBytes && name !== NodeMemoryMetric.threadHeapLimitBytes));

type Cell = { readonly source: string; readonly scale: number } & (
  | { kind: 'counter'; family: string; labels: string; value: number }
  | { kind: 'gauge'; family: string; labels: string; value: number }
  | { kind: 'histogram'; family: string; labels: string; bounds: readonly number[]; buckets: number[]; sum: number; count: number; carry: number }
  | { kind: 'set'; family: string; labels: string; members: Set<string> });

/**
 * What the buffer API, the statsd receiver and the HTTP monitor record, kept cumulatively for
 * Prometheus through an aggregator tap: counters summed since the endpoint started (negative
 * increments ignored, so a counter never decreases), gauges at their last value, timers as
 * cumulative histograms, sets as the distinct members seen since the previous scrape (a gauge).
 * Series are never forgotten (a counter must not restart), so their number is capped.
 */
export class PushedSeries {
  #maxSeries: number;
  readonly #explicitSeries: boolean;
  readonly #maxSetMembers: number;
  #maxSetMembersTotal: number;
  /** Members held now, all sets together. */
  #members = 0;
  #droppedMembers = 0;
  readonly #seconds: readonly number[];
  readonly #unitless: readonly number[];
  readonly #cells = new Map<string, Cell>();
  #dropped = 0;
  readonly #explicitTotal: boolean;
  /** Cells left out because their name (or label set) clashes with another family's. */
  readonly #clashed = new Set<Cell>();
  #untap: (() => void) | undefined;

  constructor(options: PushedSeriesOptions = {}) {
    this.#maxSeries = options.maxSeries ?? PUSHED_DEFAULTS.maxSeries;
    this.#explicitSeries = options.maxSeries !== undefined;
    this.#maxSetMembers = options.maxSetMembers ?? PUSHED_DEFAULTS.maxSetMembers;
    this.#maxSetMembersTotal = options.maxSetMembersTotal ?? Infinity;
    this.#explicitTotal = options.maxSetMembersTotal !== undefined;
    this.#seconds = options.timerBuckets ?? DEFAULT_TIMER_BUCKETS;
    this.#unitless = this.#seconds.map((b) => Math.round(b * 1e6) / 1e3);
  }

  /** Reads `aggregator` through a tap; its series and set-member caps bound this store too, unless given. */
  attach(aggregator: Aggregator): void {
    if (!this.#explicitSeries) this.#maxSeries = aggregator.limits.maxSeries;
    if (!this.#explicitTotal) this.#maxSetMembersTotal = aggregator.limits.maxSetValues;
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
        // A counter that would become +Inf keeps its last finite value (docs/telemetry.md, "Refusals and finite numbers").
        if (delta > 0 && cell.value + delta < Infinity) cell.value += delta;
        return;
      }
      case 'gauge': {
        const v = (value as number) * cell.scale;
        if (Number.isFinite(v)) cell.value = v;
        return;
      }
      case 'histogram': {
        const v = (value as number) * cell.scale;
        if (!Number.isFinite(v)) return;
        // Buckets and count are integers in both formats (OpenMetrics rejects a scrape with a
        // fractional one): a sampled value stands for 1/sampleRate values, and the fraction is
        // carried to the next value (0.3 → 3, 3, 4, …), so the totals follow the rate and `sum`
        // adds exactly the values counted (its mean stays between the values' min and max).
        cell.carry += 1 / sampleRate;
        const weight = Math.floor(cell.carry + 1e-9);
        if (weight === 0) return;
        cell.carry -= weight;
        if (!Number.isFinite(cell.sum + v * weight)) return;
        const bounds = cell.bounds;
        for (let i = bounds.length - 1; i >= 0 && v <= bounds[i]!; i--) cell.buckets[i]! += weight;
        cell.sum += v * weight;
        cell.count += weight;
        return;
      }
      case 'set': {
        const members = cell.members;
        if (members.has(value as string)) return;
        if (members.size >= this.#maxSetMembers || this.#members >= this.#maxSetMembersTotal) {
          this.#droppedMembers++;
          return;
        }
        members.add(value as string);
        this.#members++;
      }
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
        return { source, scale, kind: 'histogram', family: base, labels, bounds, buckets: bounds.map(() => 0), sum: 0, count: 0, carry: 0 };
      }
      case 'set': return { source, scale: 1, kind: 'set', family: base, labels, members: new Set() };
    }
  }

  /**
   * Adds the pushed families to `list`. A series whose family would claim a name already
   * claimed (by a runtime family, or by a pushed family of another kind or name: `jobs` counter
   * and `jobs.total` gauge both claim `jobs_total`), and a repeated label set after sanitising,
   * are left out and counted in `hmetrics_prometheus_name_clashes`: cells are visited in the
   * order they were first recorded, so the first recorded keeps the name, scrape after scrape.
   */
  collect(list: FamilyList): void {
    for (const _cell of this.#collecting(list)) {
      // one cell at a time; nothing to wait for
    }
  }

  /**
   * `collect()` in slices: after each `sliceMs` of work it yields to the event loop, so 10 000
   * pushed timers (about 130 000 samples) never block the app in one piece. Each cell is read at
   * once (a histogram's buckets, sum and count stay consistent); cells recorded meanwhile are
   * visited too.
   */
  async collectYielding(list: FamilyList, sliceMs = RENDER_SLICE_MS): Promise<void> {
    let sliceStart = performance.now();
    let cells = 0;
    for (const _cell of this.#collecting(list)) {
      // Reading the clock every 256 cells keeps its cost out of the profile.
      if ((++cells & 255) !== 0 || performance.now() - sliceStart < sliceMs) continue;
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }

  /** The body of both collects: yields after each cell. */
  *#collecting(list: FamilyList): Generator<void> {
    const claimed = new Map<string, Family>();
    for (const family of list.families) for (const name of claimedNames(family.name, family.type)) claimed.set(name, family);
    const ownCounters: Family = { name: '', type: 'counter', help: '', samples: [] };
    for (const base of OWN_COUNTERS) for (const name of claimedNames(base, 'counter')) claimed.set(name, ownCounters);
    const own = new Map<string, Family>();
    const seen = new Set<string>();
    for (const cell of this.#cells.values()) {
      yield;
      // Members count per scrape window: every set starts empty again as it is read (those left
      // out below too), so members recorded while a yielding collect waits count next time.
      let members = 0;
      if (cell.kind === 'set') {
        members = cell.members.size;
        cell.members.clear();
        this.#members -= members;
      }
      const type = cell.kind === 'set' ? 'gauge' : cell.kind;
      let family = own.get(cell.family);
      if (family === undefined) {
        const names = claimedNames(cell.family, type);
        if (names.some((name) => claimed.has(name))) {
          this.#clashed.add(cell);
          continue;
        }
        family = { name: cell.family, type, help: `${HELP[cell.kind]} ${cell.source}`, samples: [] };
        for (const name of names) claimed.set(name, family);
        own.set(cell.family, family);
        list.families.push(family);
      } else if (family.type !== type) {
        this.#clashed.add(cell);
        continue;
      }
      const id = `${cell.family}{${cell.labels}}`;
      if (seen.has(id)) {
        this.#clashed.add(cell);
        continue;
      }
      seen.add(id);
      switch (cell.kind) {
        case 'counter': family.samples.push({ suffix: '_total', labels: cell.labels, value: cell.value }); break;
        case 'gauge': family.samples.push({ suffix: '', labels: cell.labels, value: cell.value }); break;
        case 'histogram': pushHistogram(family.samples, cell.labels, cell.bounds, cell.buckets, cell.sum, cell.count); break;
        case 'set':
          family.samples.push({ suffix: '', labels: cell.labels, value: members });
      }
    }
    list.counter(OWN_COUNTERS[0], 'Pushed series not exposed because the series cap was reached.', this.#dropped);
    list.counter(OWN_COUNTERS[1], 'Pushed series not exposed because another family already claims their name or label set.', this.#clashed.size);
    list.counter(OWN_COUNTERS[2], 'Set members not counted because a set-member cap (per set or all sets together) was reached.', this.#droppedMembers);
  }
}
