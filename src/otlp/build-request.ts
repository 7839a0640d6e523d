import type { Snapshot } from '../metrics/snapshot.js';
import type { Tags } from '../metrics/series.js';
import { msToNs, Temporality, type Attributes, type ExportRequest, type HistogramPoint, type NumberPoint, type OtlpMetric, type TemporalityValue } from './model.js';
import type { OtlpTemporalityPreference, ResolvedOtlpOptions } from './options.js';
import { runtimeDescriptors, semconvDescriptors, type Descriptor, type InstrumentKind } from './semconv.js';
import { toAttributes } from './attributes.js';
import { HTTP_SERVER_DESCRIPTORS } from '../http-server/otlp-descriptors.js';
import { OutputRuleMetric } from '../metrics/names.js';
import { otlpName } from '../metrics/wire-names.js';
import { bucketize, histogramPoint, mergeBuckets, sameBounds, type Buckets } from './histogram.js';

/**
 * What cumulative temporality remembers of one series between exports. `pending*` hold what
 * the export being built would make of it; `commit()` makes them the totals (no allocation
 * per series per export in the steady state).
 */
interface SeriesState {
  readonly descriptor: Descriptor;
  readonly attributes: Attributes;
  /** When the series was first seen: every later export repeats it, so backends see no reset. */
  readonly startNs: bigint;
  total: number;
  buckets: Buckets | undefined;
  pendingTotal: number;
  pendingBuckets: Buckets | undefined;
  /** The export that last touched it (repeats skip touched series). */
  mark: number;
}

let exportSequence = 0;

/** The metric key of each descriptor (name and instrument), made once. */
const METRIC_KEYS = new WeakMap<Descriptor, string>();

/**
 * The cumulative state of one endpoint: start times and running totals per series, by snapshot
 * kind and series key. It lives as long as the process (the sink keeps one per endpoint), so a
 * restarted loop keeps the start times. Bounded: past `maxSeries` a new series is sent with its
 * own interval as its start.
 */
export class ExportState {
  readonly counters = new Map<string, SeriesState>();
  readonly gauges = new Map<string, SeriesState>();
  readonly timers = new Map<string, SeriesState>();

  get size(): number {
    return this.counters.size + this.gauges.size + this.timers.size;
  }
}

/** An export built from a snapshot; `commit()` folds it into the state once it is settled. */
export interface BuiltExport {
  readonly request: ExportRequest;
  readonly dataPoints: number;
  commit(): void;
}

type MutableMetric = OtlpMetric & { points: (NumberPoint | HistogramPoint)[] };

/**
 * Maps one snapshot to an `ExportRequest`: hmetrics' runtime names to OpenTelemetry's
 * (`runtimeDescriptors()`), the sampler's semantic-convention series as they are, pushed
 * counters to monotonic sums, gauges to gauges, timers to histograms, sets to gauges of their
 * distinct count, tags `k:v` to attributes. Reads `state` but changes it only in `commit()`,
 * so an export that fails (and comes back merged into the next snapshot) is not counted twice.
 */
