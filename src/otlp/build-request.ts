import type { Snapshot, TimerPoint } from '../metrics/snapshot.js';
import type { Tags } from '../metrics/series.js';
import { msToNs, Temporality, type Attributes, type ExportRequest, type HistogramPoint, type NumberPoint, type OtlpMetric, type TemporalityValue } from './model.js';
import type { OtlpTemporalityPreference, ResolvedOtlpOptions } from './options.js';
import { RUNTIME_DESCRIPTORS, SEMCONV_DESCRIPTORS, type Descriptor, type InstrumentKind } from './semconv.js';

/** An accumulated explicit-bucket histogram. */
interface Buckets {
  count: number;
  sum: number;
  min: number;
  max: number;
  readonly bounds: readonly number[];
  readonly counts: number[];
}

/** What cumulative temporality remembers of one series between exports. */
interface SeriesState {
  readonly descriptor: Descriptor;
  readonly attributes: Attributes;
  /** When the series was first seen: every later export repeats it, so backends see no reset. */
  readonly startNs: bigint;
  readonly total: number;
  readonly buckets: Buckets | undefined;
}

/**
 * The cumulative state of one endpoint: start times and running totals per series. It lives
 * as long as the process (see `exportStateFor`), so a restarted loop keeps the start times.
 * Bounded: past `maxSeries` a new series is sent with its own interval as its start.
 */
export class ExportState {
  readonly series = new Map<string, SeriesState>();
}

/** An export built from a snapshot; `commit()` folds it into the state once it is settled. */
export interface BuiltExport {
  readonly request: ExportRequest;
  readonly dataPoints: number;
  commit(): void;
}

interface MetricEntry {
  readonly descriptor: Descriptor;
  readonly temporality: TemporalityValue;
  readonly points: (NumberPoint | HistogramPoint)[];
}

/**
 * Maps one snapshot to an `ExportRequest`: hmetrics' runtime names to OpenTelemetry's
 * (`RUNTIME_DESCRIPTORS`), the sampler's semantic-convention series as they are, pushed
 * counters to monotonic sums, gauges to gauges, timers to histograms, sets to gauges of their
 * distinct count, tags `k:v` to attributes. Reads `state` but changes it only in `commit()`,
 * so an export that fails (and comes back merged into the next snapshot) is not counted twice.
 */
export function buildExport(snapshot: Snapshot, state: ExportState, options: ResolvedOtlpOptions, resource: Attributes, scope: ExportRequest['scope']): BuiltExport {
  const startNs = msToNs(snapshot.time - snapshot.intervalMs);
  const timeNs = msToNs(snapshot.time);
  const metrics = new Map<string, MetricEntry>();
  const staged: [string, SeriesState][] = [];
  const touched = new Set<string>();
  let dataPoints = 0;

  const entry = (descriptor: Descriptor): MetricEntry => {
    const key = `${descriptor.name}\u0000${descriptor.instrument}`;
    let found = metrics.get(key);
    if (found === undefined) {
      found = { descriptor, temporality: temporalityOf(descriptor.instrument, options.temporality), points: [] };
      metrics.set(key, found);
    }
    return found;
  };

  const addNumber = (seriesKey: string, descriptor: Descriptor, tags: Tags, raw: number): void => {
    const value = raw * (descriptor.scale ?? 1);
    const attributes = toAttributes(tags, descriptor.attribute);
    const target = entry(descriptor);
    dataPoints++;
    if (descriptor.instrument === 'gauge' || target.temporality === Temporality.delta) {
      target.points.push({ attributes, startNs, timeNs, value });
      return;
    }
    const key = `${descriptor.name}\u0000${seriesKey}`;
    touched.add(key);
    const previous = state.series.get(key);
    // An up-down counter's figure is absolute already (a level, not an increment).
    const total = descriptor.instrument === 'upDownCounter' ? value : (previous?.total ?? 0) + value;
    const since = previous?.startNs ?? startNs;
    target.points.push({ attributes, startNs: since, timeNs, value: total });
    staged.push([key, { descriptor, attributes, startNs: since, total, buckets: undefined }]);
  };

  for (const [key, point] of snapshot.counters) {
    const descriptor = describe(point.name, 'counter', '');
    if (descriptor) addNumber(key, descriptor, point.tags, point.value);
  }
  for (const [key, point] of snapshot.gauges) {
    const descriptor = describe(point.name, 'gauge', '');
    if (descriptor) addNumber(key, descriptor, point.tags, point.value);
  }
  for (const [key, point] of snapshot.sets) {
    const descriptor = describe(point.name, 'gauge', '');
    if (descriptor) addNumber(key, descriptor, point.tags, point.values.size);
  }
  for (const [seriesKey, point] of snapshot.timers) {
    const descriptor = describe(point.name, 'histogram', 'ms');
    if (!descriptor) continue;
    const attributes = toAttributes(point.tags, descriptor.attribute);
    const target = entry(descriptor);
    const fresh = bucketize(point, descriptor.buckets ?? options.timerBuckets);
    dataPoints++;
    if (target.temporality === Temporality.delta) {
      target.points.push(histogramPoint(attributes, startNs, timeNs, fresh));
      continue;
    }
    const key = `${descriptor.name}\u0000${seriesKey}`;
    touched.add(key);
    const previous = state.series.get(key);
    const buckets = previous?.buckets && sameBounds(previous.buckets.bounds, fresh.bounds) ? mergeBuckets(previous.buckets, fresh) : fresh;
    const since = previous?.startNs ?? startNs;
    target.points.push(histogramPoint(attributes, since, timeNs, buckets));
    staged.push([key, { descriptor, attributes, startNs: since, total: 0, buckets }]);
  }

  // Cumulative series not updated in this interval are repeated with their totals, as the
  // OpenTelemetry SDK does: a backend sees a flat line, not a gap.
  for (const [key, series] of state.series) {
    if (touched.has(key)) continue;
    const target = entry(series.descriptor);
    if (target.temporality !== Temporality.cumulative) continue;
    dataPoints++;
    target.points.push(series.buckets
      ? histogramPoint(series.attributes, series.startNs, timeNs, series.buckets)
      : { attributes: series.attributes, startNs: series.startNs, timeNs, value: series.total });
  }

  const request: ExportRequest = { resource, scope, metrics: [...metrics.values()].map(toMetric) };
  return {
    request,
    dataPoints,
    commit() {
      for (const [key, series] of staged) {
        if (state.series.has(key) || state.series.size < options.maxSeries) state.series.set(key, series);
      }
    },
  };
}

