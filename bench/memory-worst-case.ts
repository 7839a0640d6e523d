/**
 * The worst case of docs/memory.md, measured: every structure filled to its default caps, the
 * heap read after a forced GC. Run: `node --expose-gc dist/bench/memory-worst-case.js`
 * (`-- unbudgeted` sets `maxTimerValuesTotal` to Infinity: the figures before that cap).
 *
 * 9 999 timer series each offered 1 000 values, one set offered 100 000 members of 64 bytes
 * (10 000 series); then that interval goes into a failing endpoint's carry and the aggregator
 * fills again with new members, so both hold their worst at once. All outputs on: the
 * Prometheus store reads the same aggregator through its tap (its histograms and set members
 * fill too), and a second failing endpoint (OTLP beside Heroku) holds a carry of its own.
 * Last, the Prometheus store alone offered 300 sets × 10 000 members (803 MB before its
 * members had a total cap).
 */
import { Aggregator } from '../src/metrics/aggregator.js';
import { CarryOver } from '../src/metrics/carry-over.js';
import { FamilyList } from '../src/prometheus/family.js';
import { PushedSeries } from '../src/prometheus/pushed.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const heapMB = (): number => { gc(); gc(); return process.memoryUsage().heapUsed / 1e6; };

const unbudgeted = process.argv.includes('unbudgeted');
const aggregator = new Aggregator(unbudgeted ? { maxTimerValuesTotal: Infinity } : {});

function fillTimers(round: number): void {
  for (let t = 0; t < 9_999; t++) {
    for (let v = 0; v < 1_000; v++) aggregator.timing(`latency.${t}`, (t * 1_000 + v) / 7.3 + round);
  }
}

function fillSet(round: number): void {
  const pad = 'x'.repeat(48);
  for (let m = 0; m < 100_000; m++) aggregator.setMember('visitors', `${round}.${String(m).padStart(12, '0')}.${pad}`.slice(0, 64));
}

const base = heapMB();
let prometheus: PushedSeries | undefined = new PushedSeries();
prometheus.attach(aggregator);
fillTimers(0);
const timersOnly = heapMB() - base;
fillSet(0);
const aggregatorOnly = heapMB() - base;
const withPrometheus = heapMB() - base;
const carry = new CarryOver(aggregator.limits);
const otlpCarry = new CarryOver(aggregator.limits);
const first = aggregator.swap();
carry.add(first);
carry.putBack(carry.take()); // the delivery failed
const oneCarry = heapMB() - base;
otlpCarry.add(first);
otlpCarry.putBack(otlpCarry.take()); // the second endpoint failed too
const twoCarries = heapMB() - base;
fillTimers(1);
fillSet(1);
const both = heapMB() - base;
const held = (snapshotTimers: Iterable<{ values: readonly number[] }>): number => {
  let n = 0;
  for (const timer of snapshotTimers) n += timer.values.length;
  return n;
};
const carried = carry.take();
const fresh = aggregator.swap();
// What the Prometheus store alone held at the worst moment: released, the heap drops by that much.
prometheus.detach();
prometheus = undefined;
const prometheusStore = both - (heapMB() - base);

// The Prometheus store alone: 300 sets × 10 000 members of 64 bytes between two scrapes.
const setsBase = heapMB();
const setsAggregator = new Aggregator();
const setsStore = new PushedSeries();
setsStore.attach(setsAggregator);
const pad = 'y'.repeat(48);
for (let s = 0; s < 300; s++) {
  for (let m = 0; m < 10_000; m++) setsAggregator.setMember(`sets.${s}`, `${s}.${String(m).padStart(12, '0')}.${pad}`.slice(0, 64));
  if (s % 10 === 9) setsAggregator.swap(); // the push loop drains its own interval meanwhile
}
const setsMB = heapMB() - setsBase;
const scraped = new FamilyList();
setsStore.collect(scraped);
const membersHeld = scraped.families.filter((f) => f.name.startsWith('sets_')).reduce((n, f) => n + f.samples.reduce((m, x) => m + x.value, 0), 0);

console.log(JSON.stringify({
  maxTimerValuesTotal: String(aggregator.limits.maxTimerValuesTotal),
  aggregatorMB: Math.round(aggregatorOnly), ofWhichTimersMB: Math.round(timersOnly),
  prometheusStoreMB: Math.round(prometheusStore), aggregatorAndStoreMB: Math.round(withPrometheus),
  firstCarryMB: Math.round(oneCarry - withPrometheus), secondCarryMB: Math.round(twoCarries - oneCarry),
  allMB: Math.round(both),
  prometheus300SetsMB: Math.round(setsMB), prometheusMembersHeld: membersHeld,
  timerValues: { aggregator: held(fresh.timers.values()), carry: held(carried.timers.values()) },
  setMembers: { aggregator: fresh.sets.get('visitors')?.values.size, carry: carried.sets.get('visitors')?.values.size },
}));
