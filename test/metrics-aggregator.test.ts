import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Aggregator } from 'hmetrics';
import { seriesKey, flatName, sanitizeName } from '../src/metrics/series.js';
import { percentileOfSorted, summarizeTimer } from '../src/metrics/timer-stats.js';

test('counters are per-interval deltas scaled by sample rate, fractions kept', () => {
  const agg = new Aggregator();
  agg.count('hits', 1);
  agg.count('hits', 1, [], 0.1);
  agg.count('hits', 3, ['route:/a']);
  const first = agg.swap();
  assert.equal(first.counters.get('hits')!.value, 11);
  assert.equal(first.counters.get(seriesKey('hits', ['route:/a']))!.value, 3);
  agg.count('hits', 0.5, [], 0.3);
  assert.ok(Math.abs(agg.swap().counters.get('hits')!.value - 0.5 / 0.3) < 1e-12);
  assert.equal(agg.swap().counters.size, 0, 'an idle interval reports nothing');
});

test('tags are part of the identity, in any order', () => {
  const agg = new Aggregator();
  agg.count('x', 1, ['b:2', 'a:1']);
  agg.count('x', 1, ['a:1', 'b:2']);
  agg.count('x', 1, ['a:1']);
  const snap = agg.swap();
  assert.equal(snap.counters.size, 2);
  assert.equal(snap.counters.get(seriesKey('x', ['a:1', 'b:2']))!.value, 2);
});

test('one tags array reused across names and kinds keeps each series apart (cached keys)', () => {
  const agg = new Aggregator();
  const tags = ['host:a', 'env:prod'];
  agg.count('req', 1, tags);
  agg.count('err', 1, tags);
  agg.count('req', 1, tags);
  agg.timing('lat', 5, tags);
  agg.count('req', 1, ['env:prod', 'host:a']); // a different array, same series
  const snap = agg.swap();
  assert.equal(snap.counters.get(seriesKey('req', tags))!.value, 3);
  assert.equal(snap.counters.get(seriesKey('err', tags))!.value, 1);
  assert.equal(snap.timers.get(seriesKey('lat', tags))!.count, 1);
  assert.equal(snap.counters.size, 2);
});

test('gauges keep the last value; sets count distinct members', () => {
  const agg = new Aggregator();
  agg.gauge('g', 5);
  agg.gauge('g', -3);
  for (const user of ['u1', 'u2', 'u1', 'u3']) agg.setMember('users', user);
  const snap = agg.swap();
  assert.equal(snap.gauges.get('g')!.value, -3);
  assert.equal(snap.sets.get('users')!.values.size, 3);
});

test('the series cap drops new series and counts them in hmetrics.dropped.series', () => {
  const agg = new Aggregator({ maxSeries: 100 });
  for (let i = 0; i < 1_000; i++) agg.count(`series.${i}`, 1);
  agg.count('series.5', 1); // an admitted series still records
  const snap = agg.swap();
  assert.equal(snap.counters.get('series.5')!.value, 2);
  assert.equal(snap.counters.get('hmetrics.dropped.series')!.value, 900);
  assert.equal(snap.counters.size, 101);
});

test('timers: exact count, min, max and sum; a uniform reservoir past the cap', () => {
  const agg = new Aggregator({ maxTimerValues: 1_000 });
  for (let i = 1; i <= 10_000; i++) agg.timing('t', i);
  agg.timing('t', 5, [], 0.5);
  const timer = agg.swap().timers.get('t')!;
  assert.equal(timer.count, 10_002);
  assert.equal(timer.min, 1);
  assert.equal(timer.max, 10_000);
  assert.equal(timer.sum, 50_005_000 + 5);
  assert.equal(timer.values.length, 1_000);
  assert.ok(timer.values.every((v, i) => i === 0 || v >= timer.values[i - 1]!), 'values are sorted');
  // A uniform sample of 1..10000 has its median near 5000.
  const median = percentileOfSorted(timer.values, 50)!;
  assert.ok(median > 4_000 && median < 6_000, `median ${median}`);
});

test('summarizeTimer gives the peers\' figures: median of an even count is the mean of the middle two, percentiles round', () => {
  const agg = new Aggregator();
  for (const v of [2, 4, 4, 4, 5, 5, 7, 9]) agg.timing('t', v);
  const snap = agg.swap();
  const s = summarizeTimer(snap.timers.get('t')!, 2_000, [50, 90]);
  assert.equal(s.count, 8);
  assert.equal(s.countPerSecond, 4);
  assert.equal(s.mean, 5);
  assert.equal(s.stddev, 2);
  assert.equal(s.median, 4.5, 'was 4 (nearest rank)');
  assert.equal(s.sum, 40);
  assert.equal(s.sumSquares, 232);
  // p90: round(0.9 × 8 = 7.2) = 7 → sorted[6] = 7 (ceil picked sorted[7] = 9).
  assert.deepEqual(s.percentiles, [[50, 4], [90, 7]]);
});

test('a known untagged key records without allocating a new series', () => {
  const agg = new Aggregator();
  agg.count('hot', 1);
  agg.swap();
  agg.count('hot', 1);
  assert.equal(agg.size, 1);
  assert.equal(agg.swap().counters.get('hot')!.value, 1);
});

