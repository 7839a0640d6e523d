import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, before, beforeEach, mock, test } from 'node:test';
import { Aggregator, DeliveryFailed, InvalidOption, type Snapshot } from '../src/index.js'; // the copy the code under test throws from
import { carryOver } from './helpers/carry.js';
import { OtlpExportRejected } from '../src/otlp/errors.js';
import type { OtlpOptions } from '../src/otlp/options.js';
import { OtlpSink } from '../src/otlp/sink.js';
import { encodePartialSuccess } from './helpers/otlp-decode.js';
import { OtlpReceiver, type ReceivedExport } from './helpers/otlp-receiver.js';
import { until } from './helpers/wait.js';

type Json = Record<string, any>;

let receiver: OtlpReceiver;
let endpointCounter = 0;
before(async () => { receiver = await OtlpReceiver.start(); });
after(() => receiver.close());
beforeEach(() => { receiver.received.length = 0; });

/** A fresh endpoint URL per test (cumulative state is kept per endpoint). */
function endpoint(scheme = 'otlp+http'): URL {
  return new URL(`${scheme}://127.0.0.1:${receiver.port}/v1/metrics?t=${++endpointCounter}`);
}

function sink(url: URL, otlp: OtlpOptions = {}, timeout = 2_000, now?: () => number): OtlpSink {
  return new OtlpSink(url, { timeout, percentiles: [50], otlp, ...(now ? { now } : {}) });
}

let clock = 1_700_000_000_000;
function snapshot(fill: (a: Aggregator) => void): Snapshot {
  const aggregator = new Aggregator({ now: () => clock });
  fill(aggregator);
  clock += 10_000;
  return aggregator.swap();
}

function metrics(received: ReceivedExport): Map<string, Json> {
  const list = (received.request.resourceMetrics[0] as Json)['scopeMetrics'][0].metrics as Json[];
  return new Map(list.map((m) => [m['name'], m]));
}

function attrs(point: Json): Record<string, unknown> {
  return Object.fromEntries(point['attributes'].map((a: Json) => [a['key'], Object.values(a['value'])[0]]));
}

const signal = new AbortController().signal;

