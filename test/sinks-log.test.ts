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
  assert.equal(line, 'count#node.gc.collections=3 sample#node.eventloop.delay.ms.max=12.345679 source=web.1');
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
