import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, test } from 'node:test';
import { Aggregator, listen, parseStatsdLine, processAggregator, prometheusText, report, stopPrometheus } from 'hmetrics';
import { CarryOver } from '../src/metrics/carry-over.js';
import { RefusedMetric } from '../src/metrics/names.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { parseExposition, valueOf } from './helpers/exposition.js';
import { until } from './helpers/wait.js';

// Numbers stay finite in every store and every sink: a value or a sum that would become
// infinite or NaN is refused and counted in hmetrics.dropped.non_finite (docs/telemetry.md, "Refusals and finite numbers").

after(() => { stopPrometheus(); processAggregator.swap(); });

test('regression: statsd lines whose value would be infinite once scaled are malformed', () => {
  assert.equal(parseStatsdLine('x:1|c|@1e-320'), undefined);
  assert.equal(parseStatsdLine('x:1|ms|@1e-320'), undefined);
  assert.equal(parseStatsdLine('x:1e999|g'), undefined);
  assert.deepEqual(parseStatsdLine('x:1e308|c')?.values, [1e308], 'a large finite value is fine');
  assert.equal(parseStatsdLine('x:5|c|@0.5')?.sampleRate, 0.5);
});

test('regression: x:1e308|c twice over UDP: Prometheus never serves +Inf, the Heroku payload keeps the series, the refusal is counted', async () => {
  await prometheusText(); // the pushed store taps the aggregator from now on
  processAggregator.swap();
  const endpoint = await HerokuEndpoint.start();
  const receiver = await listen({ port: 0, host: '127.0.0.1' });
  const controller = new AbortController();
  const loop = report(controller.signal, endpoint.url(), null, { interval: 60_000, runtime: false });
  const socket = createSocket('udp4');
  try {
    const { port } = receiver.address()!;
    for (const line of ['big.total:1e308|c', 'big.total:1e308|c', 'tiny.rate:1|c|@1e-320']) {
      await new Promise<void>((resolve, reject) => socket.send(line, port, '127.0.0.1', (error) => (error ? reject(error) : resolve())));
    }
    await until(() => receiver.stats.packets === 3, 10_000, 'three packets');
    // The receiver writes its lines into the aggregator as the interval ends: the final delivery.
    controller.abort();
    await loop;
    const exposition = await prometheusText();
    assert.doesNotMatch(exposition, /\+Inf\n/, 'no sample is +Inf');
    assert.equal(valueOf(parseExposition(exposition), 'big_total', {}), 1e308);
    const counters = endpoint.payloads.at(-1)!.body.counters;
    assert.equal(counters['big.total'], 1e308, `the series is kept: ${JSON.stringify(counters)}`);
    // The second 1e308, and (within the first second) its rate gauge 1e308 / seconds.
    assert.ok((counters[RefusedMetric.nonFinite] ?? 0) >= 1, `the second 1e308 was refused and counted: ${JSON.stringify(counters)}`);
    assert.equal(counters['tiny.rate'], undefined);
  } finally {
    socket.close();
    controller.abort();
    await loop.catch(() => undefined);
    await receiver.close();
    await endpoint.close();
  }
});

test('regression: a carry-over merge that would overflow keeps the held value and counts the refusal', () => {
  const carry = new CarryOver(new Aggregator().limits);
  for (let i = 0; i < 2; i++) {
    const aggregator = new Aggregator();
    aggregator.count('c', 1e308);
    aggregator.timing('t', 1e154);
    carry.add(aggregator.swap());
  }
  const taken = carry.take();
  assert.equal(taken.counters.get('c')?.value, 1e308);
  const timer = taken.timers.get('t')!;
  assert.ok([timer.sum, timer.sumSquares, timer.count].every(Number.isFinite), JSON.stringify(timer));
  assert.equal(taken.counters.get(RefusedMetric.nonFinite)?.value, 2);
});

test('the telemetry buffer projects a huge list value into a timer without a non-finite sum', async () => {
  const { append, reset } = await import('hmetrics');
  processAggregator.swap();
  append('huge.list', 1e200); // its square is Infinity: refused as a timing, kept in the buffer
  const snapshot = processAggregator.swap();
  reset();
  assert.equal(snapshot.timers.get('huge.list'), undefined);
  assert.equal(snapshot.counters.get(RefusedMetric.nonFinite)?.value, 1);
});
