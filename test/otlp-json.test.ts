/** hmetrics' JSON mapping against the official serializer, for the same data recorded both ways. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { Aggregator } from 'hmetrics';
import { buildExport, ExportState } from '../src/otlp/build-request.js';
import { encodeJson } from '../src/otlp/encode-json.js';
import { resolveOtlpOptions } from '../src/otlp/options.js';
import { decodeExportRequest } from './helpers/otlp-decode.js';
import { encodeProto } from '../src/otlp/encode-proto.js';

class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

type Json = Record<string, any>;
/** The metrics, sorted by name, without the timestamps (the two clocks differ). */
function metricsWithoutTimes(json: Json): Json[] {
  const metrics = json['resourceMetrics'][0].scopeMetrics[0].metrics as Json[];
  return JSON.parse(JSON.stringify(metrics, (key, value) => (key === 'startTimeUnixNano' || key === 'timeUnixNano' ? undefined : value)))
    .sort((a: Json, b: Json) => a['name'].localeCompare(b['name']));
}

test('counters, gauges and timers come out of encodeJson exactly as the official JSON serializer writes the same data', async () => {
  const values = [1, 4, 5, 6, 900, 20_000];
  const reader = new ManualReader();
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('hmetrics', '0.1.0');
  meter.createCounter('jobs.done').add(3, { queue: 'high' });
  meter.createGauge('queue.depth').record(7.5, { queue: 'high' });
  const histogram = meter.createHistogram('job.ms', { unit: 'ms', advice: { explicitBucketBoundaries: [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000] } });
  for (const v of values) histogram.record(v, { queue: 'high' });
  const official = JSON.parse(new TextDecoder().decode(JsonMetricsSerializer.serializeRequest((await reader.collect()).resourceMetrics)));
  await provider.shutdown();

  const aggregator = new Aggregator();
  aggregator.count('jobs.done', 3, ['queue:high']);
  aggregator.gauge('queue.depth', 7.5, ['queue:high']);
  for (const v of values) aggregator.timing('job.ms', v, ['queue:high']);
  const built = buildExport(aggregator.swap(), new ExportState(), resolveOtlpOptions({}), [['service.name', 'x']], { name: 'hmetrics', version: '0.1.0' });
  const ours = JSON.parse(encodeJson(built.request));

  assert.deepEqual(metricsWithoutTimes(ours), metricsWithoutTimes(official));
  assert.deepEqual(ours['resourceMetrics'][0].scopeMetrics[0].scope, official['resourceMetrics'][0].scopeMetrics[0].scope);
  // And the protobuf of the same request decodes to the same JSON.
  assert.deepEqual(decodeExportRequest(encodeProto(built.request)), ours);
});
