/**
 * The idle second: CPU time per second of an otherwise idle process reporting to a loopback
 * Heroku endpoint, against prom-client's default metrics POSTed at the same interval, and the
 * pieces of hmetrics' cost (probe, GC observer, sample, delivery) and of the delivery path
 * (hmetrics' delivery vs a bare keep-alive `node:http` POST of the same body, and a raw socket).
 *
 *   npm run build && node dist/bench/idle.bench.js [--rounds 5] [--seconds 6]
 *
 * Each variant is a child process: it idles for a warm-up (the first delivery loads and
 * compiles the delivery path once), then its `process.cpuUsage()` is read over `--seconds`.
 * Variants rotate every round; medians with the interquartile range; every figure is over the
 * bare idle child of the same rounds. A 20 s interval is too long to sit through per round: its
 * figures add the continuous cost (measured with no delivery in the window) to the cost per
 * interval (measured at 1 s) divided by 20.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { argument, median, quartiles, ROOT, rotated, runtimeBodyCode } from './helpers/installed.js';

const ROUNDS = Number(argument('--rounds') ?? 5);
const SECONDS = Number(argument('--seconds') ?? 6);
const WARMUP = 1_600;

const server = createServer((req, res) => { req.resume(); req.on('end', () => res.end()); });
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const url = `http://127.0.0.1:${port}/metrics`;
const src = (path: string): string => JSON.stringify(pathToFileURL(`${ROOT}dist/src/${path}`).href);

/** A Heroku body of the usual size: the runtime sample flattened, as HerokuSink sends it. */
const BODY = runtimeBodyCode(src);
const every = (ms: number, code: string): string => `setInterval(() => { ${code} }, ${ms});`;

interface Variant { readonly label: string; readonly code: string; readonly env?: Record<string, string>; readonly onload?: boolean }
const variants: Variant[] = [
  { label: 'bare idle', code: '' },
  { label: 'probe (20 ms event-loop delay probe)', code: `const { EventLoopDelayCollector } = await import(${src('runtime/event-loop-delay.js')}); new EventLoopDelayCollector(20).enable();` },
  { label: 'GC observer', code: `const { GcCollector } = await import(${src('runtime/gc.js')}); new GcCollector().enable();` },
  { label: 'sampler, sampled every 1 s, no delivery', code: `${BODY} const sampler = createRuntimeSampler(); sampler.enable(); const a = new Aggregator(); ${every(1000, 'sampler.collect(a); JSON.stringify(flatten(a.swap()));')}` },
  { label: 'onload, 20 s interval (no delivery in the window)', code: '', onload: true, env: { HEROKU_METRICS_URL: url } },
  { label: 'onload, 1 s interval', code: '', onload: true, env: { HEROKU_METRICS_URL: url, HMETRICS_INTERVAL: '1000' } },
  { label: 'prom-client default metrics, no POST', code: "const { createRequire } = await import('node:module'); const client = createRequire(import.meta.url)('prom-client'); client.collectDefaultMetrics();" },
  { label: 'prom-client default metrics, POST every 1 s', code: `const http = await import('node:http'); const agent = new http.Agent({ keepAlive: true }); const { createRequire } = await import('node:module'); const client = createRequire(import.meta.url)('prom-client'); client.collectDefaultMetrics(); ${every(1000, `client.register.metrics().then((text) => { const r = http.request(${JSON.stringify(url)}, { method: 'POST', agent }, (res) => res.resume()); r.end(text); });`)}` },
  { label: 'bare keep-alive `node:http` POST of the same body every 1 s', code: `${BODY} const http = await import('node:http'); const agent = new http.Agent({ keepAlive: true }); ${every(1000, `const r = http.request(${JSON.stringify(url)}, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => res.resume()); r.end(body);`)}` },
  { label: 'raw socket: the same request bytes every 1 s', code: `${BODY} const net = await import('node:net'); const socket = net.connect(${port}, '127.0.0.1'); socket.on('data', () => {}); const head = 'POST /metrics HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Type: application/json\\r\\nContent-Length: ' + Buffer.byteLength(body) + '\\r\\n\\r\\n'; ${every(1000, 'socket.write(head + body);')}` },
];

