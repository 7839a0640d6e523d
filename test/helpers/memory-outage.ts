import assert from 'node:assert/strict';
import { runNode } from './child.js';

// docs/memory.md: the whole library's worst case with every cap at its default.
const DOCUMENTED_BOUND_MB = 60;

/**
 * An outage of `intervals` intervals with hostile cardinality, run in a child with --expose-gc so the
 * heap is read after a forced GC. The child drives the aggregator and one endpoint's carry
 * exactly as the report loop does when every delivery fails (offer → add, deliver → take,
 * failure → putBack), on a mocked clock: 20 s intervals, no real waiting.
 */
const child = (intervals: number): string => `
import { Aggregator } from './dist/src/metrics/aggregator.js';
import { CarryOver } from './dist/src/metrics/carry-over.js';
const INTERVALS = ${intervals}, PER_INTERVAL = 10_000, TENTH = INTERVALS / 10;
let now = 0;
const aggregator = new Aggregator({ now: () => now });
const carry = new CarryOver(aggregator.limits);
const heapMB = () => { globalThis.gc(); return process.memoryUsage().heapUsed / 1e6; };
const base = heapMB();
let atOneTenth = 0;
for (let i = 0; i < INTERVALS; i++) {
  for (let j = 0; j < PER_INTERVAL; j++) aggregator.setMember('visitors', i + '.' + j);
  for (let j = 0; j < PER_INTERVAL; j++) aggregator.timing('latency.' + (j % 10), (i * 7 + j) % 1000);
  for (let j = 0; j < PER_INTERVAL; j++) aggregator.count('series.' + i + '.' + j, 1);
  now += 20_000;
  carry.add(aggregator.swap());
  carry.putBack(carry.take()); // the delivery failed
  if (i === TENTH - 1) atOneTenth = heapMB() - base;
}
const held = heapMB() - base;
const payload = carry.take();
const count = (name) => payload.counters.get(name)?.value ?? 0;
console.log(JSON.stringify({
  held, atOneTenth,
  series: payload.counters.size + payload.gauges.size + payload.timers.size + payload.sets.size,
  members: payload.sets.get('visitors')?.values.size,
  timerValues: [...payload.timers.values()].reduce((n, t) => n + t.values.length, 0),
  timerCount: [...payload.timers.values()].reduce((n, t) => n + t.count, 0),
  droppedSeries: count('hmetrics.dropped.series'),
  droppedSetValues: count('hmetrics.dropped.set_values'),
  droppedTimerValues: count('hmetrics.dropped.timer_values'),
}));
`;

/**
 * Runs the outage for `intervals` intervals (a multiple of 10) and holds every figure to its
 * bound: the documented heap bound, no growth from the first tenth of the outage to its end,
 * every cap at its default and every refusal counted. `npm test` runs 1 000 intervals (the caps
 * are all reached within the first interval), `npm run soak` the full 10 000.
 */
export async function assertOutageBounded(intervals: number): Promise<void> {
  const result = await runNode({ args: ['--expose-gc', '--input-type=module', '-e', child(intervals)], limitMs: 15 * 60_000 });
  assert.equal(result.code, 0, result.stderr);
  const figures = JSON.parse(result.stdout) as Record<string, number>;
  assert.ok(figures['held']! < DOCUMENTED_BOUND_MB, `heap held ${figures['held']} MB`);
  // Not growing: the heap at the end is that of the first tenth (within GC noise).
  assert.ok(figures['held']! - figures['atOneTenth']! < 5, `grew from ${figures['atOneTenth']} to ${figures['held']} MB`);
  // Every cap at its default, each refusal counted.
  assert.equal(figures['series'], 10_000 + 3, 'maxSeries, plus the three drop counters');
  assert.equal(figures['members'], 100_000, 'maxSetValues');
  assert.ok(figures['timerValues']! <= 10 * 1_000, 'maxTimerValues per timer');
  assert.equal(figures['timerCount'], intervals * 10_000, 'timer counts exact');
  assert.equal(figures['droppedSetValues'], intervals * 10_000 - 100_000);
  assert.ok(figures['droppedSeries']! >= (intervals - 1) * (10_000 - 11), `dropped series ${figures['droppedSeries']}`);
  assert.ok(figures['droppedTimerValues']! > 0);
}
