import assert from 'node:assert/strict';
import { runNode } from './helpers/child.js';
import { after, before, describe, mock, test } from 'node:test';
import { Aggregator, DeliveryFailed, InvalidEndpoint, parseStatsdLine, report, StatsdSink, type Snapshot } from 'hmetrics';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { until } from './helpers/wait.js';
import { UdpCollector } from './helpers/udp-collector.js';


function snapshotOf(fill: (a: Aggregator) => void): Snapshot {
  const aggregator = new Aggregator();
  fill(aggregator);
  return aggregator.swap();
}

describe('statsd sink encoding', () => {
  let collector: UdpCollector;
  before(async () => { collector = await UdpCollector.start(); });
  after(() => collector.close());

  test('counters, gauges (a negative one reset first, same datagram), timers, sets; tags last; names sanitised', async () => {
    collector.datagrams.length = 0;
    const sink = new StatsdSink(new URL(`udp://127.0.0.1:${collector.port}`));
    await sink.deliver(snapshotOf((a) => {
      a.count('requests', 3);
      a.count('requests', 1.5, ['code:200', 'region:eu west|1']);
      a.gauge('temperature', -4.5);
      a.gauge('queue depth/now', 12);
      a.timing('latency', 12, ['route:/users']);
      a.timing('latency', 30, ['route:/users']);
      a.setMember('visitors', 'ann');
      a.setMember('visitors', 'bob:1|x');
    }));
    await until(() => collector.datagrams.length >= 1, 5000, 'the datagram');
    sink.close();
    const lines = collector.lines;
    assert.ok(lines.includes('requests:3|c'));
    assert.ok(lines.includes('requests:1.5|c|#code:200,region:eu_west_1'));
    assert.ok(lines.includes('queue_depth_now:12|g'));
    assert.ok(lines.includes('latency:12|ms|#route:/users') && lines.includes('latency:30|ms|#route:/users'));
    assert.ok(lines.includes('visitors:ann|s') && lines.includes('visitors:bob_1_x|s'));
    const negative = collector.datagrams.find((d) => d.includes('temperature:-4.5|g'))!;
    assert.ok(negative.includes('temperature:0|g\ntemperature:-4.5|g'), 'reset immediately before, in the same datagram');
    for (const line of lines) assert.ok(parseStatsdLine(line), `well-formed: ${line}`);
  });

  test('datagrams never exceed the size limit and never split a line; an oversize line is dropped and counted', async () => {
    collector.datagrams.length = 0;
    const sink = new StatsdSink(new URL(`udp://127.0.0.1:${collector.port}?maxDatagramSize=200`));
    await sink.deliver(snapshotOf((a) => {
      for (let i = 0; i < 300; i++) a.count(`series.number.${i}`, i, i % 2 ? ['k:v'] : []);
      for (let i = 0; i < 20; i++) a.gauge(`negative.${i}`, -i - 1);
      a.count('x'.repeat(300), 1);
    }));
    await until(() => collector.lines.length >= 300 + 40 + 1, 5000, 'every line');
    sink.close();
    for (const d of collector.datagrams) assert.ok(Buffer.byteLength(d) <= 200, `${Buffer.byteLength(d)} bytes`);
    const lines = collector.lines;
    assert.equal(lines.length, 300 + 40 + 1);
    for (const line of lines) assert.ok(parseStatsdLine(line), `intact line: ${line}`);
    assert.ok(lines.includes('hmetrics.statsd.sink.dropped_lines:1|c'));
    assert.ok(collector.datagrams.length > 20, 'split over many datagrams');
    for (let i = 0; i < 20; i++) assert.ok(collector.datagrams.some((d) => d.includes(`negative.${i}:0|g\nnegative.${i}:${-i - 1}|g`)));
  });

  test('timers past the per-interval cap go as a uniform sample with |@rate, so the server’s count is right', async () => {
    collector.datagrams.length = 0;
    const sink = new StatsdSink(new URL(`udp://127.0.0.1:${collector.port}`), { maxTimerValues: 100 });
    await sink.deliver(snapshotOf((a) => {
      for (let i = 0; i < 5000; i++) a.timing('busy', i % 500);
      for (let i = 0; i < 10; i++) a.timing('client.sampled', 7, [], 0.5);
      a.timing('small', 1);
    }));
    await until(() => collector.lines.length >= 100 + 10 + 1, 5000, 'every timer line');
    sink.close();
    const busy = collector.lines.filter((l) => l.startsWith('busy:')).map((l) => parseStatsdLine(l)!);
    assert.equal(busy.length, 100);
    const count = busy.reduce((sum, l) => sum + 1 / l.sampleRate, 0);
    assert.ok(Math.abs(count - 5000) < 1e-6, `server-side count ${count}`);
    assert.ok(busy.every((l) => l.values[0]! >= 0 && l.values[0]! < 500));
    assert.ok(new Set(busy.map((l) => l.values[0])).size > 30, 'a spread sample, not the first 100 sorted values');
    const sampled = collector.lines.filter((l) => l.startsWith('client.sampled:'));
    assert.equal(sampled.length, 10);
    assert.ok(sampled.every((l) => l === 'client.sampled:7|ms|@0.5'), 'the client’s sampling survives forwarding');
    assert.ok(collector.lines.includes('small:1|ms'));
  });
});