/** The descriptor of a snapshot series, or undefined when OTLP leaves it out. */
function describe(name: string, instrument: InstrumentKind, unit: string): Descriptor | undefined {
  const runtime = RUNTIME_DESCRIPTORS.get(name);
  if (runtime !== undefined) return runtime ?? undefined;
  return SEMCONV_DESCRIPTORS.get(name) ?? { name, unit, description: '', instrument };
}

/** The temporality an instrument gets under a preference (the OTLP exporter spec's table). */
export function temporalityOf(instrument: InstrumentKind, preference: OtlpTemporalityPreference): TemporalityValue {
  if (instrument === 'upDownCounter' || preference === 'cumulative') return Temporality.cumulative;
  if (preference === 'delta') return Temporality.delta;
  return instrument === 'observableCounter' ? Temporality.cumulative : Temporality.delta;
}

function toMetric({ descriptor, temporality, points }: MetricEntry): OtlpMetric {
  const base = { name: descriptor.name, description: descriptor.description, unit: descriptor.unit };
  switch (descriptor.instrument) {
    case 'gauge':
      return { ...base, kind: 'gauge', points: points as NumberPoint[] };
    case 'histogram':
      return { ...base, kind: 'histogram', temporality, points: points as HistogramPoint[] };
    default:
      return { ...base, kind: 'sum', temporality, monotonic: descriptor.instrument !== 'upDownCounter', points: points as NumberPoint[] };
  }
}

/** Tags `k:v` become attributes; a tag without a value gets an empty string; the first of a key wins. */
function toAttributes(tags: Tags, extra: readonly [string, string] | undefined): Attributes {
  if (tags.length === 0) return extra ? [extra] : [];
  const out: [string, string][] = [];
  const seen = new Set<string>();
  for (const tag of tags) {
    const colon = tag.indexOf(':');
    const key = colon === -1 ? tag : tag.slice(0, colon);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push([key, colon === -1 ? '' : tag.slice(colon + 1)]);
  }
  if (extra && !seen.has(extra[0])) out.push([extra[0], extra[1]]);
  return out;
}

/**
 * A timer's values into explicit buckets (a value equal to a bound falls in that bound's
 * bucket, as OTel does). Values kept as a sample stand for `count / values.length` each; the
 * rounding remainder goes to the fullest bucket, so the bucket counts always add up to `count`.
 */
function bucketize(point: TimerPoint, bounds: readonly number[]): Buckets {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  let bucket = 0;
  for (const value of point.values) {
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    counts[bucket]!++;
  }
  const count = Math.round(point.count);
  if (point.values.length !== count && point.values.length > 0) {
    const weight = count / point.values.length;
    let assigned = 0;
    let fullest = 0;
    for (let i = 0; i < counts.length; i++) {
      counts[i] = Math.floor(counts[i]! * weight);
      assigned += counts[i]!;
      if (counts[i]! > counts[fullest]!) fullest = i;
    }
    counts[fullest]! += count - assigned;
  }
  return { count, sum: point.sum, min: point.min, max: point.max, bounds, counts };
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a === b || (a.length === b.length && a.every((v, i) => v === b[i]));
}

function mergeBuckets(a: Buckets, b: Buckets): Buckets {
  return {
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    bounds: a.bounds,
    counts: a.counts.map((c, i) => c + (b.counts[i] ?? 0)),
  };
}

function histogramPoint(attributes: Attributes, startNs: bigint, timeNs: bigint, b: Buckets): HistogramPoint {
  return { attributes, startNs, timeNs, count: b.count, sum: b.sum, min: b.min, max: b.max, bounds: b.bounds, counts: b.counts };
}