test('protobuf and JSON carry the same request: resource, scope, counters as monotonic sums, gauges, timers as histograms, tags as attributes', async () => {
  const s = snapshot((a) => {
    a.count('jobs.done', 3, ['queue:high', 'region']);
    a.gauge('queue.depth', 7.5);
    for (const v of [1, 4, 5, 6, 900, 20_000]) a.timing('job.ms', v, ['queue:high']);
    a.setMember('users', 'u1');
    a.setMember('users', 'u2');
  });
  const protoSink = sink(endpoint(), { serviceName: 'checkout', resourceAttributes: { 'deployment.environment': 'test' } });
  const jsonSink = sink(endpoint(), { protocol: 'http/json', serviceName: 'checkout', resourceAttributes: { 'deployment.environment': 'test' } });
  await protoSink.deliver(s, signal);
  await jsonSink.deliver(s, signal);
  protoSink.close();
  jsonSink.close();
  const [proto, json] = receiver.received;
  assert.equal(proto!.headers['content-type'], 'application/x-protobuf');
  assert.equal(json!.headers['content-type'], 'application/json');
  assert.equal(proto!.path.split('?')[0], '/v1/metrics');
  assert.deepEqual(proto!.request, json!.request);

  const rm = proto!.request.resourceMetrics[0] as Json;
  const resource = attrs(rm['resource']);
  assert.equal(resource['service.name'], 'checkout');
  assert.equal(resource['deployment.environment'], 'test');
  assert.equal(resource['process.pid'], process.pid);
  assert.equal(resource['process.runtime.name'], 'nodejs');
  assert.equal(resource['process.runtime.version'], process.versions.node);
  assert.equal(resource['host.name'], hostname(), 'the name os.hostname() gives, read without node:os on Linux');
  assert.match(String(resource['service.instance.id']), new RegExp(`:${process.pid}$`));
  assert.deepEqual(rm['scopeMetrics'][0].scope.name, 'hmetrics');
  assert.match(rm['scopeMetrics'][0].scope.version, /^\d+\.\d+\.\d+/);

  const m = metrics(proto!);
  const jobs = m.get('jobs.done')!;
  assert.equal(jobs['sum'].isMonotonic, true);
  assert.equal(jobs['sum'].aggregationTemporality, 2);
  assert.equal(jobs['sum'].dataPoints[0].asDouble, 3);
  assert.deepEqual(attrs(jobs['sum'].dataPoints[0]), { queue: 'high', region: '' });
  assert.equal(m.get('queue.depth')!['gauge'].dataPoints[0].asDouble, 7.5);
  assert.equal(m.get('users')!['gauge'].dataPoints[0].asDouble, 2);
  const hist = m.get('job.ms')!;
  assert.equal(hist['unit'], 'ms');
  const point = hist['histogram'].dataPoints[0];
  assert.deepEqual(point.explicitBounds, [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]);
  // 1, 4, 5 ≤ 5; 6 ≤ 10; 900 ≤ 1000; 20000 overflows.
  assert.deepEqual(point.bucketCounts, [0, 3, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  assert.equal(point.count, 6);
  assert.equal(point.sum, 20_916);
  assert.equal(point.min, 1);
  assert.equal(point.max, 20_000);
  assert.equal(point.timeUnixNano, `${s.time}000000`);
});

test('cumulative: start times stay put across intervals and across a restart of the sink; totals add up; idle series repeat', async () => {
  const url = endpoint();
  let first = sink(url);
  await first.deliver(snapshot((a) => { a.count('hits', 2); a.timing('t', 3); }), signal);
  first.close();
  first = sink(url); // a restarted loop builds a new sink for the same endpoint
  await first.deliver(snapshot((a) => { a.count('hits', 5); }), signal);
  first.close();
  const [one, two] = receiver.received.map(metrics);
  const p1 = one!.get('hits')!['sum'].dataPoints[0];
  const p2 = two!.get('hits')!['sum'].dataPoints[0];
  assert.equal(p1.asDouble, 2);
  assert.equal(p2.asDouble, 7);
  assert.equal(p2.startTimeUnixNano, p1.startTimeUnixNano);
  assert.ok(BigInt(p2.timeUnixNano) > BigInt(p1.timeUnixNano));
  const t2 = two!.get('t')!['histogram'].dataPoints[0];
  assert.equal(t2.count, 1, 'the timer had no values in interval 2: its cumulative point is repeated');
  assert.equal(t2.startTimeUnixNano, one!.get('t')!['histogram'].dataPoints[0].startTimeUnixNano);
});

test('delta and lowmemory temporality: counters and histograms are per interval; lowmemory keeps observable counters cumulative', async () => {
  for (const temporality of ['delta', 'lowmemory'] as const) {
    receiver.received.length = 0;
    const s1 = snapshot((a) => { a.count('hits', 2); a.count('node.cpu.user.us', 1_500_000); a.gauge('node.memory.rss.bytes', 100); });
    const s2 = snapshot((a) => { a.count('hits', 5); a.count('node.cpu.user.us', 500_000); a.gauge('node.memory.rss.bytes', 90); });
    const sk = sink(endpoint(), { temporality });
    await sk.deliver(s1, signal);
    await sk.deliver(s2, signal);
    sk.close();
    const [, two] = receiver.received.map(metrics);
    const hits = two!.get('hits')!['sum'];
    assert.equal(hits.aggregationTemporality, 1, temporality);
    assert.equal(hits.dataPoints[0].asDouble, 5);
    assert.equal(hits.dataPoints[0].startTimeUnixNano, `${s2.time - s2.intervalMs}000000`);
    const cpu = two!.get('process.cpu.time')!['sum'];
    assert.equal(cpu.isMonotonic, true);
    assert.deepEqual(attrs(cpu.dataPoints[0]), { 'cpu.mode': 'user' });
    if (temporality === 'delta') {
      assert.equal(cpu.aggregationTemporality, 1);
      assert.equal(cpu.dataPoints[0].asDouble, 0.5);
    } else {
      assert.equal(cpu.aggregationTemporality, 2);
      assert.equal(cpu.dataPoints[0].asDouble, 2);
    }
    const rss = two!.get('process.memory.usage')!['sum'];
    assert.equal(rss.aggregationTemporality, 2, 'up-down counters stay cumulative');
    assert.equal(rss.isMonotonic, false);
    assert.equal(rss.dataPoints[0].asDouble, 90);
  }
});

test('a failed export changes no state: the carried-over snapshot is counted once', async () => {
  const url = endpoint();
  const sk = sink(url, {}, 300);
  receiver.answer({ status: 500 });
  const s1 = snapshot((a) => a.count('hits', 2));
  await assert.rejects(sk.deliver(s1, signal), (err: unknown) => err instanceof DeliveryFailed && err.status === 500 && !(err instanceof OtlpExportRejected));
  const s2 = snapshot((a) => a.count('hits', 3));
  await sk.deliver(carryOver(s1, s2, { maxSeries: 100, maxTimerValues: 100, maxSetValues: 100 }), signal);
  await sk.deliver(snapshot((a) => a.count('hits', 1)), signal);
  sk.close();
  const values = receiver.received.slice(1).map((r) => metrics(r).get('hits')!['sum'].dataPoints[0].asDouble);
  assert.deepEqual(values, [5, 6]);
});

test('429/502/503/504 are retried within the delivery, honouring Retry-After; Retry-After 0 waits the 1 s minimum (mocked timers)', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    for (const status of [429, 502, 503, 504]) {
      receiver.received.length = 0;
      receiver.answer({ status, headers: { 'Retry-After': '0' } });
      const sk = sink(endpoint());
      const delivery = sk.deliver(snapshot((a) => a.count('hits', 1)), signal);
      await until(() => receiver.received.length === 1, 5_000, 'first attempt');
      await new Promise((resolve) => setImmediate(resolve));
      mock.timers.tick(999);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(receiver.received.length, 1, `HTTP ${status}: no retry before the policy's 1 s minimum (an immediate retry was a storm)`);
      mock.timers.tick(1);
      await delivery;
      sk.close();
      assert.equal(receiver.received.length, 2, `HTTP ${status} retried once`);
      assert.deepEqual(receiver.received[0]!.request, receiver.received[1]!.request);
    }
  } finally {
    mock.timers.reset();
  }
});