describe('statsd sink addresses', () => {
  test('IPv6 literal endpoints: udp://[::1]:port', async () => {
    const collector = await UdpCollector.start('::1');
    const sink = new StatsdSink(new URL(`udp://[::1]:${collector.port}`));
    assert.equal(sink.label, `udp://[::1]:${collector.port}`);
    await sink.deliver(snapshotOf((a) => a.count('v6', 1)));
    await until(() => collector.datagrams.length === 1, 5000, 'the datagram');
    assert.equal(collector.datagrams[0], 'v6:1|c');
    sink.close();
    collector.close();
  });

  test('a host is looked up off the send path, re-resolved periodically, and a failed lookup keeps the last good address', async () => {
    const v4 = await UdpCollector.start('127.0.0.1');
    const v6 = await UdpCollector.start('::1', v4.port);
    let clock = 0;
    const answers: Array<{ address: string; family: number } | Error> = [
      { address: '127.0.0.1', family: 4 },
      new Error('getaddrinfo EAI_AGAIN statsd.internal'),
      { address: '::1', family: 6 },
    ];
    const lookups: string[] = [];
    const lookup = async (host: string): Promise<{ address: string; family: number }> => {
      lookups.push(host);
      const answer = answers.shift() ?? { address: '::1', family: 6 };
      if (answer instanceof Error) throw answer;
      return answer;
    };
    const sink = new StatsdSink(new URL(`udp://statsd.internal:${v4.port}`), { lookup, resolveInterval: 60_000, now: () => clock });
    assert.deepEqual(lookups, ['statsd.internal'], 'the first lookup starts at construction, before any delivery');

    await sink.deliver(snapshotOf((a) => a.count('one', 1)));
    await until(() => v4.datagrams.length === 1, 5000, 'first datagram');
    clock += 60_000; // stale: this delivery still goes to the last address while a lookup runs (and fails)
    await sink.deliver(snapshotOf((a) => a.count('two', 1)));
    await until(() => v4.datagrams.length === 2, 5000, 'second datagram');
    await until(() => lookups.length === 2, 5000, 'the background re-resolution');
    await new Promise((resolve) => setImmediate(resolve));
    await sink.deliver(snapshotOf((a) => a.count('three', 1)));
    await until(() => v4.datagrams.length === 3, 5000, 'third datagram, after the failed lookup');
    assert.deepEqual(v4.datagrams, ['one:1|c', 'two:1|c', 'three:1|c']);
    // The failed lookup is retried at the next delivery; its answer (a new address) is used from then on.
    await until(() => lookups.length === 3, 5000, 'the retry');
    await new Promise((resolve) => setImmediate(resolve));
    await sink.deliver(snapshotOf((a) => a.count('four', 1)));
    await until(() => v6.datagrams.length === 1, 5000, 'the datagram at the new address');
    assert.deepEqual(v6.datagrams, ['four:1|c']);
    sink.close();
    v4.close();
    v6.close();
  });

  test('no address ever resolved: the delivery rejects with DeliveryFailed (never silent), then recovers', async () => {
    const collector = await UdpCollector.start();
    let fail = true;
    const lookup = async (): Promise<{ address: string; family: number }> => {
      if (fail) throw new Error('getaddrinfo ENOTFOUND nowhere.invalid');
      return { address: '127.0.0.1', family: 4 };
    };
    const sink = new StatsdSink(new URL(`udp://nowhere.invalid:${collector.port}`), { lookup });
    await assert.rejects(sink.deliver(snapshotOf((a) => a.count('lost', 1))), (err: unknown) => {
      assert.ok(err instanceof DeliveryFailed);
      assert.match(err.message, /cannot resolve the host: getaddrinfo ENOTFOUND/);
      assert.equal(err.fatal(), false);
      return true;
    });
    fail = false;
    await sink.deliver(snapshotOf((a) => a.count('found', 1)));
    await until(() => collector.datagrams.length === 1, 5000, 'the datagram');
    assert.equal(collector.datagrams[0], 'found:1|c');
    sink.close();
    collector.close();
  });

  test('a lookup that never answers fails the delivery after lookupTimeout instead of stalling every interval', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const sink = new StatsdSink(new URL('udp://hangs.invalid:8125'), { lookup: () => new Promise(() => {}), lookupTimeout: 5000 });
      const delivery = sink.deliver(snapshotOf((a) => a.count('waiting', 1)));
      mock.timers.tick(5000);
      await assert.rejects(delivery, /cannot resolve the host: lookup of hangs.invalid timed out/);
      sink.close();
    } finally {
      mock.timers.reset();
    }
  });

  test('a send error never throws out of the sink: every datagram failing rejects with DeliveryFailed', async () => {
    // A broadcast address without SO_BROADCAST: the kernel refuses every send (EACCES).
    const sink = new StatsdSink(new URL('udp://255.255.255.255:8125'));
    await assert.rejects(sink.deliver(snapshotOf((a) => a.count('refused', 1))), (err: unknown) => {
      assert.ok(err instanceof DeliveryFailed);
      assert.match(err.message, /send failed/);
      return true;
    });
    sink.close();
    await assert.rejects(sink.deliver(snapshotOf((a) => a.count('x', 1))), /sink closed/);
  });

  test('bad sink settings in the endpoint are InvalidEndpoint', () => {
    assert.throws(() => new StatsdSink(new URL('udp://127.0.0.1:8125?maxDatagramSize=10')), InvalidEndpoint);
    assert.throws(() => new StatsdSink(new URL('udp://127.0.0.1:8125?maxTimerValues=abc')), /Expected `maxTimerValues`/);
  });
});

