/**
 * The part of OTLP's `ExportMetricsServiceRequest` hmetrics sends, as plain data: one
 * resource, one scope, and metrics of three kinds (gauge, sum, explicit-bucket histogram).
 * Both encoders (protobuf and the JSON mapping) read this shape.
 */
export type AttributeValue = string | number | boolean;

/** Key/value pairs in the order they are sent. */
export type Attributes = readonly (readonly [string, AttributeValue])[];

/** OTLP's AggregationTemporality enum. */
export const Temporality = { delta: 1, cumulative: 2 } as const;
export type TemporalityValue = (typeof Temporality)[keyof typeof Temporality];

/** A gauge or sum point. Times are Unix epoch nanoseconds. */
export interface NumberPoint {
  readonly attributes: Attributes;
  readonly startNs: bigint;
  readonly timeNs: bigint;
  readonly value: number;
}

/** An explicit-bucket histogram point: `counts` has one more entry than `bounds`. */
export interface HistogramPoint {
  readonly attributes: Attributes;
  readonly startNs: bigint;
  readonly timeNs: bigint;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
}

interface MetricBase {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
}

export interface GaugeMetric extends MetricBase {
  readonly kind: 'gauge';
  readonly points: readonly NumberPoint[];
}

export interface SumMetric extends MetricBase {
  readonly kind: 'sum';
  readonly temporality: TemporalityValue;
  readonly monotonic: boolean;
  readonly points: readonly NumberPoint[];
}

export interface HistogramMetric extends MetricBase {
  readonly kind: 'histogram';
  readonly temporality: TemporalityValue;
  readonly points: readonly HistogramPoint[];
}

export type OtlpMetric = GaugeMetric | SumMetric | HistogramMetric;

export interface ExportRequest {
  readonly resource: Attributes;
  readonly scope: { readonly name: string; readonly version: string };
  readonly metrics: readonly OtlpMetric[];
}

/** Epoch milliseconds (fractions kept to the microsecond) to epoch nanoseconds. */
export function msToNs(ms: number): bigint {
  const whole = Math.floor(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e3)) * 1_000n;
}
