import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Aggregator } from '../src/metrics/aggregator.js';
import { CarryOver } from '../src/metrics/carry-over.js';
import { carryOver } from './helpers/carry.js';
import { InternalMetric } from '../src/metrics/names.js';
import { summarizeTimer } from '../src/metrics/timer-stats.js';

test('carryOver adds counters, merges timers and sets, prefers newer gauges, and stays bounded (held series keep their place)', () => {
  const a = new Aggregator();
  a.count('c', 2); a.gauge('g', 1); a.gauge('old.only', 9); a.timing('t', 1); a.setMember('s', 'x');
  const older = a.swap();
  a.count('c', 3); a.gauge('g', 2); a.timing('t', 3); a.setMember('s', 'y');
  for (let i = 0; i < 50; i++) a.count(`extra.${i}`, 1);
  const newer = a.swap();
  const merged = carryOver(older, newer, { maxSeries: 30, maxTimerValues: 10, maxSetValues: 100 });
  assert.equal(merged.counters.get('c')!.value, 5);
  assert.equal(merged.gauges.get('g')!.value, 2);
  assert.equal(merged.timers.get('t')!.count, 2);
  assert.equal(merged.timers.get('t')!.min, 1);
  assert.deepEqual([...merged.sets.get('s')!.values].sort(), ['x', 'y']);
  const total = merged.counters.size + merged.gauges.size + merged.timers.size + merged.sets.size;
  // 30 series at most, plus the one drop counter that says what the cap refused.
  assert.equal(total, 31);
  assert.equal(merged.gauges.get('old.only')!.value, 9);
  assert.equal(merged.counters.get('hmetrics.dropped.series')!.value, 25);
  assert.equal(merged.intervalMs, older.intervalMs + newer.intervalMs);
});

test('regression: carried timers are merged by weight (10^6 × 1 ms then 10^3 × 100 ms → median 1, p95 1, mean 1.0990)', () => {
  const agg = new Aggregator();
  for (let i = 0; i < 1_000_000; i++) agg.timing('db', 1);
  const outage = agg.swap();
  for (let i = 0; i < 1_000; i++) agg.timing('db', 100);
  const recovery = agg.swap();
  const merged = carryOver(outage, recovery, { maxSeries: 10_000, maxTimerValues: 1_000, maxSetValues: 10_000 });
  const timer = merged.timers.get('db')!;
  assert.equal(timer.count, 1_001_000, 'count exact');
  assert.equal(timer.sum, 1_100_000, 'sum exact');
  assert.equal(timer.min, 1);
  assert.equal(timer.max, 100);
  assert.ok(timer.values.length <= 1_000, 'the sample stays within maxTimerValues');
  const s = summarizeTimer(timer, merged.intervalMs, [50, 95]);
  assert.equal(s.median, 1);
  assert.deepEqual(s.percentiles, [[50, 1], [95, 1]]);
  assert.equal(s.mean.toFixed(4), '1.0990');
});

test('regression: a carried set respects the configured member cap, and what it refuses is counted', () => {
  const agg = new Aggregator();
  let older = agg.swap();
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 1_000; i++) agg.setMember('visitors', `r${round}.m${i}`);
    older = carryOver(older, agg.swap(), { maxSeries: 100, maxTimerValues: 10, maxSetValues: 2_500 });
  }
  assert.equal(older.sets.get('visitors')!.values.size, 2_500);
  assert.equal(older.counters.get(InternalMetric.droppedSetValues)?.value, 2_500);
});

