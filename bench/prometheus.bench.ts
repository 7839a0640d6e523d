/**
 * The Prometheus endpoint against prom-client's default metrics:
 * 1. scrape render: `prometheusText()` vs prom-client's `register.metrics()` with
 *    `collectDefaultMetrics()`, same process, alternating batches, median of batch medians, in
 *    CPU time (ours waits for the next timers phase before reading, ~1 ms of idle wall time
 *    that costs nothing; see exporter.ts);
 * 2. idle CPU: a child process serving `/metrics` through `--import hmetrics/onload` with
 *    HMETRICS_PROMETHEUS_LISTEN, and a child serving prom-client's default metrics from a
 *    `node:http` server, both running at once and scraped by this process every SCRAPE_EVERY s;
 *    each child reports its own CPU time over the measured window.
 *
 *   npm run build && node dist/bench/prometheus.bench.js [--quick]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import client from 'prom-client';
import { prometheusText, stopPrometheus } from '../src/prometheus/exporter.js';
import { processAggregator } from '../src/metrics/aggregator.js';

const QUICK = process.argv.includes('--quick');
const ROUNDS = QUICK ? 5 : 15;
const BATCH = 200;
const IDLE_ROUNDS = QUICK ? 1 : 3;
const IDLE_SECONDS = QUICK ? 10 : 45;
const SCRAPE_EVERY = QUICK ? 5 : 15;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

// --- 1. render ---
const register = new client.Registry();
client.collectDefaultMetrics({ register });
await prometheusText();
// A few pushed series too, as an app with the buffer API or statsd would have (prom-client: none).
for (let i = 0; i < 5; i++) processAggregator.count('app.requests', 1, [`route:/r${i}`]);
processAggregator.timing('app.latency.ms', 12);
let bytes = 0;
let peerBytes = 0;
const ours = async (): Promise<void> => { bytes = (await prometheusText()).length; };
const peer = async (): Promise<void> => { peerBytes = (await register.metrics()).length; };

/** CPU µs per operation over one batch (user + system, this process). */
async function batch(op: () => Promise<void>): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  const start = process.cpuUsage();
  for (let i = 0; i < BATCH; i++) await op();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / BATCH;
}

for (let i = 0; i < 3; i++) { await batch(ours); await batch(peer); }
const oursUs: number[] = [];
const peerUs: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  if (round % 2 === 0) { oursUs.push(await batch(ours)); peerUs.push(await batch(peer)); }
  else { peerUs.push(await batch(peer)); oursUs.push(await batch(ours)); }
}
stopPrometheus();
const a = median(oursUs);
const b = median(peerUs);
console.log(`node ${process.version}; ${ROUNDS} alternating rounds of ${BATCH} renders each, medians\n`);
console.log('| one scrape, rendered | CPU µs | bytes | ratio (ours / prom-client) |');
console.log('|---|---|---|---|');
console.log(`| hmetrics: \`prometheusText()\` (runtime + 7 pushed series) | ${a.toFixed(1)} | ${bytes} | **${(a / b).toFixed(2)}×** |`);
console.log(`| prom-client: \`register.metrics()\`, default metrics | ${b.toFixed(1)} | ${peerBytes} | 1 |`);
console.log(`\ntarget ≤ 0.25×: ${a / b <= 0.25 ? 'met' : 'NOT met'}\n`);

// --- 2. idle CPU, scraped ---
// Each child measures its own CPU from WARMUP after start for `seconds`: steady state, after
// one warm-up scrape (the first scrape of either loads and compiles its code: tens of ms that
// would otherwise dominate a short window); the next scrape comes SCRAPE_EVERY later.
const WARMUP_MS = 2000;
const REPORT = (seconds: number): string => `
  console.log('up');
  setTimeout(() => {
    const cpu0 = process.cpuUsage();
    console.log('measuring');
    setTimeout(() => { const c = process.cpuUsage(cpu0); process.stdout.write(JSON.stringify({ cpuMs: (c.user + c.system) / 1000 }) + '\\n'); process.exit(0); }, ${seconds * 1000} + 200);
  }, ${WARMUP_MS});`;