function runOnce(variant: Variant): Promise<number> {
  const measure = `
const { setTimeout: sleep } = await import('node:timers/promises');
${variant.code}
await sleep(${WARMUP});
const start = process.cpuUsage();
await sleep(${SECONDS * 1000});
const used = process.cpuUsage(start);
process.stdout.write('CPU=' + (used.user + used.system) + '\\n');
process.exit(0);`;
  const args = [...(variant.onload ? ['--import', 'hmetrics/onload'] : []), '--input-type=module', '-e', measure];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...variant.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.on('close', () => {
      const match = /CPU=(\d+)/.exec(out);
      if (match === null) reject(new Error(`${variant.label}: ${out}`));
      else resolve(Number(match[1]) / 1000 / SECONDS); // ms of CPU per second
    });
  });
}

const runs = await rotated(variants, ROUNDS, runOnce);
server.close();

const bare = median(runs[0]!);
const over = (i: number): number[] => runs[i]!.map((value) => value - bare);
const show = (values: number[]): string => {
  const [low, high] = quartiles(values);
  return `${median(values).toFixed(2)} (${low.toFixed(2)}…${high.toFixed(2)})`;
};
const m = (i: number): number => median(over(i));
console.log(`node ${process.version}; ${ROUNDS} rounds of ${SECONDS} s, variants rotated; ms of CPU per second over a bare idle child (${bare.toFixed(2)} ms/s), median (interquartile range)\n`);
console.log('| variant | CPU ms per s |');
console.log('|---|---|');
for (let i = 1; i < variants.length; i++) console.log(`| ${variants[i]!.label} | ${show(over(i))} |`);

const [probe, gcObserver, sampled, onload20, onload1, promIdle, prom1, bareHttp, raw] = [1, 2, 3, 4, 5, 6, 7, 8, 9].map(m) as number[] as [number, number, number, number, number, number, number, number, number];
const perIntervalOurs = onload1 - onload20; // sample + delivery, once per interval
const perIntervalProm = prom1 - promIdle;
const sample = sampled - probe - gcObserver;
console.log('\n| piece | CPU ms per s at 1 s | at 20 s |');
console.log('|---|---|---|');
console.log(`| probe | ${probe.toFixed(2)} | ${probe.toFixed(2)} |`);
console.log(`| GC observer | ${gcObserver.toFixed(2)} | ${gcObserver.toFixed(2)} |`);
console.log(`| sample + serialisation (per interval) | ${sample.toFixed(2)} | ${(sample / 20).toFixed(3)} |`);
console.log(`| delivery (per interval: onload's per-interval cost minus the sample) | ${(perIntervalOurs - sample).toFixed(2)} | ${((perIntervalOurs - sample) / 20).toFixed(3)} |`);
console.log(`| bare keep-alive node:http POST, same body | ${bareHttp.toFixed(2)} | ${(bareHttp / 20).toFixed(3)} |`);
console.log(`| raw socket, same bytes | ${raw.toFixed(2)} | ${(raw / 20).toFixed(3)} |`);
const ours20 = onload20 + perIntervalOurs / 20;
const prom20 = promIdle + perIntervalProm / 20;
console.log(`\nhmetrics vs prom-client, idle: at 1 s ${onload1.toFixed(2)} vs ${prom1.toFixed(2)} ms/s = ${(onload1 / prom1).toFixed(2)}×; `
  + `at 20 s ${ours20.toFixed(2)} vs ${prom20.toFixed(2)} ms/s = ${(ours20 / prom20).toFixed(2)}× (targets ≤ 0.5× and ≤ 0.4×)`);
