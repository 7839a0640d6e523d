import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, test } from 'node:test';
import { Aggregator, InternalMetric, listen, parseStatsdLine, StatsdReceiver } from 'hmetrics';
import { until } from './helpers/wait.js';
import { Prng } from './helpers/prng.js';

type Expected = { kind: string; values?: number[]; members?: string[]; sampleRate?: number; tags?: string[]; name?: string };

// gostatsd's grammar: every row is a line and what the parser must make of it (undefined = bad line).
const VALID: Array<[string, Expected]> = [
  ['a:1|c', { kind: 'c', values: [1], sampleRate: 1, tags: [] }],
  ['a:1.5|c', { kind: 'c', values: [1.5] }],
  ['a:-2|c', { kind: 'c', values: [-2] }],
  ['a:1|c|@0.1', { kind: 'c', values: [1], sampleRate: 0.1 }],
  ['a:1|c|@1', { kind: 'c', values: [1], sampleRate: 1 }],
  ['a:1|c|#env:prod,canary', { kind: 'c', tags: ['env:prod', 'canary'] }],
  ['a:1|c|#env:prod|@0.5', { kind: 'c', sampleRate: 0.5, tags: ['env:prod'] }],
  ['a:1|c|@0.5|#env:prod', { kind: 'c', sampleRate: 0.5, tags: ['env:prod'] }],
  ['a:1|c|T1656581400', { kind: 'c', values: [1], sampleRate: 1 }],
  ['a:1|c|c:83c0a99c0a54c0c187f461c7980e9b57f3f6a8b0c918c8d93df19a9de6f3fe1d|#x', { kind: 'c', tags: ['x'] }],
  ['a:1|c|', { kind: 'c', values: [1] }],
  ['a:1|c|#', { kind: 'c', tags: [] }],
  ['a:1|c|#,x,', { kind: 'c', tags: ['x'] }],
  ['a:1|c\r', { kind: 'c', values: [1] }],
  ['a:+5|g', { kind: 'g', values: [5] }],
  ['a:-5|g', { kind: 'g', values: [-5] }],
  ['a:0|g|@0.5', { kind: 'g', values: [0], sampleRate: 0.5 }],
  ['a:1:2:3|ms', { kind: 'ms', values: [1, 2, 3] }],
  ['a:12|h', { kind: 'ms', values: [12] }],
  ['a:12|d', { kind: 'ms', values: [12] }],
  ['a:1e3|ms', { kind: 'ms', values: [1000] }],
  ['a:.5|ms', { kind: 'ms', values: [0.5] }],
  ['a:5.|ms', { kind: 'ms', values: [5] }],
  ['u:alice|s', { kind: 's', members: ['alice'] }],
  ['u:alice:bob|s|#team:a', { kind: 's', members: ['alice', 'bob'], tags: ['team:a'] }],
  ['u:42|s', { kind: 's', members: ['42'] }],
  ['a.b-c_d:1|c', { kind: 'c', name: 'a.b-c_d' }],
  ['név with space/ü:1|c', { kind: 'c', name: 'név with space/ü' }],
];

const INVALID = [
  'a', 'a:1', 'a|c', ':1|c', 'a:|c', 'a:1|', 'a:1|x', 'a:1|cc', 'a:1|MS', 'a:1|msx', 'a:abc|c', 'a:1|c|@0', 'a:1|c|@1.5',
  'a:1|c|@-0.5', 'a:1|c|@abc', 'a:1|c|@', 'a:NaN|g', 'a:Infinity|g', 'a:0x10|c', 'a:1e999|g', 'a:1::2|ms', 'a:1 |c',
  'a: 1|c', 'u:|s', 'a:1:|ms', 'a:1,2|ms', '|c', ':|', 'a:1:x|ms',
];

describe('statsd grammar', () => {
  for (const [line, expected] of VALID) {
    test(`accepts ${JSON.stringify(line)}`, () => {
      const parsed = parseStatsdLine(line);
      assert.ok(parsed, 'parsed');
      assert.equal(parsed.kind, expected.kind);
      assert.equal(parsed.name, expected.name ?? line.slice(0, line.indexOf(':')));
      if (expected.values) assert.deepEqual(parsed.values, expected.values);
      if (expected.members) assert.deepEqual(parsed.members, expected.members);
      if (expected.sampleRate !== undefined) assert.equal(parsed.sampleRate, expected.sampleRate);
      if (expected.tags) assert.deepEqual(parsed.tags, expected.tags);
    });
  }
  for (const line of INVALID) {
    test(`rejects ${JSON.stringify(line)}`, () => {
      assert.equal(parseStatsdLine(line), undefined);
    });
  }

  test('a bad line is counted and never stops the rest of the datagram; \\r\\n and empty lines tolerated', () => {
    const aggregator = new Aggregator();
    const receiver = new StatsdReceiver({ aggregator });
    receiver.ingest(Buffer.from('ok.a:1|c\r\nbroken\n\nok.b:2|c|@0.5\r\nok.c:1:2|ms\nalso:bad|zz\nok.d:-3|g\n'));
    assert.deepEqual(receiver.stats, { packets: 1, lines: 6, badLines: 2, droppedSeries: 0 });
    const snapshot = aggregator.swap();
    assert.equal(snapshot.counters.get('ok.a')?.value, 1);
    assert.equal(snapshot.counters.get('ok.b')?.value, 4);
    assert.deepEqual(snapshot.timers.get('ok.c')?.values, [1, 2]);
    assert.equal(snapshot.gauges.get('ok.d')?.value, -3, 'gauges are absolute: a sign is part of the value');
    assert.equal(snapshot.counters.get(InternalMetric.statsdPackets)?.value, 1);
    assert.equal(snapshot.counters.get(InternalMetric.statsdLines)?.value, 6);
    assert.equal(snapshot.counters.get(InternalMetric.statsdBadLines)?.value, 2);
    void receiver.close();
  });
});