export function buildExport(snapshot: Snapshot, state: ExportState, options: ResolvedOtlpOptions, resource: Attributes, scope: ExportRequest['scope']): BuiltExport {
  const startNs = msToNs(snapshot.time - snapshot.intervalMs);
  const timeNs = msToNs(snapshot.time);
  const metrics = new Map<string, MutableMetric>();
  const mark = ++exportSequence;
  const updated: SeriesState[] = [];
  const created: [Map<string, SeriesState>, string, SeriesState][] = [];
  const preference = options.temporality;
  let dataPoints = 0;

  // Two descriptors may share a metric (process.cpu.time has one per cpu.mode): one metric per
  // name and instrument, keyed by a string made once per descriptor.
  // One metric per name in an export, whatever else happened (a descriptor cached before its
  // name changed owner, a cumulative series repeated under an old owner): a second instrument
  // for a name already in this export is left out and counted.
  const keyOfName = new Map<string, string>();
  const metricFor = (descriptor: Descriptor): MutableMetric | undefined => {
    let key = METRIC_KEYS.get(descriptor);
    if (key === undefined) {
      key = `${descriptor.name}\u0000${descriptor.instrument}`;
      METRIC_KEYS.set(descriptor, key);
    }
    let found = metrics.get(key);
    if (found === undefined) {
      const other = keyOfName.get(descriptor.name);
      if (other !== undefined && other !== key) {
        nameClashes.count++;
        return undefined;
      }
      keyOfName.set(descriptor.name, key);
      found = newMetric(descriptor, temporalityOf(descriptor.instrument, preference));
      metrics.set(key, found);
    }
    return found;
  };

  // One point per attribute set in a metric: two series can meet after mapping (a gauge and a
  // set of one name; tags `a:1,a:2` and `a:1`, the first of a key winning). The first keeps it.
  const pointsOf = new Map<MutableMetric, Set<string>>();
  const admit = (target: MutableMetric, attributes: Attributes): boolean => {
    let identities = pointsOf.get(target);
    if (identities === undefined) pointsOf.set(target, (identities = new Set()));
    const identity = attributesIdentity(attributes);
    if (identities.has(identity)) return false;
    identities.add(identity);
    return true;
  };

  const addNumber = (store: Map<string, SeriesState>, seriesKey: string, descriptor: Descriptor, tags: Tags, raw: number): void => {
    const value = descriptor.scale === undefined ? raw : raw * descriptor.scale;
    // A non-finite number has no OTLP meaning a backend agrees on; a monotonic sum never falls
    // (a counter's `increase` is never negative; this keeps the rule for any other source).
    if (!Number.isFinite(value) || (value < 0 && descriptor.instrument === 'counter')) return;
    const attributes = toAttributes(tags, descriptor);
    const target = metricFor(descriptor);
    if (target === undefined || !admit(target, attributes)) return;
    dataPoints++;
    if (target.kind === 'gauge' || target.temporality === Temporality.delta) {
      target.points.push({ attributes, startNs, timeNs, value });
      return;
    }
    const previous = store.get(seriesKey);
    // An up-down counter's figure is absolute already (a level, not an increment).
    const total = descriptor.instrument === 'upDownCounter' ? value : (previous?.total ?? 0) + value;
    if (!Number.isFinite(total)) return; // a running total past ±1.8e308 has no point to send
    if (previous) {
      previous.mark = mark;
      previous.pendingTotal = total;
      updated.push(previous);
      target.points.push({ attributes, startNs: previous.startNs, timeNs, value: total });
    } else {
      created.push([store, seriesKey, { descriptor, attributes, startNs, total: 0, buckets: undefined, pendingTotal: total, pendingBuckets: undefined, mark }]);
      target.points.push({ attributes, startNs, timeNs, value: total });
    }
  };

  for (const [key, point] of snapshot.counters) {
    const descriptor = describe(point.name, 'counter', '');
    // A counter only counts up here: the interval's positive increments (docs/outputs.md).
    if (descriptor) addNumber(state.counters, key, descriptor, point.tags, point.increase ?? point.value);
  }
  for (const [key, point] of snapshot.gauges) {
    const descriptor = describe(point.name, 'gauge', '');
    if (descriptor) addNumber(state.gauges, key, descriptor, point.tags, point.value);
  }
  for (const [key, point] of snapshot.sets) {
    const descriptor = describe(point.name, 'gauge', '');
    if (descriptor) addNumber(state.gauges, key, descriptor, point.tags, point.values.size);
  }
  for (const [seriesKey, point] of snapshot.timers) {
    const descriptor = describe(point.name, 'histogram', 'ms');
    if (!descriptor || !Number.isFinite(point.sum) || point.count <= 0) continue;
    const attributes = toAttributes(point.tags, descriptor);
    const target = metricFor(descriptor);
    if (target === undefined || !admit(target, attributes)) continue;
    const fresh = bucketize(point, descriptor.buckets ?? options.timerBuckets, descriptor.scale);
    dataPoints++;
    if (target.kind !== 'gauge' && target.temporality === Temporality.delta) {
      target.points.push(histogramPoint(attributes, startNs, timeNs, fresh));
      continue;
    }
    const previous = state.timers.get(seriesKey);
    const buckets = previous?.buckets && sameBounds(previous.buckets.bounds, fresh.bounds) ? mergeBuckets(previous.buckets, fresh) : fresh;
    if (previous) {
      previous.mark = mark;
      previous.pendingBuckets = buckets;
      updated.push(previous);
      target.points.push(histogramPoint(attributes, previous.startNs, timeNs, buckets));
    } else {
      created.push([state.timers, seriesKey, { descriptor, attributes, startNs, total: 0, buckets: undefined, pendingTotal: 0, pendingBuckets: buckets, mark }]);
      target.points.push(histogramPoint(attributes, startNs, timeNs, buckets));
    }
  }

  // Cumulative series not updated in this interval are repeated with their totals, as the
  // OpenTelemetry SDK does: a backend sees a flat line, not a gap.
  for (const store of [state.counters, state.gauges, state.timers]) {
    for (const series of store.values()) {
      if (series.mark === mark) continue;
      const target = metricFor(series.descriptor);
      if (target === undefined || target.kind === 'gauge' || target.temporality !== Temporality.cumulative || !admit(target, series.attributes)) continue;
      dataPoints++;
      target.points.push(series.buckets
        ? histogramPoint(series.attributes, series.startNs, timeNs, series.buckets)
        : { attributes: series.attributes, startNs: series.startNs, timeNs, value: series.total });
    }
  }

  if (nameClashes.count > 0) {
    const clashes = metricFor(NAME_CLASHES);
    if (clashes !== undefined) {
      clashes.points.push({ attributes: [], startNs, timeNs, value: nameClashes.count });
      dataPoints++;
    }
  }
  const request: ExportRequest = { resource, scope, metrics: [...metrics.values()] };
  return {
    request,
    dataPoints,
    commit() {
      for (const series of updated) {
        series.total = series.pendingTotal;
        series.buckets = series.pendingBuckets;
      }
      let size = state.size;
      for (const [store, key, series] of created) {
        if (size >= options.maxSeries) break;
        series.total = series.pendingTotal;
        series.buckets = series.pendingBuckets;
        store.set(key, series);
        size++;
      }
    },
  };
}

