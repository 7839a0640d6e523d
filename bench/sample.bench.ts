/**
 * One interval's runtime sample, end to end: hmetrics' sampler collect + aggregator swap +
 * Heroku JSON (flatten, JSON.stringify) vs prom-client's `register.metrics()` with its default
 * metrics (the text exposition a Prometheus scrape gets). Same process, alternating batches,
 * median of the batch medians.
 *
 *   npm run build && node dist/bench/sample.bench.js
 */
import { performance } from 'node:perf_hooks';
import client from 'prom-client';
import { Aggregator } from '../src/metrics/aggregator.js';
import { DEFAULT_PERCENTILES } from '../src/metrics/timer-stats.js';
import { createRuntimeSampler } from '../src/runtime/sampler.js';
import { flatten } from '../src/sinks/flatten.js';

const ROUNDS = process.argv.includes('--quick') ? 5 : 15;
const BATCH = 200;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

// hmetrics: the sampler enabled as report() runs it, into a fresh aggregator.
const sampler = createRuntimeSampler();
const aggregator = new Aggregator();
sampler.enable();
let bytes = 0;
function ours(): void {
  sampler.collect(aggregator);
  const body = JSON.stringify(flatten(aggregator.swap(), DEFAULT_PERCENTILES));
  bytes = body.length;
}

// prom-client: default metrics in their own registry, collected as a scrape would.
const register = new client.Registry();
client.collectDefaultMetrics({ register });
let peerBytes = 0;
async function peer(): Promise<void> {
  const body = await register.metrics();
  peerBytes = body.length;
}

/** µs per operation over one batch; a loop turn first so timers, GC entries and probes land. */
async function batch(op: () => void | Promise<void>): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  const start = performance.now();
  for (let i = 0; i < BATCH; i++) await op();
  return ((performance.now() - start) * 1000) / BATCH;
}

// Warm-up: both paths optimised before anything is timed.
for (let i = 0; i < 3; i++) {
  await batch(ours);
  await batch(peer);
}
const oursUs: number[] = [];
const peerUs: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which goes first, so neither always runs right after the other's garbage.
  if (round % 2 === 0) {
    oursUs.push(await batch(ours));
    peerUs.push(await batch(peer));
  } else {
    peerUs.push(await batch(peer));
    oursUs.push(await batch(ours));
  }
}
sampler.disable();

const a = median(oursUs);
const b = median(peerUs);
console.log(`node ${process.version}; ${ROUNDS} alternating rounds of ${BATCH} samples each, medians\n`);
console.log('| one interval sample | µs per sample | payload bytes | ratio (ours / prom-client) |');
console.log('|---|---|---|---|');
console.log(`| hmetrics: sampler collect + swap + Heroku JSON | ${a.toFixed(1)} | ${bytes} | **${(a / b).toFixed(2)}×** |`);
console.log(`| prom-client: \`register.metrics()\`, default metrics | ${b.toFixed(1)} | ${peerBytes} | 1 |`);
console.log(`\ntarget ≤ 0.5×: ${a / b <= 0.5 ? 'met' : 'NOT met'}`);