test('regression: series refused by carry-over are counted in hmetrics.dropped.series; the configured timer cap holds', () => {
  const agg = new Aggregator();
  for (let i = 0; i < 20; i++) agg.count(`old.${i}`, 1);
  for (let i = 0; i < 300; i++) agg.timing('lat', i);
  const older = agg.swap();
  for (let i = 0; i < 20; i++) agg.count(`new.${i}`, 1);
  for (let i = 0; i < 300; i++) agg.timing('lat', i);
  const merged = carryOver(older, agg.swap(), { maxSeries: 30, maxTimerValues: 100, maxSetValues: 100 });
  assert.equal(merged.counters.size + merged.timers.size, 32, '30 series plus two drop counters');
  assert.equal(merged.counters.get(InternalMetric.droppedSeries)?.value, 11);
  assert.equal(merged.counters.get(InternalMetric.droppedTimerValues)?.value, 500);
  assert.ok(merged.timers.get('lat')!.values.length <= 100, `timer sample ${merged.timers.get('lat')!.values.length}`);
  assert.equal(merged.timers.get('lat')!.count, 600);
});

test('maxTimerValuesTotal: a carry holds the budget plus the floor per timer; held timers keep their size; counts exact; refusals counted', () => {
  const agg = new Aggregator();
  for (let t = 0; t < 3; t++) for (let v = 0; v < 1_000; v++) agg.timing(`t.${t}`, v);
  const older = agg.swap();
  for (let v = 0; v < 1_000; v++) agg.timing('t.0', v);
  for (let v = 0; v < 1_000; v++) agg.timing('t.3', v);
  const newer = agg.swap();
  const limits = { maxSeries: 10_000, maxTimerValues: 1_000, maxTimerValuesTotal: 2_000, maxSetValues: 100 };
  const merged = carryOver(older, newer, limits);
  const sizes = ['t.0', 't.1', 't.2', 't.3'].map((key) => merged.timers.get(key)!.values.length);
  assert.deepEqual(sizes, [1_000, 1_000, 8, 8], 't.2 and t.3 arrive past the budget: the floor');
  assert.equal(merged.timers.get('t.0')!.count, 2_000);
  assert.equal(merged.timers.get('t.0')!.sum, 2 * 499_500);
  assert.equal(merged.timers.get('t.3')!.count, 1_000);
  assert.equal(merged.timers.get('t.3')!.max, 999);
  // t.2 and t.3 each refuse 992; t.0's merge keeps 1 000 of 2 000.
  assert.equal(merged.counters.get(InternalMetric.droppedTimerValues)?.value, 992 + 992 + 1_000);
});

test('maxTimerValuesTotal: a merge by weight gives a smaller sample when the budget is short, and stays right (10^6 × 1 ms then 10^3 × 100 ms → median 1, p95 1)', () => {
  const agg = new Aggregator();
  for (let i = 0; i < 1_000; i++) agg.timing('other', i);
  for (let i = 0; i < 1_000_000; i++) agg.timing('db', 1);
  const outage = agg.swap();
  for (let i = 0; i < 1_000; i++) agg.timing('db', 100);
  const recovery = agg.swap();
  const limits = { maxSeries: 10_000, maxTimerValues: 1_000, maxTimerValuesTotal: 1_050, maxSetValues: 100 };
  const store = new CarryOver(limits);
  store.add(outage);
  store.putBack(store.take()); // a failed delivery, adopted back: the budget is counted again
  store.add(recovery);
  const merged = store.take();
  const timer = merged.timers.get('db')!;
  assert.equal(timer.values.length, 50, 'what the budget left after `other`, not maxTimerValues');
  assert.equal(timer.count, 1_001_000, 'count exact');
  assert.equal(timer.sum, 1_100_000, 'sum exact');
  assert.equal(timer.min, 1);
  assert.equal(timer.max, 100);
  const s = summarizeTimer(timer, merged.intervalMs, [50, 95]);
  assert.equal(s.median, 1);
  assert.deepEqual(s.percentiles, [[50, 1], [95, 1]]);
  assert.equal(merged.timers.get('other')!.values.length, 1_000);
  // The aggregator's own sampling of the outage (999 000), then db: 1 000 → 50 when it arrived, 50 + 1 000 → 50 at the merge.
  assert.equal(merged.counters.get(InternalMetric.droppedTimerValues)?.value, 999_000 + 950 + 1_000);
});
