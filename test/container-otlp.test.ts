import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { METRIC_CONTAINER_MEMORY_USAGE, METRIC_CONTAINER_MEMORY_WORKING_SET, METRIC_PROCESS_UNIX_FILE_DESCRIPTOR_COUNT } from '@opentelemetry/semantic-conventions/incubating';
import { Aggregator, report } from 'hmetrics';
import { OtlpReceiver } from './helpers/otlp-receiver.js';

type Json = Record<string, any>;
let receiver: OtlpReceiver;
before(async () => { receiver = await OtlpReceiver.start(); });
after(() => receiver.close());

test('OTLP: the container block under semantic-convention names where they exist, documented ones in their namespaces elsewhere', async () => {
  const controller = new AbortController();
  const arrived = receiver.next();
  const loop = report(controller.signal, `otlp+http://127.0.0.1:${receiver.port}/v1/metrics`, null, { interval: 200, aggregator: new Aggregator() });
  const received = await arrived;
  controller.abort();
  await loop;
  const metrics = new Map<string, any>(); // decoded JSON: shapes are asserted below
  for (const scope of (received.request.resourceMetrics[0] as Json)['scopeMetrics'] as Json[]) {
    for (const metric of scope['metrics'] as Json[]) metrics.set(metric['name'], metric);
  }
  const names = [...metrics.keys()];
  assert.deepEqual(names.filter((name) => name.startsWith('node.')), [], 'no hmetrics-internal name reaches OTLP');
  assert.equal(metrics.get('v8js.context.native')?.unit, '{context}');
  assert.ok(metrics.get('v8js.context.native').gauge.dataPoints[0].asInt >= 1 || metrics.get('v8js.context.native').gauge.dataPoints[0].asDouble >= 1);
  assert.equal(metrics.get('v8js.memory.malloced')?.unit, 'By');
  if (process.platform === 'linux') {
    const fds = metrics.get(METRIC_PROCESS_UNIX_FILE_DESCRIPTOR_COUNT);
    assert.equal(fds?.unit, '{file_descriptor}');
    assert.equal(fds.sum.isMonotonic, false);
  }
  // Present where this machine's cgroup shows them (the fixture tests pin the values).
  for (const name of [METRIC_CONTAINER_MEMORY_USAGE, METRIC_CONTAINER_MEMORY_WORKING_SET]) {
    if (metrics.has(name)) assert.equal(metrics.get(name).unit, 'By', name);
  }
  if (metrics.has('container.cpu.throttled_time')) {
    assert.equal(metrics.get('container.cpu.throttled_time').unit, 's');
    assert.equal(metrics.get('container.cpu.throttled_time').sum.isMonotonic, true);
  }
});
