import type { Attributes, AttributeValue, ExportRequest, HistogramPoint, NumberPoint, OtlpMetric } from './model.js';

/**
 * `ExportMetricsServiceRequest` in OTLP's JSON mapping, as the official JS exporter writes it:
 * lowerCamelCase keys, enums as integers, 64-bit nanosecond timestamps as decimal strings,
 * counts and values as JSON numbers.
 */
export function encodeJson(request: ExportRequest): string {
  return JSON.stringify({
    resourceMetrics: [{
      resource: { attributes: toAttributes(request.resource), droppedAttributesCount: 0 },
      scopeMetrics: [{
        scope: { name: request.scope.name, version: request.scope.version },
        metrics: request.metrics.map(toMetric),
      }],
    }],
  });
}

function toMetric(metric: OtlpMetric): object {
  const base = { name: metric.name, description: metric.description, unit: metric.unit };
  if (metric.kind === 'gauge') return { ...base, gauge: { dataPoints: metric.points.map(toNumberPoint) } };
  if (metric.kind === 'sum') {
    return { ...base, sum: { aggregationTemporality: metric.temporality, isMonotonic: metric.monotonic, dataPoints: metric.points.map(toNumberPoint) } };
  }
  return { ...base, histogram: { aggregationTemporality: metric.temporality, dataPoints: metric.points.map(toHistogramPoint) } };
}

function toNumberPoint(point: NumberPoint): object {
  return {
    attributes: toAttributes(point.attributes),
    startTimeUnixNano: point.startNs.toString(),
    timeUnixNano: point.timeNs.toString(),
    asDouble: point.value,
  };
}

function toHistogramPoint(point: HistogramPoint): object {
  return {
    attributes: toAttributes(point.attributes),
    startTimeUnixNano: point.startNs.toString(),
    timeUnixNano: point.timeNs.toString(),
    count: point.count,
    sum: point.sum,
    bucketCounts: point.counts,
    explicitBounds: point.bounds,
    ...(point.count > 0 ? { min: point.min, max: point.max } : {}),
  };
}

function toAttributes(attributes: Attributes): object[] {
  return attributes.map(([key, value]) => ({ key, value: toAnyValue(value) }));
}

function toAnyValue(value: AttributeValue): object {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return Number.isSafeInteger(value) && value >= 0 ? { intValue: value } : { doubleValue: value };
}