const IDENTITIES = new WeakMap<Attributes, string>();

/** A string equal for equal attribute sets (attributes arrays are cached per tags array, so this is mostly a lookup). */
function attributesIdentity(attributes: Attributes): string {
  let identity = IDENTITIES.get(attributes);
  if (identity === undefined) {
    identity = attributes.map(([key, value]) => `${key}\u0000${String(value)}`).sort().join('\u0001');
    IDENTITIES.set(attributes, identity);
  }
  return identity;
}

function newMetric(descriptor: Descriptor, temporality: TemporalityValue): MutableMetric {
  const { name, description, unit } = descriptor;
  switch (descriptor.instrument) {
    case 'gauge':
      return { name, description, unit, kind: 'gauge', points: [] };
    case 'histogram':
      return { name, description, unit, kind: 'histogram', temporality, points: [] as HistogramPoint[] } as MutableMetric;
    default:
      return { name, description, unit, kind: 'sum', temporality, monotonic: descriptor.instrument !== 'upDownCounter', points: [] };
  }
}

/**
 * Descriptors by name and instrument, looked up once per name: hmetrics' runtime names, the
 * sampler's semantic-convention names, else one made for a pushed name (its name mapped by
 * `otlpName`). Bounded, so hostile names cannot grow it forever; `null` marks a name OTLP
 * leaves out.
 */
const DESCRIPTORS = { counter: new Map<string, Descriptor | null>(), gauge: new Map<string, Descriptor | null>(), histogram: new Map<string, Descriptor | null>() };
/** Which source name and instrument owns each OTLP name a pushed series was given. */
const OWNERS = new Map<string, string>();
const MAX_CACHED_DESCRIPTORS = 20_000;

const NAME_CLASHES: Descriptor = { name: OutputRuleMetric.otlpNameClashes, unit: '{series}', description: 'Pushed series names left out because another source name or kind already owns their OTLP name, since start.', instrument: 'gauge' };

/**
 * Forgets every cached descriptor and owner at once: clearing one cache alone would let a name
 * get a second owner while the first one's descriptor is still cached.
 */
function forgetDescriptors(): void {
  for (const cache of Object.values(DESCRIPTORS)) cache.clear();
  OWNERS.clear();
}

/** Pushed series left out because another source name or instrument owns their OTLP name. */
export const nameClashes = { count: 0 };

/** The descriptor of a snapshot series, or undefined when OTLP leaves it out. */
function describe(name: string, instrument: 'counter' | 'gauge' | 'histogram', unit: string): Descriptor | undefined {
  const cache = DESCRIPTORS[instrument];
  let descriptor = cache.get(name);
  if (descriptor === undefined) {
    if (cache.size >= MAX_CACHED_DESCRIPTORS) forgetDescriptors();
    const ours = runtimeDescriptors();
    const runtime = ours.has(name) ? ours.get(name) : HTTP_SERVER_DESCRIPTORS.get(name);
    descriptor = runtime !== undefined ? runtime : (semconvDescriptors().get(name) ?? pushedDescriptor(name, instrument, unit));
    cache.set(name, descriptor);
  }
  return descriptor ?? undefined;
}

/**
 * A pushed name's descriptor, or null when its OTLP name is owned by another source name or
 * instrument (`a b` and `a_b` both map to `a_b`; a counter and a gauge named `x`): the first
 * described keeps it, so one metric never mixes two sources or two types.
 */
function pushedDescriptor(name: string, instrument: 'counter' | 'gauge' | 'histogram', unit: string): Descriptor | null {
  const wire = otlpName(name);
  const owner = `${instrument}\u0000${name}`;
  if (OWNERS.size >= MAX_CACHED_DESCRIPTORS) forgetDescriptors();
  const current = OWNERS.get(wire);
  if (current !== undefined && current !== owner) {
    nameClashes.count++;
    return null;
  }
  if (runtimeNames().has(wire) && wire !== name) {
    nameClashes.count++;
    return null;
  }
  OWNERS.set(wire, owner);
  return { name: wire, unit, description: '', instrument };
}

let ownNames: ReadonlySet<string> | undefined;
/** The OTLP names hmetrics' own descriptors use: a pushed name may not map onto one (made at the first pushed name). */
function runtimeNames(): ReadonlySet<string> {
  return (ownNames ??= new Set<string>([...runtimeDescriptors().values(), ...semconvDescriptors().values()].flatMap((d) => (d ? [d.name] : []))));
}

/** The temporality an instrument gets under a preference (the OTLP exporter spec's table). */
export function temporalityOf(instrument: InstrumentKind, preference: OtlpTemporalityPreference): TemporalityValue {
  if (instrument === 'upDownCounter' || preference === 'cumulative') return Temporality.cumulative;
  if (preference === 'delta') return Temporality.delta;
  return instrument === 'observableCounter' ? Temporality.cumulative : Temporality.delta;
}