test('without Retry-After the retry waits with backoff (mocked timers)', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    receiver.answer({ status: 503 });
    const sk = sink(endpoint(), {}, 5_000);
    const delivery = sk.deliver(snapshot((a) => a.count('hits', 1)), signal);
    await until(() => receiver.received.length === 1, 5_000, 'first attempt');
    await new Promise((resolve) => setImmediate(resolve));
    mock.timers.tick(700);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(receiver.received.length, 1, 'no retry before the backoff (≥ 800 ms)');
    mock.timers.tick(600);
    await delivery;
    sk.close();
    assert.equal(receiver.received.length, 2);
  } finally {
    mock.timers.reset();
  }
});

test('a Retry-After longer than the delivery fails it, and no request goes out before it has passed', async () => {
  let now = 1_000_000;
  const sk = sink(endpoint(), {}, 1_000, () => now);
  receiver.answer({ status: 429, headers: { 'Retry-After': '120' } });
  await assert.rejects(sk.deliver(snapshot((a) => a.count('hits', 1)), signal), /HTTP 429, Retry-After 120 s/);
  now += 60_000;
  await assert.rejects(sk.deliver(snapshot((a) => a.count('hits', 1)), signal), /Retry-After asked/);
  assert.equal(receiver.received.length, 1);
  now += 61_000;
  await sk.deliver(snapshot((a) => a.count('hits', 1)), signal);
  sk.close();
  assert.equal(receiver.received.length, 2);
});