const HMETRICS_CHILD = REPORT(IDLE_SECONDS);
const PROM_CLIENT_CHILD = `
  const client = require('prom-client'); client.collectDefaultMetrics();
  require('node:http').createServer(async (req, res) => { const body = await client.register.metrics(); res.writeHead(200, { 'Content-Type': client.register.contentType }); res.end(body); })
    .listen(Number(process.env.PORT), '127.0.0.1');
  ${REPORT(IDLE_SECONDS)}`;

interface Child { cpuMs: Promise<number>; up: Promise<void>; ready: Promise<void> }

function start(args: string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let ready!: () => void;
  let up!: () => void;
  const readyPromise = new Promise<void>((resolve) => (ready = resolve));
  const upPromise = new Promise<void>((resolve) => (up = resolve));
  proc.stdout.setEncoding('utf8').on('data', (t: string) => {
    out += t;
    if (out.includes('up')) up();
    if (out.includes('measuring')) ready();
  });
  const cpuMs = new Promise<number>((resolve, reject) => proc.on('close', () => {
    const match = /\{"cpuMs":([\d.]+)\}/.exec(out);
    if (match) resolve(Number(match[1])); else reject(new Error(`child printed no result: ${out}`));
  }));
  return { cpuMs, up: upPromise, ready: readyPromise };
}

async function scrapeOnce(port: number, accept: string): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { Accept: accept } });
  await res.text();
  return res.ok;
}

async function scrapeLoop(port: number, accept: string, until: number): Promise<number> {
  let scrapes = 0;
  while (Date.now() + SCRAPE_EVERY * 1000 < until) {
    await new Promise((resolve) => setTimeout(resolve, SCRAPE_EVERY * 1000));
    if (await scrapeOnce(port, accept)) scrapes++;
  }
  return scrapes;
}

const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const ratios: number[] = [];
const rows: string[] = [];
for (let round = 0; round < IDLE_ROUNDS; round++) {
  const ourPort = 19_600 + round * 2;
  const theirPort = ourPort + 1;
  const ourChild = start(['--import', 'hmetrics/onload', '-e', HMETRICS_CHILD], { HMETRICS_PROMETHEUS_LISTEN: `127.0.0.1:${ourPort}` });
  const theirChild = start(['-e', PROM_CLIENT_CHILD], { PORT: String(theirPort) });
  await Promise.all([ourChild.up, theirChild.up]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  await Promise.all([scrapeOnce(ourPort, PROMETHEUS_ACCEPT), scrapeOnce(theirPort, PROMETHEUS_ACCEPT)]);
  await Promise.all([ourChild.ready, theirChild.ready]);
  const until = Date.now() + IDLE_SECONDS * 1000;
  const [ourScrapes, theirScrapes] = await Promise.all([scrapeLoop(ourPort, PROMETHEUS_ACCEPT, until), scrapeLoop(theirPort, PROMETHEUS_ACCEPT, until)]);
  const [ourCpu, theirCpu] = await Promise.all([ourChild.cpuMs, theirChild.cpuMs]);
  ratios.push(ourCpu / theirCpu);
  rows.push(`| ${round + 1} | ${(ourCpu / IDLE_SECONDS).toFixed(2)} (${ourScrapes} scrapes) | ${(theirCpu / IDLE_SECONDS).toFixed(2)} (${theirScrapes} scrapes) | ${(ourCpu / theirCpu).toFixed(2)}× |`);
}
console.log(`idle CPU: both children at once, ${IDLE_SECONDS} s each, scraped every ${SCRAPE_EVERY} s${QUICK ? ' (--quick: shortened)' : ''}\n`);
console.log('| round | hmetrics CPU ms/s | prom-client CPU ms/s | ratio |');
console.log('|---|---|---|---|');
for (const row of rows) console.log(row);
console.log(`\nmedian ratio **${median(ratios).toFixed(2)}×**; target ≤ 0.5×: ${median(ratios) <= 0.5 ? 'met' : 'NOT met'}`);
