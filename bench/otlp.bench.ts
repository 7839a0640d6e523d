/**
 * OTLP export: (1) one export's encode, hmetrics vs the OpenTelemetry SDK's exporter
 * serializer, for the same metrics (target ≤ 0.25×); (2) startup wall time and RSS of
 * `--import hmetrics/onload` with OTLP configured vs the OTel SDK set-up (MeterProvider +
 * runtime instrumentation + proto exporter).
 *
 *   npm run build && node --expose-gc dist/bench/otlp.bench.js [--quick]
 *
 * Two pairs, same series, values and buckets: (a) the encode alone — hmetrics' `encodeProto`
 * of a built request vs OTel's `ProtobufMetricsSerializer.serializeRequest` of collected
 * `ResourceMetrics` (what its exporter does per export); (b) the whole per-export work —
 * hmetrics' snapshot → request (mapping, buckets, cumulative state) + encode + commit vs OTel's
 * reader `collect()` + serialize. Both in the steady state (cumulative, state committed).
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { Aggregator } from '../src/metrics/aggregator.js';
import type { Snapshot } from '../src/metrics/snapshot.js';
import { buildExport, ExportState } from '../src/otlp/build-request.js';
import { encodeJson } from '../src/otlp/encode-json.js';
import { encodeProto } from '../src/otlp/encode-proto.js';
import { resolveOtlpOptions } from '../src/otlp/options.js';
import { buildResource } from '../src/otlp/resource.js';

const QUICK = process.argv.includes('--quick');
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COUNTERS = 100;
const GAUGES = 50;
const TIMERS = 20;
const VALUES = 200;

class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** The same data, recorded into hmetrics' aggregator and into OTel's meter. */
async function workload(): Promise<{ snapshot: Snapshot; reader: ManualReader; collected: ResourceMetrics }> {
  const aggregator = new Aggregator();
  const reader = new ManualReader();
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('bench', '1.0.0');
  for (let i = 0; i < COUNTERS; i++) {
    const tags = [`route:/api/v${i % 5}/items`, `status:${200 + (i % 3)}`];
    aggregator.count(`http.requests.${i}`, i + 1, tags);
    meter.createCounter(`http.requests.${i}`).add(i + 1, { route: `/api/v${i % 5}/items`, status: String(200 + (i % 3)) });
  }
  for (let i = 0; i < GAUGES; i++) {
    aggregator.gauge(`queue.depth.${i}`, i * 1.5, [`queue:q${i % 7}`]);
    meter.createGauge(`queue.depth.${i}`).record(i * 1.5, { queue: `q${i % 7}` });
  }
  for (let i = 0; i < TIMERS; i++) {
    const histogram = meter.createHistogram(`job.duration.${i}`, { unit: 'ms' });
    for (let v = 0; v < VALUES; v++) {
      const value = (v * 37) % 3000;
      aggregator.timing(`job.duration.${i}`, value, ['job:import']);
      histogram.record(value, { job: 'import' });
    }
  }
  const snapshot = aggregator.swap();
  const { resourceMetrics } = await reader.collect();
  return { snapshot, reader, collected: resourceMetrics };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

/** µs per call: batches alternate between the candidates, medians of the batches. */
async function measure(candidates: Record<string, () => unknown | Promise<unknown>>, batches: number, perBatch: number): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
  for (const fn of Object.values(candidates)) for (let i = 0; i < perBatch; i++) await fn(); // warm-up
  for (let b = 0; b < batches; b++) {
    for (const [name, fn] of Object.entries(candidates)) {
      (globalThis as { gc?: () => void }).gc?.();
      const start = performance.now();
      for (let i = 0; i < perBatch; i++) await fn();
      samples[name]!.push(((performance.now() - start) * 1000) / perBatch);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

async function encodeBench(): Promise<string[]> {
  const { snapshot, reader, collected } = await workload();
  const options = resolveOtlpOptions({});
  const resource = buildResource(options);
  const scope = { name: 'hmetrics', version: '0.1.0' };
  const state = new ExportState();
  // The steady state: every export commits, as a delivered one does.
  const ours = (): Uint8Array => {
    const built = buildExport(snapshot, state, options, resource, scope);
    const bytes = encodeProto(built.request);
    built.commit();
    return bytes;
  };
  const built = buildExport(snapshot, state, options, resource, scope);
  built.commit();
  const request = buildExport(snapshot, state, options, resource, scope).request;
  const oursEncode = (): Uint8Array => encodeProto(request);
  const oursJson = (): string => encodeJson(request);
  const theirs = (): Uint8Array => ProtobufMetricsSerializer.serializeRequest(collected)!;
  const theirsJson = (): unknown => JsonMetricsSerializer.serializeRequest(collected);
  const theirsCollect = async (): Promise<unknown> => ProtobufMetricsSerializer.serializeRequest((await reader.collect()).resourceMetrics);
  const oursBytes = ours().length;
  const theirsBytes = theirs()!.length;
  const t = await measure({ oursEncode, theirs, ours, theirsCollect, oursJson, theirsJson }, QUICK ? 5 : 15, QUICK ? 50 : 200);
  const series = COUNTERS + GAUGES + TIMERS;
  return [
    `One export of ${series} series (${COUNTERS} counters, ${GAUGES} gauges, ${TIMERS} histograms of ${VALUES} values; 2 attributes each):`,
    '',
    '| work | hmetrics µs | OTel µs | ratio |',
    '|---|---:|---:|---:|',
    `| (a) encode: \`encodeProto\` vs \`ProtobufMetricsSerializer.serializeRequest\` (${oursBytes} vs ${theirsBytes} bytes) | ${t['oursEncode']!.toFixed(1)} | ${t['theirs']!.toFixed(1)} | **${(t['oursEncode']! / t['theirs']!).toFixed(2)}×** |`,
    `| (b) whole export: snapshot → request → protobuf vs \`collect()\` + serialize | ${t['ours']!.toFixed(1)} | ${t['theirsCollect']!.toFixed(1)} | **${(t['ours']! / t['theirsCollect']!).toFixed(2)}×** |`,
    `| (b') whole export vs OTel's serializer alone | ${t['ours']!.toFixed(1)} | ${t['theirs']!.toFixed(1)} | ${(t['ours']! / t['theirs']!).toFixed(2)}× |`,
    `| JSON encode: \`encodeJson\` vs \`JsonMetricsSerializer.serializeRequest\` | ${t['oursJson']!.toFixed(1)} | ${t['theirsJson']!.toFixed(1)} | ${(t['oursJson']! / t['theirsJson']!).toFixed(2)}× |`,
  ];
}

const SETTLE = "setTimeout(() => { process.stderr.write('RSS=' + process.memoryUsage.rss() + '\\n'); process.exit(0); }, 100);";
const OTEL_SETUP = [
  "const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');",
  "const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-proto');",
  "const { RuntimeNodeInstrumentation } = require('@opentelemetry/instrumentation-runtime-node');",
  "const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: 'http://127.0.0.1:9/v1/metrics' }), exportIntervalMillis: 60000 });",
  'const provider = new MeterProvider({ readers: [reader] });',
  'const runtime = new RuntimeNodeInstrumentation(); runtime.setMeterProvider(provider); runtime.enable();',
].join(' ');

function startupBench(): string[] {
  const variants = [
    { label: 'bare node (same 100 ms wait)', args: ['-e', SETTLE], env: {} },
    { label: '`--import hmetrics/onload` with `OTEL_EXPORTER_OTLP_ENDPOINT`', args: ['--import', 'hmetrics/onload', '-e', SETTLE], env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' } },
    { label: 'OTel SDK: MeterProvider + runtime instrumentation + proto exporter', args: ['-e', `${OTEL_SETUP} ${SETTLE}`], env: {} },
  ];
  const rounds = QUICK ? 6 : 20;
  const ms = variants.map(() => [] as number[]);
  const rss = variants.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (k + r) % variants.length;
      const variant = variants[i]!;
      const start = performance.now();
      const result = spawnSync(process.execPath, variant.args, { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...variant.env }, encoding: 'utf8' });
      const elapsed = performance.now() - start;
      const bytes = /RSS=(\d+)/.exec(result.stderr)?.[1];
      if (result.status !== 0 || bytes === undefined) throw new Error(`${variant.label} failed: ${result.stderr}`);
      ms[i]!.push(elapsed);
      rss[i]!.push(Number(bytes));
    }
  }
  const bareMs = median(ms[0]!);
  const bareRss = median(rss[0]!);
  const rows = variants.map((v, i) => {
    const m = median(ms[i]!);
    const r = median(rss[i]!);
    return `| ${v.label} | ${m.toFixed(0)} | +${(m - bareMs).toFixed(0)} | ${(r / 1048576).toFixed(1)} | +${((r - bareRss) / 1048576).toFixed(1)} |`;
  });
  const ourExtraMs = median(ms[1]!) - bareMs;
  const theirExtraMs = median(ms[2]!) - bareMs;
  const ourExtraRss = median(rss[1]!) - bareRss;
  const theirExtraRss = median(rss[2]!) - bareRss;
  return [
    `Startup, spawn to exit with everything started (median of ${rounds} runs, order rotated):`,
    '',
    '| variant | wall ms | over bare | RSS MB | over bare |',
    '|---|---:|---:|---:|---:|',
    ...rows,
    '',
    `hmetrics adds ${(ourExtraMs / theirExtraMs).toFixed(2)}× the OTel SDK's startup time and ${(ourExtraRss / theirExtraRss).toFixed(2)}× its RSS.`,
  ];
}

async function main(): Promise<void> {
  const lines = [...(await encodeBench()), '', ...startupBench()];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