test('other 4xx answers are not retried: one clear error, and the data is settled (not carried over)', async () => {
  for (const status of [400, 401, 403, 404, 413]) {
    receiver.received.length = 0;
    receiver.answer({ status });
    const sk = sink(endpoint());
    await assert.rejects(sk.deliver(snapshot((a) => a.count('hits', 1)), signal), (err: unknown) => {
      assert.ok(err instanceof OtlpExportRejected);
      assert.equal(err.status, status);
      assert.equal(err.settled, true);
      assert.match(err.message, new RegExp(`HTTP ${status}: the collector refused the export; 1 data points dropped, not retried`));
      return true;
    });
    sk.close();
    assert.equal(receiver.received.length, 1);
  }
});

test('partial_success.rejected_data_points is reported (protobuf and JSON answers)', async () => {
  receiver.answer({ status: 200, body: encodePartialSuccess(3, 'name too long') });
  const proto = sink(endpoint());
  await assert.rejects(proto.deliver(snapshot((a) => a.count('hits', 1)), signal), (err: unknown) => {
    assert.ok(err instanceof OtlpExportRejected);
    assert.equal(err.rejectedDataPoints, 3);
    assert.match(err.message, /collector rejected 3 of 1 data points: name too long/);
    return true;
  });
  proto.close();
  receiver.answer({ status: 200, body: JSON.stringify({ partialSuccess: { rejectedDataPoints: '2', errorMessage: 'nope' } }) });
  const json = sink(endpoint(), { protocol: 'http/json' });
  await assert.rejects(json.deliver(snapshot((a) => a.count('hits', 1)), signal), /rejected 2 of 1 data points: nope/);
  receiver.answer({ status: 200, body: JSON.stringify({ partialSuccess: {} }) });
  await json.deliver(snapshot((a) => a.count('hits', 1)), signal); // an empty partial success is a full success
  json.close();
});

test('gzip compression, custom headers sent and never printed', async () => {
  const secret = 'api-key-s3cr3t-value';
  receiver.answer({ status: 401 });
  const sk = sink(endpoint(), { compression: 'gzip', headers: { 'x-api-key': secret } });
  const error = await sk.deliver(snapshot((a) => a.count('hits', 1)), signal).catch((e: Error) => e);
  await sk.deliver(snapshot((a) => a.count('hits', 1)), signal);
  sk.close();
  assert.ok(error instanceof Error);
  assert.ok(!String(error.message + error.stack).includes(secret));
  const last = receiver.received.at(-1)!;
  assert.equal(last.headers['content-encoding'], 'gzip');
  assert.equal(last.headers['x-api-key'], secret);
  assert.equal(last.raw[0], 0x1f, 'gzip magic');
  assert.equal(metrics(last).get('hits')!['sum'].dataPoints[0].asDouble, 2);
});

test('bad options are refused early with a clear message that never quotes header values', () => {
  assert.throws(() => sink(endpoint(), { protocol: 'grpc' as never }), (err: unknown) => err instanceof InvalidOption && /otlp\.protocol/.test(err.message));
  assert.throws(() => sink(endpoint(), { temporality: 'sometimes' as never }), /otlp\.temporality/);
  assert.throws(() => sink(endpoint(), { compression: 'br' as never }), /otlp\.compression/);
  assert.throws(() => sink(endpoint(), { timerBuckets: [5, 1] }), /increasing order/);
  assert.throws(() => sink(endpoint(), { headers: { key: 42 as never } }), (err: unknown) => err instanceof InvalidOption && !err.message.includes('42'));
});

