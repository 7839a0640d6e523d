/**
 * The worst case of docs/memory.md, measured: every structure filled to its default caps, the
 * heap read after a forced GC. Run: `node --expose-gc dist/bench/memory-worst-case.js`
 * (`-- unbudgeted` sets `maxTimerValuesTotal` to Infinity: the figures before that cap).
 *
 * 9 999 timer series each offered 1 000 values, one set offered 100 000 members of 64 bytes
 * (10 000 series); then that interval goes into a failing endpoint's carry and the aggregator
 * fills again with new members, so both hold their worst at once.
 */
import { Aggregator } from '../src/metrics/aggregator.js';
import { CarryOver } from '../src/metrics/carry-over.js';

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
fillTimers(0);
const timersOnly = heapMB() - base;
fillSet(0);
const aggregatorOnly = heapMB() - base;
const carry = new CarryOver(aggregator.limits);
carry.add(aggregator.swap());
carry.putBack(carry.take()); // the delivery failed
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
console.log(JSON.stringify({
  maxTimerValuesTotal: String(aggregator.limits.maxTimerValuesTotal),
  aggregatorMB: Math.round(aggregatorOnly), ofWhichTimersMB: Math.round(timersOnly), carryMB: Math.round(both - aggregatorOnly), bothMB: Math.round(both),
  timerValues: { aggregator: held(fresh.timers.values()), carry: held(carried.timers.values()) },
  setMembers: { aggregator: fresh.sets.get('visitors')?.values.size, carry: carried.sets.get('visitors')?.values.size },
}));
