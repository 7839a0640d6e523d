import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Aggregator } from 'hmetrics';
import { LogSink, formatL2met } from '../src/sinks/log.js';
import { flatten } from '../src/sinks/flatten.js';

test('l2met line: count# then sample# then source=$DYNO', () => {
  const agg = new Aggregator();
  agg.count('node.gc.collections', 3);
  agg.gauge('node.eventloop.delay.ms.max', 12.3456789);
  const line = formatL2met(agg.swap(), [50, 95, 99], 'web.1');
  assert.equal(line, 'count#node.gc.collections=3 sample#node.eventloop.delay.ms.max=12.346 source=web.1');
});

test('the log sink writes one line per interval, nothing for an empty one', async () => {
  const lines: string[] = [];
  const sink = new LogSink({ timeout: 1, percentiles: [50] }, (line) => lines.push(line), undefined);
  const agg = new Aggregator();
  await sink.deliver(agg.swap());
  agg.count('x', 1);
  await sink.deliver(agg.swap());
  assert.deepEqual(lines, ['count#x=1\n']);
});

test('hostile names are ordinary keys: __proto__ and constructor survive flattening and JSON', () => {
  const agg = new Aggregator();
  agg.count('__proto__', 1);
  agg.gauge('constructor', 2);
  const flat = flatten(agg.swap(), [50]);
  const json = JSON.parse(JSON.stringify(flat));
  assert.equal(json.counters.__proto__, 1);
  assert.equal(json.gauges.constructor, 2);
  assert.equal(Object.getPrototypeOf({}).polluted, undefined);
});

test('the log line prints values at their measured precision and leaves NaN/Infinity out', () => {
  const agg = new Aggregator();
  agg.gauge('node.eventloop.delay.ms.median', 0.10316699999999912);
  agg.gauge('node.eventloop.usage.percent', 0.1 + 0.2);
  agg.gauge('broken', Number.NaN);
  agg.gauge('endless', Infinity);
  agg.count('bytes', 2 ** 64);
  agg.gauge('tiny', 1e-7);
  const line = formatL2met(agg.swap(), [50], undefined);
  // The aggregator refuses the two non-finite gauges and counts them (docs/telemetry.md).
  assert.equal(line, 'count#bytes=18446744073709551616 count#hmetrics.dropped.non_finite=2 sample#node.eventloop.delay.ms.median=0.1032 '
    + 'sample#node.eventloop.usage.percent=0.3 sample#tiny=0.0000001');
});

test('flatten: a set is the gauge name.unique; non-finite values never reach a payload', () => {
  const agg = new Aggregator();
  agg.setMember('users', 'ann');
  agg.setMember('users', 'bob');
  agg.setMember('users', 'ann');
  agg.gauge('bad', Number.NaN);
  const flat = flatten(agg.swap(), [50]);
  assert.equal(flat.gauges['users.unique'], 2);
  assert.equal('users' in flat.gauges, false);
  assert.equal('bad' in flat.gauges, false);
});
