import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Aggregator } from 'hmetrics';
import { TelemetryBuffer } from '../src/telemetry/buffer.js';

// appendUnique's projection: each distinct value of an interval is a member of the set `key`.
test('appendUnique values become members of the set key, per interval; reset() mid-interval keeps them', () => {
  const aggregator = new Aggregator();
  const buffer = new TelemetryBuffer(aggregator);
  buffer.appendUnique('client', 'curl');
  buffer.appendUnique('client', 'firefox');
  buffer.appendUnique('client', 'curl');
  buffer.reset(); // what was recorded still counts in this interval
  buffer.appendUnique('client', 'curl');
  buffer.appendUnique('client', 42);
  buffer.appendUnique('client', null);
  const first = aggregator.swap();
  assert.deepEqual([...first.sets.get('client')!.values].sort(), ['42', 'curl', 'firefox', 'null']);
  assert.equal(first.gauges.get('client.unique'), undefined, 'no per-process gauge: the sinks derive it');

  buffer.appendUnique('client', 'curl');
  const second = aggregator.swap();
  assert.deepEqual([...second.sets.get('client')!.values], ['curl'], 'distinct values of this interval only');
  assert.equal(aggregator.swap().sets.size, 0, 'an interval without values has no set');
});
