/**
 * hmetrics' OTLP runtime metrics against what OpenTelemetry's own packages emit: the runtime
 * instrumentation runs with the SDK and the proto exporter against the loopback receiver,
 * hmetrics' report loop sends to the same receiver, and every metric OTel sent must come from
 * hmetrics too with the same name, unit, kind, monotonicity, temporality and attribute keys.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { ATTR_CPU_MODE, CPU_MODE_VALUE_SYSTEM, CPU_MODE_VALUE_USER, METRIC_PROCESS_CPU_TIME, METRIC_PROCESS_MEMORY_USAGE } from '@opentelemetry/semantic-conventions/incubating';
import { Aggregator, report } from 'hmetrics';
import { OtlpReceiver, type ReceivedExport } from './helpers/otlp-receiver.js';

type Json = Record<string, any>;
/** What the comparison looks at: everything but the values. */
interface Shape { unit: string; kind: string; monotonic?: boolean; temporality?: number; attributeKeys: string[] }

let receiver: OtlpReceiver;
before(async () => { receiver = await OtlpReceiver.start(); });
after(() => receiver.close());

function shapes(received: ReceivedExport): Map<string, Shape> {
  const out = new Map<string, Shape>();
  for (const scope of (received.request.resourceMetrics[0] as Json)['scopeMetrics'] as Json[]) {
    for (const metric of scope['metrics'] as Json[]) {
      const kind = ['gauge', 'sum', 'histogram'].find((k) => k in metric)!;
      const data = metric[kind];
      const keys = new Set<string>();
      for (const point of data.dataPoints) for (const a of point.attributes) keys.add(a.key);
      out.set(metric['name'], {
        unit: metric['unit'],
        kind,
        ...(kind === 'sum' ? { monotonic: data.isMonotonic } : {}),
        ...(kind !== 'gauge' ? { temporality: data.aggregationTemporality } : {}),
        attributeKeys: [...keys].sort(),
      });
    }
  }
  return out;
}

/** Allocation that forces scavenges (and usually a mark-sweep), so GC durations exist. */
function makeGarbage(): number {
  let kept = 0;
  for (let i = 0; i < 20; i++) kept += new Array(20_000).fill(i).length;
  return kept;
}

async function busyFor(ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    makeGarbage();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('every runtime metric OpenTelemetry emits, hmetrics sends with the same name, unit, kind, monotonicity, temporality and attribute keys', async () => {
  // --- OpenTelemetry: runtime instrumentation + SDK + proto exporter ---
  const exporter = new OTLPMetricExporter({ url: `${receiver.url}/v1/metrics` });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const instrumentation = new RuntimeNodeInstrumentation({ monitoringPrecision: 10 });
  instrumentation.setMeterProvider(provider);
  instrumentation.enable();
  await busyFor(600);
  const otelArrived = receiver.next();
  await reader.forceFlush();
  const otel = shapes(await otelArrived);
  instrumentation.disable();
  await provider.shutdown();

  // The reference list is what OTel actually sent; make sure it is the whole family.
  for (const family of ['nodejs.eventloop.delay.p99', 'nodejs.eventloop.utilization', 'nodejs.eventloop.time', 'v8js.gc.duration', 'v8js.memory.heap.used', 'v8js.memory.heap.space.size', 'v8js.resource.active']) {
    assert.ok(otel.has(family), `OpenTelemetry sent ${family} (got ${[...otel.keys()].join(', ')})`);
  }

  // --- hmetrics: the report loop with an otlp+http endpoint ---
  const controller = new AbortController();
  const oursArrived = receiver.next();
  const loop = report(controller.signal, `otlp+http://127.0.0.1:${receiver.port}/v1/metrics`, null, { interval: 300, aggregator: new Aggregator() });
  await busyFor(200);
  const ours = shapes(await oursArrived);
  controller.abort();
  await loop;

  for (const [name, expected] of otel) {
    assert.ok(ours.has(name), `hmetrics sends ${name}`);
    assert.deepEqual(ours.get(name), expected, name);
  }

  // process.cpu.time and process.memory.usage: names and attribute values from the semantic
  // conventions package; kinds as the conventions define them (counter, updowncounter).
  assert.deepEqual(ours.get(METRIC_PROCESS_CPU_TIME), { unit: 's', kind: 'sum', monotonic: true, temporality: 2, attributeKeys: [ATTR_CPU_MODE] });
  assert.deepEqual(ours.get(METRIC_PROCESS_MEMORY_USAGE), { unit: 'By', kind: 'sum', monotonic: false, temporality: 2, attributeKeys: [] });
  const last = receiver.received.at(-2)!;
  const cpu = ((last.request.resourceMetrics[0] as Json)['scopeMetrics'][0].metrics as Json[]).find((m) => m['name'] === METRIC_PROCESS_CPU_TIME)!;
  const modes = cpu['sum'].dataPoints.map((p: Json) => p.attributes[0].value.stringValue).sort();
  assert.deepEqual(modes, [CPU_MODE_VALUE_SYSTEM, CPU_MODE_VALUE_USER].sort());
});