test('regression: CPU user and system time are two points of one process.cpu.time metric, not two metrics of the same name', async () => {
  const sk = sink(endpoint());
  await sk.deliver(snapshot((a) => { a.count('node.cpu.user.us', 3_000_000); a.count('node.cpu.system.us', 1_000_000); }), signal);
  sk.close();
  const list = (receiver.received[0]!.request.resourceMetrics[0] as Json)['scopeMetrics'][0].metrics as Json[];
  const cpu = list.filter((m) => m['name'] === 'process.cpu.time');
  assert.equal(cpu.length, 1);
  const byMode = Object.fromEntries(cpu[0]!['sum'].dataPoints.map((p: Json) => [attrs(p)['cpu.mode'], p.asDouble]));
  assert.deepEqual(byMode, { user: 3, system: 1 });
});

test('a timer sampled past its cap still sends bucket counts that add up to its exact count, with custom buckets', async () => {
  const aggregator = new Aggregator({ maxTimerValues: 10, now: () => clock });
  for (let i = 0; i < 1000; i++) aggregator.timing('fetch.ms', i % 2 === 0 ? 1 : 100);
  clock += 10_000;
  const sk = sink(endpoint(), { timerBuckets: [10, 50] });
  await sk.deliver(aggregator.swap(), signal);
  sk.close();
  const point = metrics(receiver.received[0]!).get('fetch.ms')!['histogram'].dataPoints[0];
  assert.deepEqual(point.explicitBounds, [10, 50]);
  assert.equal(point.count, 1000);
  assert.equal(point.bucketCounts.reduce((a: number, b: number) => a + b, 0), 1000);
  assert.equal(point.bucketCounts[1], 0);
  assert.equal(point.sum, 500 * 1 + 500 * 100);
  assert.equal(point.min, 1);
  assert.equal(point.max, 100);
});

test('an empty snapshot sends no request', async () => {
  const sk = sink(endpoint());
  await sk.deliver(snapshot(() => undefined), signal);
  sk.close();
  assert.equal(receiver.received.length, 0);
});

test('a refused connection fails the delivery as DeliveryFailed (data kept), not as a settled refusal', async () => {
  const { refusedPort } = await import('./helpers/ports.js');
  const port = await refusedPort();
  const sk = new OtlpSink(new URL(`otlp+http://127.0.0.1:${port}/v1/metrics`), { timeout: 300, percentiles: [] });
  await assert.rejects(sk.deliver(snapshot((a) => a.count('hits', 1)), signal), (err: unknown) => err instanceof DeliveryFailed && !(err instanceof OtlpExportRejected) && /ECONNREFUSED/.test(err.message));
  sk.close();
});

/** A snapshot whose series record whether anything read them (building an export does). */
function watched(fill: (a: Aggregator) => void): { snapshot: Snapshot; read: () => boolean } {
  const s = snapshot(fill);
  let read = false;
  const watch = <V>(map: ReadonlyMap<string, V>): ReadonlyMap<string, V> => new Proxy(map as Map<string, V>, {
    get(target, key) {
      if (key !== 'size') read = true;
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { snapshot: { ...s, counters: watch(s.counters), gauges: watch(s.gauges), timers: watch(s.timers), sets: watch(s.sets) }, read: () => read };
}

test('regression: a refused collector costs the attempt only, not the export built and encoded for nothing (a short job paid ~2.7 ms at exit)', async () => {
  const { refusedPort } = await import('./helpers/ports.js');
  const port = await refusedPort();
  const refused = watched((a) => a.count('hits', 1));
  const sk = new OtlpSink(new URL(`otlp+http://127.0.0.1:${port}/v1/metrics`), { timeout: 300, percentiles: [] });
  await assert.rejects(sk.deliver(refused.snapshot, signal), (err: unknown) => err instanceof DeliveryFailed && /ECONNREFUSED/.test(err.message));
  sk.close();
  assert.equal(refused.read(), false, 'no series read: nothing was built');
  // Reachable: built on the connection it opened, and sent once.
  const reached = watched((a) => a.count('hits', 1));
  const live = sink(endpoint());
  await live.deliver(reached.snapshot, signal);
  live.close();
  assert.equal(reached.read(), true);
  assert.equal(receiver.received.length, 1);
  assert.equal(metrics(receiver.received[0]!).get('hits')!['sum'].dataPoints[0].asDouble, 1);
});
