/**
 * The idle second: CPU time per second of an otherwise idle process reporting to a loopback
 * Heroku endpoint, against prom-client's default metrics POSTed at the same interval, and the
 * pieces of hmetrics' cost (probe, GC observer, sample, delivery) and of the delivery path
 * (hmetrics' delivery vs a bare keep-alive `node:http` POST of the same body, and a raw socket).
 *
 *   npm run build && node dist/bench/idle.bench.js [--rounds 5] [--seconds 6] [--before b.tgz]
 *
 * `--before` adds the two onload variants (1 s and 20 s) run on a second tarball (an earlier
 * build) in the same rounds, so a change is judged against its base in one run.
 *
 * Each variant is a child process: it idles for a warm-up (the first delivery loads and
 * compiles the delivery path once), then its `process.cpuUsage()` is read over `--seconds`.
 * Variants rotate every round; medians with the interquartile range; every figure is over the
 * bare idle child of the same rounds. A 20 s interval is too long to sit through per round: its
 * figures add the continuous cost (measured with no delivery in the window) to the cost per
 * interval (measured at 1 s) divided by 20. The probe goes idle after its first check (1 s,
 * inside the warm-up); the "held active" variants keep it at 20 ms as it ran before idle mode,
 * in the same run. Last, in this process: the idle hook's own cost per callback.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { argument, installedProject, median, quartiles, ROOT, rotated, runtimeBodyCode } from './helpers/installed.js';

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

interface Variant { readonly key: string; readonly label: string; readonly code: string; readonly env?: Record<string, string>; readonly onload?: boolean; readonly cwd?: string }
/** Holds the shared probe active (a reader that turned idle mode off): how every variant ran before idle mode. */
const ACTIVE = `const { delayProbe } = await import(${src('runtime/delay-probe.js')}); delayProbe().open(20, false, false);`;
const variants: Variant[] = [
  { key: 'bare', label: 'bare idle', code: '' },
  { key: 'probeIdle', label: 'probe, idle mode (20 ms active, 250 ms idle)', code: `const { EventLoopDelayCollector } = await import(${src('runtime/event-loop-delay.js')}); new EventLoopDelayCollector(20).enable();` },
  { key: 'probeActive', label: 'probe, active mode (20 ms, `delayIdle: false`)', code: `const { EventLoopDelayCollector } = await import(${src('runtime/event-loop-delay.js')}); new EventLoopDelayCollector(20, false, false).enable();` },
  { key: 'gc', label: 'GC observer', code: `const { GcCollector } = await import(${src('runtime/gc.js')}); new GcCollector().enable();` },
  { key: 'sampled', label: 'sampler, sampled every 1 s, no delivery', code: `${BODY} const sampler = createRuntimeSampler(); sampler.enable(); const a = new Aggregator(); ${every(1000, 'sampler.collect(a); JSON.stringify(flatten(a.swap()));')}` },
  { key: 'onload20', label: 'onload, 20 s interval (no delivery in the window)', code: '', onload: true, env: { HEROKU_METRICS_URL: url } },
  { key: 'onload1', label: 'onload, 1 s interval', code: '', onload: true, env: { HEROKU_METRICS_URL: url, HMETRICS_INTERVAL: '1000' } },
  { key: 'onload20Active', label: 'onload, 20 s interval, probe held active (as before idle mode)', code: ACTIVE, onload: true, env: { HEROKU_METRICS_URL: url } },
  { key: 'onload1Active', label: 'onload, 1 s interval, probe held active (as before idle mode)', code: ACTIVE, onload: true, env: { HEROKU_METRICS_URL: url, HMETRICS_INTERVAL: '1000' } },
  { key: 'promIdle', label: 'prom-client default metrics, no POST', code: "const { createRequire } = await import('node:module'); const client = createRequire(import.meta.url)('prom-client'); client.collectDefaultMetrics();" },
  { key: 'prom1', label: 'prom-client default metrics, POST every 1 s', code: `const http = await import('node:http'); const agent = new http.Agent({ keepAlive: true }); const { createRequire } = await import('node:module'); const client = createRequire(import.meta.url)('prom-client'); client.collectDefaultMetrics(); ${every(1000, `client.register.metrics().then((text) => { const r = http.request(${JSON.stringify(url)}, { method: 'POST', agent }, (res) => res.resume()); r.end(text); });`)}` },
  { key: 'bareHttp', label: 'bare keep-alive `node:http` POST of the same body every 1 s', code: `${BODY} const http = await import('node:http'); const agent = new http.Agent({ keepAlive: true }); ${every(1000, `const r = http.request(${JSON.stringify(url)}, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => res.resume()); r.end(body);`)}` },
  { key: 'raw', label: 'raw socket: the same request bytes every 1 s', code: `${BODY} const net = await import('node:net'); const socket = net.connect(${port}, '127.0.0.1'); socket.on('data', () => {}); const head = 'POST /metrics HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Type: application/json\\r\\nContent-Length: ' + Buffer.byteLength(body) + '\\r\\n\\r\\n'; ${every(1000, 'socket.write(head + body);')}` },
];
const beforeTarball = argument('--before');
const earlierInstall = beforeTarball === undefined ? undefined : installedProject({}, beforeTarball);
if (earlierInstall !== undefined) {
  for (const key of ['onload20', 'onload1']) {
    const variant = variants.find((v) => v.key === key)!;
    variants.push({ ...variant, key: `${key}Before`, label: `${variant.label} — before`, cwd: earlierInstall.dir });
  }
}

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
    const child = spawn(process.execPath, args, { cwd: variant.cwd ?? ROOT, env: { PATH: process.env['PATH'] ?? '', ...variant.env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
earlierInstall?.remove();

const bare = median(runs[0]!);
const over = (i: number): number[] => runs[i]!.map((value) => value - bare);
const show = (values: number[]): string => {
  const [low, high] = quartiles(values);
  return `${median(values).toFixed(2)} (${low.toFixed(2)}…${high.toFixed(2)})`;
};
console.log(`node ${process.version}; ${ROUNDS} rounds of ${SECONDS} s, variants rotated; ms of CPU per second over a bare idle child (${bare.toFixed(2)} ms/s), median (interquartile range)\n`);
console.log('| variant | CPU ms per s |');
console.log('|---|---|');
for (let i = 1; i < variants.length; i++) console.log(`| ${variants[i]!.label} | ${show(over(i))} |`);

const at = (key: string): number => variants.findIndex((v) => v.key === key);
const m = (key: string): number => median(over(at(key)));
const probeIdle = m('probeIdle');
const probeActive = m('probeActive');
const gcObserver = m('gc');
const prom20 = m('promIdle') + (m('prom1') - m('promIdle')) / 20;
const prom1 = m('prom1');
/** Per interval (sample + serialisation + delivery) and the continuous cost, for onload with the probe as given. */
const totals = (at20: string, at1: string): { at20: number; at1: number; perInterval: number } => {
  const perInterval = m(at1) - m(at20);
  return { at20: m(at20) + perInterval / 20, at1: m(at1), perInterval };
};
const after = totals('onload20', 'onload1');
const before = totals('onload20Active', 'onload1Active');
const sample = m('sampled') - probeIdle - gcObserver;
const delivery = after.perInterval - sample;
console.log('\n| piece | CPU ms per s at 1 s | at 20 s |');
console.log('|---|---|---|');
console.log(`| probe, idle mode | ${probeIdle.toFixed(2)} | ${probeIdle.toFixed(2)} |`);
console.log(`| probe, active mode (before idle mode; still so under load) | ${probeActive.toFixed(2)} | ${probeActive.toFixed(2)} |`);
console.log(`| GC observer | ${gcObserver.toFixed(2)} | ${gcObserver.toFixed(2)} |`);
console.log(`| sample + serialisation (per interval) | ${sample.toFixed(2)} | ${(sample / 20).toFixed(3)} |`);
console.log(`| delivery (per interval: onload's per-interval cost minus the sample) | ${delivery.toFixed(2)} | ${(delivery / 20).toFixed(3)} |`);
console.log(`| bare keep-alive node:http POST, same body | ${m('bareHttp').toFixed(2)} | ${(m('bareHttp') / 20).toFixed(3)} |`);
console.log(`| raw socket, same bytes | ${m('raw').toFixed(2)} | ${(m('raw') / 20).toFixed(3)} |`);
const ratio = (ours: number, theirs: number): string => `${ours.toFixed(2)} vs ${theirs.toFixed(2)} ms/s = ${(ours / theirs).toFixed(2)}×`;
console.log(`\nhmetrics vs prom-client, idle (targets ≤ 0.5× at 1 s, ≤ 0.4× at 20 s):`);
console.log(`  idle mode:             at 1 s ${ratio(after.at1, prom1)}; at 20 s ${ratio(after.at20, prom20)}`);
console.log(`  probe held active:     at 1 s ${ratio(before.at1, prom1)}; at 20 s ${ratio(before.at20, prom20)}`);
if (beforeTarball !== undefined) {
  const earlier = totals('onload20Before', 'onload1Before');
  console.log(`  --before tarball:      at 1 s ${ratio(earlier.at1, prom1)}; at 20 s ${ratio(earlier.at20, prom20)}`);
  console.log(`  this build vs before:  at 1 s ${(after.at1 / earlier.at1).toFixed(2)}×, per interval ${after.perInterval.toFixed(2)} vs ${earlier.perInterval.toFixed(2)} ms`);
}

// The idle hook's own cost per callback, in this process: a chain of immediates and of awaits,
// with the hook (limits that never wake) enabled and disabled, alternated.
const { IdleWatch } = await import(pathToFileURL(`${ROOT}dist/src/runtime/idle-watch.js`).href);
const watch = new IdleWatch({ blockMs: Infinity, busyMs: Infinity, callbacks: Infinity, windowMs: 250 }, () => {});
const N = 200_000;
const chains = {
  immediate: (): Promise<void> => new Promise((resolve) => { let i = 0; const next = (): void => { if (++i < N) setImmediate(next); else resolve(); }; setImmediate(next); }),
  await: async (): Promise<void> => { for (let i = 0; i < N; i++) await null; },
};
console.log('\n| idle hook, CPU per callback (µs) | disabled | enabled | cost |');
console.log('|---|---|---|---|');
for (const [name, chain] of Object.entries(chains)) {
  const off: number[] = [];
  const on: number[] = [];
  for (let round = 0; round < ROUNDS * 2; round++) {
    const enabled = round % 2 === 1;
    if (enabled) watch.enable();
    const start = process.cpuUsage();
    await chain();
    const used = process.cpuUsage(start);
    watch.disable();
    (enabled ? on : off).push((used.user + used.system) / N);
  }
  console.log(`| ${name} chain | ${median(off).toFixed(3)} | ${median(on).toFixed(3)} | ${(median(on) - median(off)).toFixed(3)} |`);
}