/** The suite's seeded generator (helpers/prng.ts), so a failing fuzz case can be replayed. */
function prng(seed: number): () => number {
  const generator = new Prng(seed);
  return () => generator.next();
}

const ALPHABET = 'ab.:|@#,c g ms h s d 1 2 -+.e5\n\r\n:|#k:v,@0.5|ms|c|g|s';

/** Random datagrams: raw bytes, grammar-shaped noise, and mutated valid lines. */
function randomDatagram(random: () => number): Buffer {
  const mode = random();
  const length = Math.floor(random() * 200);
  if (mode < 0.34) {
    const bytes = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
    return bytes;
  }
  if (mode < 0.67) {
    let text = '';
    for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(random() * ALPHABET.length)];
    return Buffer.from(text);
  }
  const lines: string[] = [];
  for (let i = 0; i < 1 + Math.floor(random() * 5); i++) {
    const valid = VALID[Math.floor(random() * VALID.length)]![0].replace('\r', '');
    const chars = [...valid];
    if (random() < 0.5) chars[Math.floor(random() * chars.length)] = ALPHABET[Math.floor(random() * ALPHABET.length)]!;
    lines.push(chars.join(''));
  }
  return Buffer.from(lines.join(random() < 0.5 ? '\n' : '\r\n'));
}

/** Non-empty lines of a datagram as the receiver must count them (split on \n, one trailing \r dropped). */
function expectedLines(datagram: Buffer): number {
  return datagram.toString('utf8').split('\n').filter((line) => line.replace(/\r$/, '').length > 0).length;
}

describe('statsd fuzz', () => {
  test('100 000 random datagrams in process: no throw, every packet and line counted, series bounded', () => {
    const random = prng(0x5eed);
    const aggregator = new Aggregator({ maxSeries: 50_000 });
    const receiver = new StatsdReceiver({ aggregator, maxSeries: 500 });
    let lines = 0;
    let parsedOk = 0;
    for (let i = 0; i < 100_000; i++) {
      const datagram = randomDatagram(random);
      lines += expectedLines(datagram);
      for (const line of datagram.toString('utf8').split('\n')) {
        // parseStatsdLine drops one trailing \r itself, as the receiver does.
        if (line.replace(/\r$/, '').length > 0 && parseStatsdLine(line)) parsedOk++;
      }
      receiver.ingest(datagram);
      if (i % 20_000 === 19_999) assert.ok(aggregator.swap().counters.size <= 500 + 4);
    }
    const stats = receiver.stats;
    assert.equal(stats.packets, 100_000);
    assert.equal(stats.lines, lines);
    assert.equal(stats.lines - stats.badLines, parsedOk, 'the receiver and the line parser agree on every line');
    assert.ok(stats.badLines > 10_000 && parsedOk > 10_000, `both outcomes exercised (bad ${stats.badLines}, ok ${parsedOk})`);
    void receiver.close();
  });

  test('random datagrams over real UDP: the receiver survives and counts every packet', async () => {
    const random = prng(42);
    const aggregator = new Aggregator();
    const receiver = await listen({ port: 0, aggregator });
    const client = createSocket('udp4');
    try {
      const { port } = receiver.address()!;
      let lines = 0;
      const count = 300;
      for (let i = 0; i < count; i++) {
        const datagram = randomDatagram(random);
        lines += expectedLines(datagram);
        await new Promise<void>((resolve, reject) => client.send(datagram, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
      }
      await until(() => receiver.stats.packets >= count, 10_000, 'all packets');
      assert.equal(receiver.stats.packets, count);
      assert.equal(receiver.stats.lines, lines);
      // Still healthy: a well-formed line after the noise lands.
      client.send('after.noise:7|c', port, '127.0.0.1');
      await until(() => receiver.stats.packets >= count + 1, 10_000, 'the last packet');
      assert.equal(aggregator.swap().counters.get('after.noise')?.value, 7);
    } finally {
      client.close();
      await receiver.close();
    }
  });
});
