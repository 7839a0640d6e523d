/**
 * The test decoder is proven first: the official proto exporter encodes, the receiver decodes,
 * and the result must equal what the official JSON serializer writes for the same data.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ValueType } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { decodeExportRequest } from './helpers/otlp-decode.js';
import { OtlpReceiver } from './helpers/otlp-receiver.js';

class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

let receiver: OtlpReceiver;
before(async () => { receiver = await OtlpReceiver.start(); });
after(() => receiver.close());

/** Every instrument kind and attribute type the SDK has, with values that stress the encoding. */
async function sampleMetrics(temporality: AggregationTemporality): Promise<ResourceMetrics> {
  const reader = new ManualReader({ aggregationTemporalitySelector: () => temporality });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'décodeur ✓', 'process.pid': 4242, ratio: 0.25, flag: true, list: ['a', 'b'] }),
    readers: [reader],
  });
  const meter = provider.getMeter('scope-under-test', '9.8.7');
  const counter = meter.createCounter('requests', { unit: '{request}', description: 'Requests served', valueType: ValueType.INT });
  counter.add(3, { route: '/a', status: 200 });
  counter.add(2 ** 40, { route: '/b', status: 503 });
  meter.createCounter('bytes', { unit: 'By' }).add(1.5);
  const histogram = meter.createHistogram('latency', { unit: 's', advice: { explicitBucketBoundaries: [0.001, 0.01, 0.1, 1] } });
  for (const v of [0.0005, 0.02, 0.02, 3, 70_000]) histogram.record(v, { method: 'GET' });
  meter.createUpDownCounter('queue', { valueType: ValueType.INT }).add(-7);
  meter.createObservableGauge('temperature', { unit: 'Cel' }).addCallback((r) => r.observe(-12.75, { sensor: 'x', on: false }));
  const collected = await reader.collect();
  await provider.shutdown();
  return collected.resourceMetrics;
}

for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
  test(`decoder reads back exactly what the official JSON serializer writes (temporality ${temporality})`, async () => {
    const metrics = await sampleMetrics(temporality);
    const expected = JSON.parse(new TextDecoder().decode(JsonMetricsSerializer.serializeRequest(metrics)));
    const names = expected.resourceMetrics[0].scopeMetrics[0].metrics.map((m: { name: string }) => m.name).sort();
    assert.deepEqual(names, ['bytes', 'latency', 'queue', 'requests', 'temperature']);

    const exporter = new OTLPMetricExporter({ url: `${receiver.url}/v1/metrics` });
    const arrived = receiver.next();
    const result = await new Promise<{ code: number }>((resolve) => exporter.export(metrics, resolve));
    assert.equal(result.code, 0);
    const received = await arrived;
    assert.equal(received.headers['content-type'], 'application/x-protobuf');
    assert.deepEqual(received.request, expected);
    await exporter.shutdown();

    // The serializer the exporter uses, called directly, decodes the same.
    const bytes = ProtobufMetricsSerializer.serializeRequest(metrics)!;
    assert.deepEqual(decodeExportRequest(bytes), expected);
  });
}

test('decoder rejects truncated input instead of inventing data', async () => {
  const bytes = ProtobufMetricsSerializer.serializeRequest(await sampleMetrics(AggregationTemporality.CUMULATIVE))!;
  assert.throws(() => decodeExportRequest(bytes.subarray(0, bytes.length - 3)), /truncated/);
});
