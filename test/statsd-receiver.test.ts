import assert from 'node:assert/strict';
import { runNode } from './helpers/child.js';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { Aggregator, InternalMetric, InvalidOption, listen, StatsdReceiver, StatsdReceiverMetric, envStatsdReceiver } from 'hmetrics';
import { tryListenAddress as parseListenAddress } from '../src/config/listen-address.js';
import { startStatsdFromEnv } from '../src/statsd/from-env.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { until } from './helpers/wait.js';

function sendTo(socket: Socket, text: string, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => socket.send(text, port, host, (err) => (err ? reject(err) : resolve())));
}

describe('statsd receiver over UDP', () => {
  for (const [family, host] of [['IPv4', '127.0.0.1'], ['IPv6', '::1']] as const) {
    test(`${family}: lines from several datagrams land in the aggregator`, async () => {
      const aggregator = new Aggregator();
      const receiver = await listen({ port: 0, host, aggregator });
      const client = createSocket(family === 'IPv4' ? 'udp4' : 'udp6');
      try {
        const address = receiver.address()!;
        assert.equal(address.address, host);
        await sendTo(client, 'hits:1|c\nhits:2|c|@0.5\nqueue:-4|g\nqueue:9|g', address.port, host);
        await sendTo(client, 'lat:10:20:30|ms|#route:a\nlat:40|h|#route:a\nusers:ann:bob|s\nusers:ann|s', address.port, host);
        await until(() => receiver.stats.packets === 2, 10_000, 'two packets');
        const snapshot = aggregator.swap();
        assert.equal(snapshot.counters.get('hits')?.value, 5);
        assert.equal(snapshot.gauges.get('queue')?.value, 9);
        const timer = snapshot.timers.get('lat|#route:a');
        assert.deepEqual(timer?.values, [10, 20, 30, 40]);
        assert.equal(timer?.count, 4);
        assert.equal(snapshot.sets.get('users')?.values.size, 2);
        assert.equal(snapshot.counters.get(InternalMetric.statsdPackets)?.value, 2);
        assert.equal(snapshot.counters.get(InternalMetric.statsdLines)?.value, 8);
        assert.equal(snapshot.counters.get(InternalMetric.statsdBadLines)?.value, 0);
      } finally {
        client.close();
        await receiver.close();
      }
    });
  }

  test('close() is clean and idempotent; what was received stays for the next delivery', async () => {
    const aggregator = new Aggregator();
    const receiver = await listen({ port: 0, aggregator });
    const client = createSocket('udp4');
    const { port } = receiver.address()!;
    await sendTo(client, 'before.close:3|c', port, '127.0.0.1');
    await until(() => receiver.stats.packets === 1, 10_000, 'the packet');
    await receiver.close();
    await receiver.close();
    assert.equal(receiver.address(), undefined);
    // The port is free again: a new receiver can take it.
    const again = await listen({ port, aggregator: new Aggregator() });
    await again.close();
    client.close();
    const snapshot = aggregator.swap();
    assert.equal(snapshot.counters.get('before.close')?.value, 3);
    assert.equal(snapshot.counters.get(InternalMetric.statsdPackets)?.value, 1);
    // Unregistered: later intervals carry nothing from the closed receiver.
    assert.equal(aggregator.swap().counters.size, 0);
  });

  test('bad options reject with InvalidOption; a taken port rejects with the socket error', async () => {
    await assert.rejects(listen({ port: -1 }), InvalidOption);
    await assert.rejects(listen({ port: 70_000 }), /Expected `port` to be an integer from 0 to 65535, got 70000/);
    await assert.rejects(listen({ port: 0, maxSeries: 0 }), /Expected `maxSeries` to be a positive integer, got 0/);
    const first = await listen({ port: 0, aggregator: new Aggregator() });
    try {
      await assert.rejects(listen({ port: first.address()!.port, aggregator: new Aggregator() }), /EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});

describe('statsd receiver limits and rates', () => {
  test('100 000 distinct names: the series cap holds and the overflow is counted', () => {
    const aggregator = new Aggregator({ maxSeries: 30_000 });
    const receiver = new StatsdReceiver({ aggregator });
    for (let i = 0; i < 100_000; i += 50) {
      let datagram = '';
      for (let j = i; j < i + 50; j++) datagram += `name.${j}:1|c\n`;
      receiver.ingest(datagram);
    }
    const snapshot = aggregator.swap();
    const received = [...snapshot.counters.keys()].filter((key) => key.startsWith('name.'));
    assert.equal(received.length, 10_000, 'default receiver cap: 10 000 series per interval');
    assert.equal(snapshot.counters.get(StatsdReceiverMetric.droppedSeries)?.value, 90_000);
    assert.equal(snapshot.counters.get(InternalMetric.statsdLines)?.value, 100_000);
    assert.equal(snapshot.gauges.size, 10_000, 'one rate gauge per received counter');
    void receiver.close();
  });

  test('the cap is configurable, and the shared aggregator cap still applies (counted in hmetrics.dropped.series)', () => {
    const aggregator = new Aggregator({ maxSeries: 100 });
    const receiver = new StatsdReceiver({ aggregator, maxSeries: 150, counterRates: false });
    for (let j = 0; j < 200; j++) receiver.ingest(`n${j}:1|g`);
    const snapshot = aggregator.swap();
    // The receiver's four own counters are reserved before the first line, so they always fit.
    assert.equal(snapshot.gauges.size, 96);
    assert.equal(snapshot.counters.get(StatsdReceiverMetric.droppedSeries)?.value, 50, 'past the receiver cap');
    assert.equal(snapshot.counters.get(InternalMetric.droppedSeries)?.value, 150 - 96, 'past the aggregator cap');
    assert.equal(snapshot.counters.get(InternalMetric.statsdLines)?.value, 200);
    // Next interval: room again.
    receiver.ingest('fresh:1|g');
    assert.equal(aggregator.swap().gauges.get('fresh')?.value, 1);
    void receiver.close();
  });

  test('counters get a per-second `.rate` gauge over the interval; tags kept; off with counterRates: false', () => {
    let clock = 1_000_000;
    const now = (): number => clock;
    const aggregator = new Aggregator({ now });
    const receiver = new StatsdReceiver({ aggregator, now });
    receiver.ingest('req:4|c|#code:200\nreq:1|c|@0.25|#code:200\nreq:3|c');
    clock += 2_000;
    const snapshot = aggregator.swap();
    assert.equal(snapshot.counters.get('req|#code:200')?.value, 8);
    assert.equal(snapshot.gauges.get('req.rate|#code:200')?.value, 4);
    assert.equal(snapshot.gauges.get('req.rate')?.value, 1.5);
    assert.equal(snapshot.gauges.size, 2, 'no rate for anything but received counters');
    void receiver.close();

    const plain = new Aggregator({ now });
    const quiet = new StatsdReceiver({ aggregator: plain, now, counterRates: false });
    quiet.ingest('req:4|c');
    clock += 1_000;
    assert.equal(plain.swap().gauges.size, 0);
    void quiet.close();
  });
});

describe('HMETRICS_STATSD_LISTEN', () => {
  test('port, host:port and [v6]:port parsing (the one listen-address rule; a bare port means 127.0.0.1 here)', () => {
    assert.deepEqual(parseListenAddress('8125'), { port: 8125 });
    assert.deepEqual(parseListenAddress(' 0.0.0.0:9125 '), { host: '0.0.0.0', port: 9125 });
    assert.deepEqual(parseListenAddress('[::1]:8125'), { host: '::1', port: 8125 });
    assert.equal(parseListenAddress('::1:8125'), undefined, 'an unbracketed IPv6 host is refused: write [::1]:8125');
    assert.deepEqual(parseListenAddress('localhost:0'), { host: 'localhost', port: 0 });
    for (const bad of ['', 'abc', ':8125', '[::1]', '[::1]8125', '8125x', '99999', 'host:', '-1']) {
      assert.equal(parseListenAddress(bad), undefined, bad);
    }
  });

  test('bad values never throw and start nothing; a good one starts the receiver once', async () => {
    for (const value of ['nonsense', '70000', '127.0.0.1:']) {
      assert.doesNotThrow(() => startStatsdFromEnv({ HMETRICS_STATSD_LISTEN: value }));
    }
    assert.doesNotThrow(() => startStatsdFromEnv({ HMETRICS_STATSD_LISTEN: '0', HMETRICS_STATSD_MAX_SERIES: 'lots' }));
    assert.equal(await envStatsdReceiver(), undefined);
    startStatsdFromEnv({ HMETRICS_STATSD_LISTEN: '127.0.0.1:0' });
    startStatsdFromEnv({ HMETRICS_STATSD_LISTEN: '127.0.0.1:0' });
    const receiver = await envStatsdReceiver();
    assert.ok(receiver);
    assert.equal(receiver.address()?.address, '127.0.0.1');
    await receiver.close();
  });
});

describe('onload with HMETRICS_STATSD_LISTEN', () => {
  let heroku: HerokuEndpoint;
  before(async () => { heroku = await HerokuEndpoint.start(); });
  after(async () => { await heroku.close(); });

  test('a statsd client on the host reaches the Heroku endpoint through onload; the socket never holds the process', async () => {
    // The child sends to its own receiver, then is signalled: onload's flush delivers the partial interval.
    const script = `
      import { createSocket } from 'node:dgram';
      import { envStatsdReceiver } from 'hmetrics';
      const receiver = await envStatsdReceiver();
      const client = createSocket('udp4');
      const { port } = receiver.address();
      client.send('onload.hits:5|c\\nonload.depth:-2|g\\nonload.lat:7|ms', port, '127.0.0.1', () => client.close());
      const wait = () => receiver.stats.lines >= 3 ? console.log('ready') : setTimeout(wait, 5);
      wait();
      setInterval(() => {}, 1000);
    `;
    const result = await runNode({
      args: ['--import', 'hmetrics/onload', '--input-type=module', '-e', script],
      env: { HMETRICS_URL: heroku.url(), HMETRICS_STATSD_LISTEN: '127.0.0.1:0', HMETRICS_INTERVAL: '60000' },
      limitMs: 20_000,
      onStdout: (text, child) => { if (text.includes('ready')) child.kill('SIGTERM'); },
    });
    assert.equal(result.killedByTest, false, 'the child received its lines');
    assert.equal(result.signal, 'SIGTERM', 'the signal still ends the process');
    await heroku.waitForPayloads(1);
    const body = heroku.payloads.at(-1)!.body;
    assert.equal(body.counters['onload.hits'], 5);
    assert.equal(body.gauges['onload.depth'], -2);
    assert.equal(body.counters['onload.lat.count'], 1);
    assert.equal(body.gauges['onload.lat.max'], 7);
    assert.equal(body.counters[InternalMetric.statsdLines], 3);
    assert.equal(typeof body.gauges['onload.hits.rate'], 'number');

    // Listening alone never keeps a process alive.
    const idle = await runNode({
      args: ['--import', 'hmetrics/onload', '-e', 'setTimeout(() => {}, 50)'],
      env: { HMETRICS_STATSD_LISTEN: '127.0.0.1:0' },
    });
    assert.equal(idle.killedByTest, false);
    const code = idle.code;
    assert.equal(code, 0);
  });
});
