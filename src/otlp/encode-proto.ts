import type { Attributes, AttributeValue, ExportRequest, HistogramPoint, NumberPoint, OtlpMetric } from './model.js';
import { ProtoWriter, WIRE } from './protobuf-writer.js';

/** Encoded attribute fields by attributes array and field number (arrays are reused per series). */
const ATTRIBUTE_BYTES = [new WeakMap<Attributes, Uint8Array>(), new WeakMap<Attributes, Uint8Array>(), new WeakMap<Attributes, Uint8Array>()];
const ATTRIBUTE_SLOT: Record<number, number> = { 1: 0, 7: 1, 9: 2 };

/** The last timestamps written with their 32-bit halves: every point of an export shares two or three. */
const recentTimes: bigint[] = [];
const recentParts: [number, number][] = [];
function writeTime(w: ProtoWriter, ns: bigint): void {
  for (let i = 0; i < recentTimes.length; i++) {
    if (recentTimes[i] === ns) {
      const parts = recentParts[i]!;
      w.fixed64Parts(parts[0], parts[1]);
      return;
    }
  }
  const parts: [number, number] = [Number(ns & 0xffff_ffffn), Number((ns >> 32n) & 0xffff_ffffn)];
  if (recentTimes.length >= 4) {
    recentTimes.shift();
    recentParts.shift();
  }
  recentTimes.push(ns);
  recentParts.push(parts);
  w.fixed64Parts(parts[0], parts[1]);
}

/** One writer reused by every export (its buffer keeps its grown size); `finish()` copies out. */
let shared: ProtoWriter | undefined;

/**
 * `ExportMetricsServiceRequest` in protobuf, field numbers from opentelemetry-proto
 * (metrics/v1, common/v1, resource/v1). Values go out as `as_double`: counters may hold
 * fractions (sample rates), and the OTel SDK's observable instruments are doubles too.
 */
export function encodeProto(request: ExportRequest): Uint8Array {
  const w = (shared ??= new ProtoWriter());
  w.pos = 0;
  w.tag(1, WIRE.bytes); // resource_metrics
  const resourceMetrics = w.fork();
  w.tag(1, WIRE.bytes); // resource
  const resource = w.fork();
  writeAttributes(w, request.resource, 1);
  w.join(resource);
  w.tag(2, WIRE.bytes); // scope_metrics
  const scopeMetrics = w.fork();
  w.tag(1, WIRE.bytes); // scope
  const scope = w.fork();
  w.tag(1, WIRE.bytes);
  w.string(request.scope.name);
  w.tag(2, WIRE.bytes);
  w.string(request.scope.version);
  w.join(scope);
  for (const metric of request.metrics) {
    w.tag(2, WIRE.bytes);
    writeMetric(w, metric);
  }
  w.join(scopeMetrics);
  w.join(resourceMetrics);
  return w.finish();
}

/**
 * Name, description and unit fields of a metric, encoded once per name (bounded): written in
 * place the first time, and that span kept for the next exports.
 */
const HEADERS = new Map<string, { description: string; unit: string; bytes: Uint8Array }>();
function writeMetricHeader(w: ProtoWriter, metric: OtlpMetric): void {
  const cached = HEADERS.get(metric.name);
  if (cached !== undefined && cached.description === metric.description && cached.unit === metric.unit) {
    w.raw(cached.bytes);
    return;
  }
  const start = w.pos;
  w.tag(1, WIRE.bytes);
  w.string(metric.name);
  if (metric.description !== '') {
    w.tag(2, WIRE.bytes);
    w.string(metric.description);
  }
  if (metric.unit !== '') {
    w.tag(3, WIRE.bytes);
    w.string(metric.unit);
  }
  if (HEADERS.size >= 20_000) HEADERS.clear();
  HEADERS.set(metric.name, { description: metric.description, unit: metric.unit, bytes: w.copy(start) });
}

