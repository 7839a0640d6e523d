import assert from 'node:assert/strict';
import { test } from 'node:test';
import { History } from '../src/cli/live/history.js';

const payload = (gauges: Record<string, number>, counters: Record<string, number> = {}) => ({ counters, gauges });

test('the history keeps the last hour of each app and drops older points, never the newest', () => {
  const history = new History();
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let minute = 0; minute <= 90; minute++) history.add('web', start + minute * 60_000, payload({ g: minute }));
  const kept = history.snapshot().apps['web']!.payloads;
  assert.equal(kept.length, 61, 'minutes 30 to 90 inclusive');
  assert.equal(kept[0]!.gauges['g'], 30);
  assert.equal(kept.at(-1)!.gauges['g'], 90);
  assert.equal(history.valueCount, 61);
});

test('apps are kept apart, and a new app past maxApps evicts the one that posted least recently', () => {
  const history = new History({ maxApps: 2 });
  history.add('a', 1, payload({ g: 1 }));
  history.add('b', 2, payload({ g: 2 }));
  assert.equal(history.add('a', 3, payload({ g: 3 })).evicted, false);
  assert.equal(history.add('c', 4, payload({ g: 4 })).evicted, true);
  const apps = history.snapshot().apps;
  assert.deepEqual(Object.keys(apps).sort(), ['a', 'c']);
  assert.deepEqual(apps['a']!.payloads.map((p) => p.gauges['g']), [1, 3]);
  assert.equal(history.valueCount, 3);
});

test('series past maxSeriesPerApp are left out and counted; known series keep flowing', () => {
  const history = new History({ maxSeriesPerApp: 2 });
  history.add('web', 1, payload({ a: 1, b: 2 }));
  const { stored, ignoredSeries } = history.add('web', 2, payload({ a: 3, c: 4 }, { d: 5 }));
  assert.deepEqual({ ...stored.gauges }, { a: 3 });
  assert.deepEqual({ ...stored.counters }, {});
  assert.equal(ignoredSeries, 2);
  assert.equal(history.snapshot().apps['web']!.ignoredSeries, 2);
});

test('total values stay under maxValues by dropping the oldest payloads across apps', () => {
  const history = new History({ maxValues: 10 });
  for (let t = 0; t < 5; t++) history.add('a', t, payload({ x: t, y: t }));
  for (let t = 5; t < 8; t++) history.add('b', t, payload({ x: t, y: t }));
  assert.ok(history.valueCount <= 10);
  const apps = history.snapshot().apps;
  assert.deepEqual(apps['a']!.payloads.map((p) => p.time), [3, 4]);
  assert.deepEqual(apps['b']!.payloads.map((p) => p.time), [5, 6, 7]);
});

test('a late payload (a retry, a skewed clock) is placed in time order', () => {
  const history = new History();
  history.add('web', 10, payload({ g: 1 }));
  history.add('web', 30, payload({ g: 3 }));
  history.add('web', 20, payload({ g: 2 }));
  assert.deepEqual(history.snapshot().apps['web']!.payloads.map((p) => p.gauges['g']), [1, 2, 3]);
});

test('names such as __proto__ are ordinary series', () => {
  const history = new History();
  const { stored } = history.add('web', 1, { counters: JSON.parse('{"__proto__": 7}'), gauges: {} });
  assert.equal(Object.getOwnPropertyDescriptor(stored.counters, '__proto__')?.value, 7);
});
