/** `hmetrics/onload` with the OpenTelemetry variables, in child processes, against a loopback OTLP receiver. */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, beforeEach, describe, test } from 'node:test';
import { runNode } from './helpers/child.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { OtlpReceiver, type ReceivedExport } from './helpers/otlp-receiver.js';

const ONLOAD = ['--import', 'hmetrics/onload'];
let receiver: OtlpReceiver;
let heroku: HerokuEndpoint;
before(async () => { receiver = await OtlpReceiver.start(); heroku = await HerokuEndpoint.start(); });
after(async () => { await receiver.close(); await heroku.close(); });
beforeEach(() => { receiver.received.length = 0; });

type Json = Record<string, any>;
function metricNames(received: ReceivedExport): string[] {
  return ((received.request.resourceMetrics[0] as Json)['scopeMetrics'][0].metrics as Json[]).map((m) => m['name']);
}
function resourceOf(received: ReceivedExport): Record<string, unknown> {
  return Object.fromEntries((received.request.resourceMetrics[0] as Json)['resource'].attributes.map((a: Json) => [a.key, Object.values(a.value)[0]]));
}

describe('onload with OTEL_* variables', () => {
  test('exports runtime and pushed metrics at OTEL_METRIC_EXPORT_INTERVAL, with headers and resource, and exits on its own', async () => {
    const result = await runNode({
      args: [...ONLOAD, '-e', `import('hmetrics/onload').then((m) => m.increment('jobs.done')); setTimeout(() => console.log('app done'), 1300)`],
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_METRIC_EXPORT_INTERVAL: '300',
        OTEL_SERVICE_NAME: 'checkout',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=s3cret%20value',
        DYNO: 'web.1',
      },
    });
    assert.equal(result.killedByTest, false, 'the export kept the process alive');
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'app done\n');
    assert.equal(result.stderr, '', 'silent unless asked');
    assert.ok(receiver.received.length >= 2, `exports every 300 ms (got ${receiver.received.length})`);
    const first = receiver.received[0]!;
    assert.equal(first.path, '/v1/metrics');
    assert.equal(first.headers['content-type'], 'application/x-protobuf');
    assert.equal(first.headers['x-api-key'], 's3cret value');
    const resource = resourceOf(first);
    assert.equal(resource['service.name'], 'checkout');
    assert.equal(resource['service.instance.id'], 'web.1');
    assert.equal(resource['deployment.environment'], 'test');
    const names = new Set(receiver.received.flatMap(metricNames));
    for (const name of ['nodejs.eventloop.utilization', 'nodejs.eventloop.delay.p99', 'v8js.memory.heap.used', 'process.cpu.time', 'process.memory.usage', 'jobs.done']) {
      assert.ok(names.has(name), `${name} in ${[...names].join(', ')}`);
    }
    assert.ok(![...names].some((name) => name.startsWith('node.')), 'hmetrics-only runtime names stay out of OTLP');
  });

  test('METRICS_ variables win: endpoint used as is, JSON protocol', async () => {
    const result = await runNode({
      args: [...ONLOAD, '-e', 'setTimeout(() => {}, 700)'],
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${receiver.url}/custom/ingest`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
        OTEL_METRIC_EXPORT_INTERVAL: '200',
      },
    });
    assert.equal(result.code, 0);
    assert.ok(receiver.received.length >= 1);
    assert.equal(receiver.received[0]!.path, '/custom/ingest');
    assert.equal(receiver.received[0]!.headers['content-type'], 'application/json');
    assert.ok(metricNames(receiver.received[0]!).includes('nodejs.eventloop.utilization'));
  });

  test('grpc: one clear verbose line, nothing started', async () => {
    const result = await runNode({
      args: [...ONLOAD, '-e', 'setTimeout(() => {}, 500)'],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_METRIC_EXPORT_INTERVAL: '100', HMETRICS_VERBOSE: '1' },
    });
    assert.equal(result.code, 0);
    // Verbose also tells the start story; of OTLP it says exactly one thing: why it did not start.
    const lines = result.stderr.trim().split('\n').filter((line) => /OTLP/.test(line) && !/OTEL_EXPORTER_OTLP_\* variables$/.test(line));
    assert.equal(lines.length, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /delivered|every \d+ ms/);
    assert.match(lines[0]!, /^\[hmetrics\] OTLP export not started: OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported/);
    assert.equal(receiver.received.length, 0);
  });

  test('OTEL_SDK_DISABLED=true: nothing sent, nothing printed unless verbose', async () => {
    const result = await runNode({
      args: [...ONLOAD, '-e', 'setTimeout(() => {}, 500)'],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SDK_DISABLED: 'true', OTEL_METRIC_EXPORT_INTERVAL: '100' },
    });
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
    assert.equal(receiver.received.length, 0);
  });

  test('malformed values do not crash the app; the verbose line names the variable and the fallback', async () => {
    const result = await runNode({
      args: [...ONLOAD, '-e', 'setTimeout(() => console.log("ok"), 300)'],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_METRIC_EXPORT_INTERVAL: 'often', OTEL_EXPORTER_OTLP_COMPRESSION: 'zip', HMETRICS_VERBOSE: 'true' },
    });
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'ok\n');
    assert.match(result.stderr, /OTEL_METRIC_EXPORT_INTERVAL="often" ignored: not a positive integer of milliseconds; using 60000 ms \(the default\)/);
    assert.match(result.stderr, /OTEL_EXPORTER_OTLP_COMPRESSION must be gzip or none, got "zip"; sending uncompressed/);
  });

  test('a short job exports once at exit without loading node:os (its host name read from /proc on Linux)', { skip: process.platform !== 'linux' && 'host name from /proc is Linux only' }, async () => {
    const result = await runNode({
      args: [...ONLOAD, '-e', "process.on('exit', () => console.log(process.moduleLoadList.includes('NativeModule os') ? 'node:os loaded' : 'node:os not loaded'))"],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    });
    assert.equal(result.code, 0);
    assert.equal(receiver.received.length, 1, 'one export, at exit');
    assert.equal(resourceOf(receiver.received[0]!)['host.name'], hostname());
    assert.equal(result.stdout, 'node:os not loaded\n');
  });

  test('a refused export is one verbose error that never shows the headers', async () => {
    receiver.answer({ status: 401 });
    const result = await runNode({
      args: [...ONLOAD, '-e', 'setTimeout(() => {}, 600)'],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20top-secret-token', OTEL_METRIC_EXPORT_INTERVAL: '200', HMETRICS_VERBOSE: '1' },
    });
    assert.equal(result.code, 0);
    assert.match(result.stderr, /HTTP 401: the collector refused the export/);
    assert.ok(!result.stderr.includes('top-secret-token'));
    assert.equal(receiver.received.filter((r) => r.headers.authorization === 'Bearer top-secret-token').length, receiver.received.length);
  });

  test('beside HEROKU_METRICS_URL: two loops, each at its own cadence; Heroku keeps its payload', async () => {
    const path = `/heroku-${process.pid}`;
    const result = await runNode({
      args: [...ONLOAD, '-e', 'setTimeout(() => console.log("app done"), 1700)'],
      env: {
        HEROKU_METRICS_URL: heroku.url(path),
        HMETRICS_INTERVAL: '1000',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_METRIC_EXPORT_INTERVAL: '250',
      },
    });
    assert.equal(result.code, 0);
    assert.equal(result.killedByTest, false);
    const herokuPayloads = heroku.payloads.filter((p) => p.path === path);
    // Heroku every 1000 ms (plus, perhaps, a flush at exit); OTLP every 250 ms.
    assert.ok(herokuPayloads.length >= 1 && herokuPayloads.length <= 2, `Heroku payloads: ${herokuPayloads.length}`);
    assert.ok(receiver.received.length >= 4, `OTLP every 250 ms (got ${receiver.received.length})`);
    const keys = Object.keys({ ...herokuPayloads[0]!.body.counters, ...herokuPayloads[0]!.body.gauges });
    assert.ok(keys.includes('node.eventloop.usage.percent'));
    assert.ok(!keys.some((key) => key.startsWith('v8js.') || key.startsWith('nodejs.')), 'the Heroku payload is unchanged');
    assert.ok(metricNames(receiver.received[0]!).includes('v8js.memory.heap.used'));
  });
});