function writeMetric(w: ProtoWriter, metric: OtlpMetric): void {
  const start = w.fork();
  writeMetricHeader(w, metric);
  if (metric.kind === 'gauge') {
    w.tag(5, WIRE.bytes);
    const gauge = w.fork();
    for (const point of metric.points) writeNumberPoint(w, point);
    w.join(gauge);
  } else if (metric.kind === 'sum') {
    w.tag(7, WIRE.bytes);
    const sum = w.fork();
    for (const point of metric.points) writeNumberPoint(w, point);
    w.tag(2, WIRE.varint);
    w.varint(metric.temporality);
    if (metric.monotonic) {
      w.tag(3, WIRE.varint);
      w.varint(1);
    }
    w.join(sum);
  } else {
    w.tag(9, WIRE.bytes);
    const histogram = w.fork();
    for (const point of metric.points) writeHistogramPoint(w, point);
    w.tag(2, WIRE.varint);
    w.varint(metric.temporality);
    w.join(histogram);
  }
  w.join(start);
}

function writeNumberPoint(w: ProtoWriter, point: NumberPoint): void {
  w.tag(1, WIRE.bytes); // data_points
  const start = w.fork();
  w.tag(2, WIRE.fixed64);
  writeTime(w, point.startNs);
  w.tag(3, WIRE.fixed64);
  writeTime(w, point.timeNs);
  w.tag(4, WIRE.fixed64); // as_double
  w.double(point.value);
  writeAttributes(w, point.attributes, 7);
  w.join(start);
}

function writeHistogramPoint(w: ProtoWriter, point: HistogramPoint): void {
  w.tag(1, WIRE.bytes);
  const start = w.fork();
  w.tag(2, WIRE.fixed64);
  writeTime(w, point.startNs);
  w.tag(3, WIRE.fixed64);
  writeTime(w, point.timeNs);
  w.tag(4, WIRE.fixed64);
  w.fixed64Number(point.count);
  w.tag(5, WIRE.fixed64);
  w.double(point.sum);
  w.tag(6, WIRE.bytes); // bucket_counts, packed fixed64
  const counts = w.fork();
  for (const count of point.counts) w.fixed64Number(count);
  w.join(counts);
  if (point.bounds.length > 0) {
    w.tag(7, WIRE.bytes); // explicit_bounds, packed double
    const bounds = w.fork();
    for (const bound of point.bounds) w.double(bound);
    w.join(bounds);
  }
  writeAttributes(w, point.attributes, 9);
  if (point.count > 0) {
    w.tag(11, WIRE.fixed64);
    w.double(point.min);
    w.tag(12, WIRE.fixed64);
    w.double(point.max);
  }
  w.join(start);
}

function writeAttributes(w: ProtoWriter, attributes: Attributes, field: number): void {
  if (attributes.length === 0) return;
  const cache = ATTRIBUTE_BYTES[ATTRIBUTE_SLOT[field] ?? 0]!;
  const bytes = cache.get(attributes);
  if (bytes !== undefined) {
    w.raw(bytes);
    return;
  }
  // Written in place the first time; the span is kept for the next exports.
  const start = w.pos;
  for (const [key, value] of attributes) {
    w.tag(field, WIRE.bytes);
    const kv = w.fork();
    w.tag(1, WIRE.bytes);
    w.string(key);
    w.tag(2, WIRE.bytes);
    const any = w.fork();
    writeAnyValue(w, value);
    w.join(any);
    w.join(kv);
  }
  cache.set(attributes, w.copy(start));
}

function writeAnyValue(w: ProtoWriter, value: AttributeValue): void {
  if (typeof value === 'string') {
    w.tag(1, WIRE.bytes);
    w.string(value);
  } else if (typeof value === 'boolean') {
    w.tag(2, WIRE.varint);
    w.varint(value ? 1 : 0);
  } else if (Number.isSafeInteger(value) && value >= 0) {
    w.tag(3, WIRE.varint); // int_value
    w.varint(value);
  } else {
    w.tag(4, WIRE.fixed64); // double_value (also negative integers: no zigzag in int64)
    w.double(value);
  }
}
