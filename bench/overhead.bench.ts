/**
 * Host overhead: throughput of a CPU-bound workload (JSON, string and object churn, in slices
 * with a loop turn between them, as a busy server does) in a child process with
 * `--import hmetrics/onload` reporting every second to a loopback Heroku endpoint, vs the same
 * child without hmetrics. Runs alternate (order swapped every round); the ratio is the median of
 * the per-round ratios.
 *
 * A second table: the CPU time an otherwise idle process spends with hmetrics reporting every
 * second, minus the same process without it (what hmetrics itself costs, wake-ups included).
 *
 * Steady state: each child works for WARMUP first (long enough for the first delivery, which
 * loads node:http and compiles the delivery path once) and counts only the SECONDS after it.
 *
 *   npm run build && node dist/bench/overhead.bench.js
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 3 : 6;
const SECONDS = QUICK ? 2 : 2.5;
const WARMUP = 1.2;
const IDLE_SECONDS = QUICK ? 2 : 4;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The workload, as the child's -e script: work units finished in SECONDS of wall time. */
const WORKLOAD = `
const start = performance.now() + ${WARMUP * 1000};
const end = start + ${SECONDS * 1000};
let units = 0;
let counted = -1;
let cpu0;
const retained = [];
function unit(i) {
  const order = { id: i, customer: 'c' + (i % 97), lines: [] };
  for (let j = 0; j < 20; j++) order.lines.push({ sku: 'sku-' + j, qty: (i + j) % 7, price: j * 1.25 });
  const text = JSON.stringify(order);
  const back = JSON.parse(text);
  let total = 0;
  for (const line of back.lines) total += line.qty * line.price;
  retained[i % 500] = back; // some survive a while: promotions and old-space GCs too
  return total;
}
function slice() {
  for (let k = 0; k < 200; k++) unit(units++);
  const now = performance.now();
  if (counted < 0 && now >= start) { counted = units; cpu0 = process.cpuUsage(); }
  if (now < end) setImmediate(slice);
  else { const cpu = process.cpuUsage(cpu0); process.stdout.write(JSON.stringify({ units: units - counted, cpuMs: (cpu.user + cpu.system) / 1000 })); }
}
slice();
`;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Run { perSecond: number; perCpuSecond: number }

/** Runs `script` in a child, with or without hmetrics reporting every second; resolves with its stdout. */
function child(withHmetrics: boolean, url: string, script: string): Promise<string> {
  const args = withHmetrics ? ['--import', 'hmetrics/onload', '-e', script] : ['-e', script];
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '' };
  if (withHmetrics) Object.assign(env, { HMETRICS_URL: url, HMETRICS_INTERVAL: '1000' });
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    proc.on('error', reject);
    proc.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`child failed (${code}): ${out}`))));
  });
}

async function runChild(withHmetrics: boolean, url: string): Promise<Run> {
  const out = await child(withHmetrics, url, WORKLOAD);
  const match = /\{"units":(\d+),"cpuMs":([\d.]+)\}/.exec(out);
  if (!match) throw new Error(`workload child printed no result: ${out}`);
  return { perSecond: Number(match[1]) / SECONDS, perCpuSecond: Number(match[1]) / (Number(match[2]) / 1000) };
}

// Measured after the same warm-up: the first delivery's one-time module loading is not idle cost.
const IDLE = `setTimeout(() => {
  const cpu0 = process.cpuUsage();
  setTimeout(() => { const cpu = process.cpuUsage(cpu0); process.stdout.write(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000 })); }, ${IDLE_SECONDS * 1000});
}, ${WARMUP * 1000});`;

async function idleChild(withHmetrics: boolean, url: string): Promise<number> {
  const out = await child(withHmetrics, url, IDLE);
  const cpuMs = /\{"cpuMs":([\d.]+)\}/.exec(out)?.[1];
  if (cpuMs === undefined) throw new Error(`idle child printed no result: ${out}`);
  return Number(cpuMs) / IDLE_SECONDS;
}

// The loopback endpoint the instrumented child reports to; it counts payloads as proof.
let payloads = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    payloads++;
    res.writeHead(200).end();
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;

const withRates: number[] = [];
const withoutRates: number[] = [];
const ratios: number[] = [];
const cpuRatios: number[] = [];
await runChild(false, url); // warm the file cache
for (let round = 0; round < ROUNDS; round++) {
  let withRate: Run;
  let withoutRate: Run;
  if (round % 2 === 0) {
    withRate = await runChild(true, url);
    withoutRate = await runChild(false, url);
  } else {
    withoutRate = await runChild(false, url);
    withRate = await runChild(true, url);
  }
  withRates.push(withRate.perSecond);
  withoutRates.push(withoutRate.perSecond);
  ratios.push(withRate.perSecond / withoutRate.perSecond);
  cpuRatios.push(withRate.perCpuSecond / withoutRate.perCpuSecond);
}
// Idle processes barely compete for the CPU: each round runs both side by side.
const idleWith: number[] = [];
const idleWithout: number[] = [];
for (let round = 0; round < 3; round++) {
  const [a, b] = await Promise.all([idleChild(true, url), idleChild(false, url)]);
  idleWith.push(a);
  idleWithout.push(b);
}
server.close();

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(`node ${process.version}; ${ROUNDS} alternated rounds, ${SECONDS} s measured after ${WARMUP} s of warm-up; ${payloads} payloads received from the instrumented runs\n`);
console.log('| CPU-bound workload | units/s (median) | throughput ratio | per CPU-second ratio |');
console.log('|---|---|---|---|');
console.log(`| without hmetrics | ${fmt(median(withoutRates))} | 1 | 1 |`);
console.log(`| \`--import hmetrics/onload\`, 1 s interval, Heroku JSON to loopback | ${fmt(median(withRates))} | **${median(ratios).toFixed(3)}×** (rounds ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}) | ${median(cpuRatios).toFixed(3)}× |`);
// Units per CPU-second barely move when another process takes the core for a while, so on a
// shared machine they are the steadier of the two figures.
console.log(`\ntarget ≥ 0.99×: ${median(ratios) >= 0.99 ? 'met' : 'NOT met'}\n`);
console.log('| idle process, CPU time | ms of CPU per second (median of 3) |');
console.log('|---|---|');
console.log(`| without hmetrics | ${median(idleWithout).toFixed(2)} |`);
console.log(`| \`--import hmetrics/onload\`, 1 s interval, Heroku JSON to loopback | ${median(idleWith).toFixed(2)} (hmetrics: ${(median(idleWith) - median(idleWithout)).toFixed(2)} ms/s = ${((median(idleWith) - median(idleWithout)) / 10).toFixed(2)} % of a core) |`);