test('a pull source writes its figures at the end of each interval; a throwing one is skipped', () => {
  const agg = new Aggregator();
  let n = 0;
  const remove = agg.addPullSource((a) => a.gauge('pulled', ++n));
  agg.addPullSource(() => { throw new Error('broken source'); });
  assert.equal(agg.swap().gauges.get('pulled')!.value, 1);
  remove();
  assert.equal(agg.swap().gauges.has('pulled'), false);
});


test('names: sanitised to [A-Za-z0-9_.-]; tagged series flatten with sorted tags', () => {
  assert.equal(sanitizeName('a b/c:d|e#f'), 'a_b_c_d_e_f');
  assert.equal(sanitizeName(''), '_');
  assert.equal(flatName('req', ['status:200', 'host:api.example.com']), 'req.host_api.example.com.status_200');
});

test('regression: maxSeries holds across intervals when cells left over from the previous interval are touched again', () => {
  const agg = new Aggregator({ maxSeries: 10 });
  for (let i = 0; i < 10; i++) agg.count(`a.${i}`, 1);
  agg.swap();
  for (let i = 0; i < 10; i++) agg.count(`b.${i}`, 1); // new cells, admitted: the interval is empty
  for (let i = 0; i < 10; i++) agg.count(`a.${i}`, 1); // leftover cells: the cap is reached
  const snap = agg.swap();
  assert.equal(snap.counters.size, 11, '10 series plus the drop counter');
  assert.equal(snap.counters.get('hmetrics.dropped.series')!.value, 10);
});

test('maxSetValues bounds set members across all sets together, and counts what it refuses', () => {
  const agg = new Aggregator({ maxSetValues: 100 });
  for (let s = 0; s < 10; s++) for (let m = 0; m < 50; m++) agg.setMember(`set.${s}`, `m${m}`);
  agg.setMember('set.0', 'm1'); // a member already held is no refusal
  const snap = agg.swap();
  const held = [...snap.sets.values()].reduce((n, set) => n + set.values.size, 0);
  assert.equal(held, 100);
  assert.equal(snap.counters.get('hmetrics.dropped.set_values')!.value, 400);
  assert.equal(agg.limits.maxSetValues, 100);
});

test('maxTimerValuesTotal: 10 000 timers × 1 000 values hold the budget plus the floor per timer; counts, sums, min and max stay exact; refusals counted', () => {
  const agg = new Aggregator();
  assert.equal(agg.limits.maxTimerValuesTotal, 100_000);
  for (let t = 0; t < 10_000; t++) for (let v = 1; v <= 1_000; v++) agg.timing(`t.${t}`, v);
  const snap = agg.swap();
  assert.equal(snap.timers.size, 10_000);
  const held = [...snap.timers.values()].reduce((n, timer) => n + timer.values.length, 0);
  // The first 100 timers fill 1 000 values each (the budget); the 9 900 after them get the floor, 8.
  assert.equal(held, 100_000 + 9_900 * 8);
  assert.equal(snap.timers.get('t.0')!.values.length, 1_000);
  assert.equal(snap.timers.get('t.9999')!.values.length, 8);
  for (const timer of snap.timers.values()) {
    assert.equal(timer.count, 1_000);
    assert.equal(timer.sum, 500_500);
    assert.equal(timer.min, 1);
    assert.equal(timer.max, 1_000);
  }
  assert.equal(snap.counters.get('hmetrics.dropped.timer_values')!.value, 10_000_000 - held);
  // The budget is per interval: the next one starts with all of it.
  for (let v = 0; v < 1_000; v++) agg.timing('t.9999', v);
  assert.equal(agg.swap().timers.get('t.9999')!.values.length, 1_000);
});

test('maxTimerValuesTotal: one hot timer keeps its 1 000-value sample; past the budget a timer samples within its size, so percentiles follow what came after', () => {
  const hot = new Aggregator();
  for (let i = 0; i < 100_000; i++) hot.timing('hot', i);
  assert.equal(hot.swap().timers.get('hot')!.values.length, 1_000);

  const agg = new Aggregator({ maxTimerValuesTotal: 1_000 });
  for (let v = 1; v <= 500; v++) agg.timing('a', v);
  for (let v = 1; v <= 500; v++) agg.timing('b', v); // the budget is spent
  for (let i = 0; i < 10_000; i++) agg.timing('a', 1_000);
  for (let v = 1; v <= 100; v++) agg.timing('c', v); // a timer born past the budget: the floor
  agg.mergeTimer('b', { count: 4, min: 0, max: 2_000, sum: 2_000, sumSquares: 4e6, values: [0, 0, 0, 2_000] });
  const snap = agg.swap();
  const a = snap.timers.get('a')!;
  assert.equal(a.values.length, 500, 'grows no further, samples within its size');
  assert.equal(a.count, 10_500);
  assert.equal(a.sum, 125_250 + 10_000_000);
  assert.equal(a.min, 1);
  assert.equal(a.max, 1_000);
  // 10 000 of 10 500 timings are 1 000: a uniform sample of 500 has its median there.
  assert.equal(percentileOfSorted(a.values, 50), 1_000);
  const b = snap.timers.get('b')!;
  assert.equal(b.values.length, 500, 'mergeTimer obeys the budget too');
  assert.equal(b.count, 504);
  assert.equal(b.min, 0);
  assert.equal(b.max, 2_000);
  assert.equal(snap.timers.get('c')!.values.length, 8);
  assert.equal(snap.timers.get('c')!.count, 100);
  assert.equal(snap.counters.get('hmetrics.dropped.timer_values')!.value, 10_000 + 92 + 4);
});
