/**
 * Recording cost of the telemetry buffer on a known key, against in-process peers run in the
 * same process, alternating: prom-client `Counter.inc()` / `Gauge.set()` and hot-shots in mock
 * mode (`increment` / `gauge`).
 *
 *   node --expose-gc dist/bench/telemetry.bench.js     (re-runs itself with --expose-gc if needed)
 *
 * Time: each implementation runs in a loop of its own (compiled separately, so each call site
 * stays monomorphic and the op is inlined as it would be in an app's own hot loop; one shared
 * loop calling every op through one call site measured the megamorphic dispatch, not the op),
 * warmed for ~300 ms before measuring; each round times a batch sized to ~20 ms per
 * implementation; the table shows the median ns/op over the rounds, in CPU time (`process.cpuUsage()`, µs resolution over ~20 ms
 * batches). Bytes: after a forced GC, heap growth over a batch of 100 000 calls,
 * median of 9 batches after an unmeasured one (a batch a GC interrupted reads negative and is
 * is discarded; JIT work shows up as occasional non-zero batches, which the median ignores).
 * Targets: ≤ 0.5× prom-client, ≤ 0.1× hot-shots, 0 bytes per op.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { fileURLToPath } from 'node:url';
import promClient from 'prom-client';
import HotShots from 'hot-shots';
import { add, increment, set } from '../src/telemetry/api.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  const result = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

type Op = (i: number) => void;
interface Case { readonly name: string; readonly ours: Op; readonly prom: Op; readonly hotShots: Op }

const counter = new promClient.Counter({ name: 'bench_requests', help: 'bench', registers: [] });
const bytesCounter = new promClient.Counter({ name: 'bench_bytes', help: 'bench', registers: [] });
const gauge = new promClient.Gauge({ name: 'bench_temp', help: 'bench', registers: [] });
const statsd = new HotShots({ mock: true });
const mockBuffer = (statsd as unknown as { mockBuffer: string[] }).mockBuffer;

const keys = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7'];
const counters = keys.map((k) => new promClient.Counter({ name: `bench_${k}`, help: 'bench', registers: [] }));
const labelled = new promClient.Counter({ name: 'bench_labelled', help: 'bench', labelNames: ['key'], registers: [] });

const cases: Case[] = [
  { name: 'increment', ours: () => increment('requests'), prom: () => counter.inc(), hotShots: () => statsd.increment('requests') },
  { name: 'add(k, 3)', ours: () => add('bytes', 3), prom: () => bytesCounter.inc(3), hotShots: () => statsd.increment('bytes', 3) },
  { name: 'set(k, n)', ours: (i) => set('temp', i & 1023), prom: (i) => gauge.set(i & 1023), hotShots: (i) => statsd.gauge('temp', i & 1023) },
  // Eight known keys in turn: the last-key memo misses every time, so this is the Map lookup.
  { name: 'increment, 8 keys in turn (prom: 8 counters)', ours: (i) => increment(keys[i & 7]!), prom: (i) => counters[i & 7]!.inc(), hotShots: (i) => statsd.increment(keys[i & 7]!) },
  // The same, with prom-client's own way to key one metric by a string: a label.
  { name: 'increment, 8 keys in turn (prom: 1 labelled counter)', ours: (i) => increment(keys[i & 7]!), prom: (i) => labelled.inc({ key: keys[i & 7]! }), hotShots: (i) => statsd.increment(keys[i & 7]!) },
];
/** The cost of the benchmark's own call through a function value, measured in the same rounds. */
const emptyCall: Op = () => undefined;

type Loop = (n: number) => number;
const loops = new Map<Op, Loop>();
// CPU time, not wall time: on a shared machine a batch the scheduler preempts reads as slow in
// wall time (medians swung 7× between cases); its CPU time does not include the preemption.
const now = (): number => { const used = process.cpuUsage(); return (used.user + used.system) * 1000; };
/** A timing loop of its own for `op`: ns per call over `n` calls. */
function loopFor(op: Op): Loop {
  let loop = loops.get(op);
  if (loop === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a fresh function, so a fresh call site
    loop = new Function('op', 'now', 'return function loop(n) { const start = now(); for (let i = 0; i < n; i++) op(i); return (now() - start) / n; };')(op, now) as Loop;
    loops.set(op, loop);
  }
  return loop;
}
function run(op: Op, n: number): number {
  return loopFor(op)(n);
}
/** Runs `op`'s loop for about `ms` so the JIT has optimised it before anything is measured. */
function warm(op: Op, ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) run(op, 10_000);
}

/** Calls per batch so that one batch takes about 20 ms. */
function calibrate(op: Op): number {
  let n = 1_000;
  for (;;) {
    const ns = run(op, n) * n;
    mockBuffer.length = 0;
    if (ns > 5e6) return Math.max(1_000, Math.round((n * 20e6) / ns));
    n *= 4;
  }
}

function bytesPerOp(op: Op): number {
  const samples: number[] = [];
  const n = 100_000;
  run(op, n); // the first batch also compiles the loop: not measured
  for (let round = 0; round < 9; round++) {
    mockBuffer.length = 0;
    gc!();
    const before = getHeapStatistics().used_heap_size;
    run(op, n);
    const grown = getHeapStatistics().used_heap_size - before;
    if (grown >= 0) samples.push(grown / n);
  }
  return samples.length === 0 ? Number.NaN : median(samples);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const rounds = Number(process.argv[2] ?? 15);
const rows: string[] = [];
bytesPerOp(emptyCall); // compiles the measuring loop, whose own code would otherwise count for the first case
const emptyTimes: number[] = [];
for (const c of cases) {
  const impls = [['ours', c.ours], ['prom', c.prom], ['hotShots', c.hotShots], ['empty', emptyCall]] as const;
  for (const [, op] of impls) warm(op, 300);
  mockBuffer.length = 0;
  const sizes = impls.map(([, op]) => calibrate(op));
  const times: number[][] = [[], [], [], []];
  for (let r = 0; r < rounds; r++) {
    impls.forEach(([, op], k) => {
      times[k]!.push(run(op, sizes[k]!));
      mockBuffer.length = 0;
    });
  }
  const [ours, prom, hot, empty] = times.map(median) as [number, number, number, number];
  emptyTimes.push(empty);
  const net = (ours - empty) / Math.max(0.01, prom - empty);
  const bytes = impls.slice(0, 3).map(([, op]) => bytesPerOp(op));
  rows.push(`| ${c.name} | ${ours.toFixed(1)} | ${prom.toFixed(1)} | ${hot.toFixed(1)} | ${(ours / prom).toFixed(2)}× | ${net.toFixed(2)}× | ${(ours / hot).toFixed(3)}× | ${bytes.map((b) => b.toFixed(1)).join(' / ')} |`);
}

console.log(`Node ${process.version}, ${rounds} alternated rounds, median ns per call (an empty call through a loop of its own: ${median(emptyTimes).toFixed(1)} ns)`);
console.log('');
console.log('| operation (known key) | hmetrics ns | prom-client ns | hot-shots mock ns | ours / prom-client | same, net of the empty call | ours / hot-shots | bytes per call (ours / prom / hot-shots) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---|');
for (const row of rows) console.log(row);