describe('statsd sink in report() and onload', () => {
  let heroku: HerokuEndpoint;
  let collector: UdpCollector;
  before(async () => {
    heroku = await HerokuEndpoint.start();
    collector = await UdpCollector.start();
  });
  after(async () => {
    await heroku.close();
    collector.close();
  });

  test('udp: beside the Heroku endpoint: each gets the interval in its own format', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    const aggregator = new Aggregator();
    const controller = new AbortController();
    try {
      const run = report(controller.signal, `${heroku.url()} udp://127.0.0.1:${collector.port}`, null, { interval: 1000, runtime: false, aggregator });
      aggregator.count('both.hits', 2, ['via:report']);
      aggregator.timing('both.lat', 5);
      aggregator.gauge('both.level', -1);
      mock.timers.tick(1000);
      await heroku.waitForPayloads(1);
      await until(() => collector.lines.some((l) => l.startsWith('both.level:-1')), 5000, 'statsd lines');
      controller.abort();
      await run;
    } finally {
      mock.timers.reset();
    }
    const body = heroku.payloads[0]!.body;
    assert.equal(body.counters['both.hits.via_report'], 2);
    assert.equal(body.counters['both.lat.count'], 1);
    assert.equal(body.gauges['both.level'], -1);
    const lines = collector.lines;
    assert.ok(lines.includes('both.hits:2|c|#via:report'));
    assert.ok(lines.includes('both.lat:5|ms'));
    assert.ok(lines.includes('both.level:0|g') && lines.includes('both.level:-1|g'));
  });

  test('onload with HMETRICS_URL=udp://… sends the runtime sample as statsd lines', async () => {
    collector.datagrams.length = 0;
    const result = await runNode({
      args: ['--import', 'hmetrics/onload', '-e', 'console.log("ready"); setTimeout(() => {}, 60000)'],
      env: { HMETRICS_URL: `udp://127.0.0.1:${collector.port}`, HMETRICS_INTERVAL: '60000' },
      limitMs: 20_000,
      onStdout: (text, child) => { if (text.includes('ready')) child.kill('SIGTERM'); },
    });
    assert.equal(result.signal, 'SIGTERM');
    await until(() => collector.lines.some((l) => l.startsWith('node.gc.collections:')), 5000, 'runtime lines');
    assert.ok(collector.lines.some((l) => /^node\.eventloop\.delay\.ms\.max:[\d.e+-]+\|g$/.test(l)));
  });
});
