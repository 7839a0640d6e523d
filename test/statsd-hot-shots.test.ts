import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import StatsD from 'hot-shots';
import { Aggregator, InternalMetric, listen, report, type StatsdReceiver } from 'hmetrics';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { until } from './helpers/wait.js';

function closeClient(client: InstanceType<typeof StatsD>): Promise<void> {
  return new Promise((resolve) => client.close(() => resolve()));
}

// A real statsd client (hot-shots) → our receiver → report() → a loopback Heroku endpoint.
describe('hot-shots → receiver → Heroku endpoint', () => {
  let heroku: HerokuEndpoint;
  let receiver: StatsdReceiver;
  const aggregator = new Aggregator();
  before(async () => {
    heroku = await HerokuEndpoint.start();
    receiver = await listen({ port: 0, aggregator });
  });
  after(async () => {
    await receiver.close();
    await heroku.close();
  });

  test('increment, decrement, gauge, timing, histogram, distribution, set, tags and sample rates aggregate to what was sent', async () => {
    const port = receiver.address()!.port;
    const plain = new StatsD({ host: '127.0.0.1', port, maxBufferSize: 0 });
    // A buffering client packs many lines per datagram.
    const buffered = new StatsD({ host: '127.0.0.1', port, maxBufferSize: 300, bufferFlushInterval: 60_000 });
    // hot-shots samples with Math.random() < rate: pinned to 0, every sampled call is sent with |@rate.
    const random = mock.method(Math, 'random', () => 0);
    try {
      for (let i = 0; i < 10; i++) plain.increment('hs.requests');
      for (let i = 0; i < 4; i++) plain.increment('hs.sampled', 5, 0.5);
      for (let i = 0; i < 3; i++) plain.increment('hs.requests', 1, { route: 'home' });
      plain.decrement('hs.balance', 2);
      plain.gauge('hs.temp', -3.5);
      plain.gauge('hs.mem', 100);
      plain.gauge('hs.mem', 80);
      for (const v of [10, 20, 30, 40]) plain.timing('hs.lat', v);
      for (let i = 0; i < 2; i++) plain.timing('hs.slat', 8, 0.25);
      plain.histogram('hs.size', 100);
      plain.histogram('hs.size', 300, ['kind:upload']);
      plain.distribution('hs.dist', 5);
      for (const member of ['ann', 'bob', 'ann']) plain.set('hs.users', member);
      for (let i = 0; i < 20; i++) buffered.increment('hs.buffered', 1, ['env:test']);
    } finally {
      random.mock.restore();
    }
    await closeClient(buffered); // flushes its buffer
    const lines = 10 + 4 + 3 + 1 + 3 + 4 + 2 + 2 + 1 + 3 + 20;
    await until(() => receiver.stats.lines >= lines, 10_000, 'every line at the receiver');
    await closeClient(plain);
    assert.equal(receiver.stats.badLines, 0);

    mock.timers.enable({ apis: ['setTimeout'] });
    const controller = new AbortController();
    try {
      const run = report(controller.signal, heroku.url(), null, { interval: 5_000, runtime: false, aggregator });
      mock.timers.tick(5_000);
      mock.timers.reset();
      await heroku.waitForPayloads(1);
      controller.abort();
      await run;
    } finally {
      mock.timers.reset();
    }

    const { counters, gauges } = heroku.payloads[0]!.body;
    assert.equal(counters['hs.requests'], 10);
    assert.equal(counters['hs.sampled'], 40, '4 × 5 at @0.5');
    assert.equal(counters['hs.requests.route_home'], 3, 'tagged series flatten to name.key_value');
    assert.equal(counters['hs.balance'], -2);
    assert.equal(counters['hs.buffered.env_test'], 20);
    assert.equal(gauges['hs.temp'], -3.5, 'gauges are absolute');
    assert.equal(gauges['hs.mem'], 80, 'last value wins');
    assert.equal(counters['hs.lat.count'], 4);
    assert.equal(gauges['hs.lat.min'], 10);
    assert.equal(gauges['hs.lat.max'], 40);
    assert.equal(gauges['hs.lat.mean'], 25);
    assert.equal(gauges['hs.lat.median'], 25, 'mean of the two middle values');
    assert.equal(gauges['hs.lat.sum'], 100);
    assert.equal(gauges['hs.lat.sum_squares'], 3000);
    assert.ok(Math.abs(gauges['hs.lat.stddev']! - Math.sqrt(125)) < 1e-9);
    assert.equal(gauges['hs.lat.p95'], 40);
    assert.equal(gauges['hs.lat.p99'], 40);
    assert.ok(gauges['hs.lat.count_ps']! > 0);
    assert.equal(counters['hs.slat.count'], 8, '2 timings at @0.25 count as 8');
    assert.equal(counters['hs.size.count'], 1);
    assert.equal(counters['hs.size.kind_upload.count'], 1);
    assert.equal(gauges['hs.size.kind_upload.max'], 300);
    assert.equal(counters['hs.dist.count'], 1);
    assert.equal(gauges['hs.users.unique'], 2, 'set: distinct members, as the gauge name.unique');
    assert.ok(gauges['hs.requests.rate']! > 0 && gauges['hs.sampled.rate']! > gauges['hs.requests.rate']!, 'per-second counter rates');
    assert.equal(counters[InternalMetric.statsdLines], lines);
    assert.equal(counters[InternalMetric.statsdBadLines], 0);
    assert.ok(counters[InternalMetric.statsdPackets]! < lines, 'the buffered client packed lines');
  });
});
