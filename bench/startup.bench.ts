/**
 * Startup cost as a user pays it, on the package installed from its tarball: CPU time, wall time
 * and peak RSS of whole processes, each over bare `node -e 1`, for onload with each endpoint
 * configured, against prom-client's `collectDefaultMetrics()` plus one POST at exit and a floor
 * script (load perf_hooks and http, make one POST). Variants rotated every round; medians with
 * the interquartile range; ratios against prom-client.
 *
 *   npm run build && node dist/bench/startup.bench.js [--rounds 30] [--tarball a.tgz] [--before b.tgz]
 *
 * `--before` adds each onload case run on a second tarball (an earlier build) in the same rounds.
 *
 * CPU and peak RSS are read inside the child in an `exit` listener a `--require` installs first
 * (`process.cpuUsage()`, `resourceUsage().maxRSS`), so they include onload's final delivery at
 * exit; wall time is spawn to exit as the parent sees it. Every POST goes to a loopback server
 * in this process that answers 200 at once.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { argument, installedProject, median, quartiles, rotated } from './helpers/installed.js';

const ROUNDS = Number(argument('--rounds') ?? 30);

const MEASURE = `process.on('exit', () => { const c = process.cpuUsage(); process.stderr.write('\\nM=' + (c.user + c.system) + ',' + process.resourceUsage().maxRSS + '\\n'); });\n`;
const post = (url: string, body: string): string =>
  `const req = require('node:http').request(${JSON.stringify(url)}, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => res.resume()); req.end(${body});`;

const server: Server = createServer((req, res) => { req.resume(); req.on('end', () => res.end()); });
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
// A port nothing listens on: the OTLP collector that refuses.
const closed = createServer();
await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
const refused = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
await new Promise<void>((resolve) => closed.close(() => resolve()));

const project = installedProject({
  'measure.cjs': MEASURE,
  'prom.cjs': `const client = require('prom-client'); client.collectDefaultMetrics();
process.once('beforeExit', async () => { ${post(url, 'await client.register.metrics()')} });`,
  'floor.cjs': `require('node:perf_hooks').monitorEventLoopDelay; ${post(url, "JSON.stringify({ counters: {}, gauges: {} })")}`,
});

interface Variant { readonly label: string; readonly args: readonly string[]; readonly env?: Record<string, string>; readonly cwd?: string }
const onload = ['--import', 'hmetrics/onload', '-e', '1'];
const variants: Variant[] = [
  { label: 'bare `node -e 1`', args: ['-e', '1'] },
  { label: 'floor: perf_hooks + http, one POST', args: ['floor.cjs'] },
  { label: 'prom-client `collectDefaultMetrics()` + one POST at exit', args: ['prom.cjs'] },
  { label: 'onload, nothing configured', args: onload },
  { label: 'onload, `HEROKU_METRICS_URL` (a dyno)', args: onload, env: { HEROKU_METRICS_URL: url } },
  { label: 'onload, `HMETRICS_PROMETHEUS_LISTEN`', args: onload, env: { HMETRICS_PROMETHEUS_LISTEN: '127.0.0.1:0' } },
  { label: 'onload, OTLP endpoint refusing', args: onload, env: { OTEL_EXPORTER_OTLP_ENDPOINT: refused } },
  { label: 'onload, Heroku URL + `HMETRICS_HTTP_CLIENT=1`', args: onload, env: { HEROKU_METRICS_URL: url, HMETRICS_HTTP_CLIENT: '1' } },
];
const beforeTarball = argument('--before');
const before = beforeTarball === undefined ? undefined : installedProject({ 'measure.cjs': MEASURE }, beforeTarball);
if (before !== undefined) {
  for (const variant of variants.filter((v) => v.label.startsWith('onload'))) {
    variants.push({ ...variant, label: `${variant.label} — before`, cwd: before.dir });
  }
}

interface Run { readonly cpu: number; readonly wall: number; readonly rss: number }
function runOnce(variant: Variant): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, ['--require', './measure.cjs', ...variant.args], {
      cwd: variant.cwd ?? project.dir, env: { PATH: process.env['PATH'] ?? '', ...variant.env }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('close', (code) => {
      const wall = performance.now() - start;
      const match = /M=(\d+),(\d+)/.exec(stderr);
      if (code !== 0 || match === null) reject(new Error(`${variant.label} failed (${code}): ${stderr}`));
      else resolve({ cpu: Number(match[1]) / 1000, wall, rss: Number(match[2]) / 1024 });
    });
  });
}

for (const variant of variants) await runOnce(variant); // warm the file cache
const runs = await rotated(variants, ROUNDS, runOnce);
server.close();
project.remove();
before?.remove();

const bare = runs[0]!;
const PEER = 2;
const added = (i: number, key: keyof Run): number[] => {
  const base = median(bare.map((run) => run[key]));
  return runs[i]!.map((run) => run[key] - base);
};
const show = (values: number[], digits: number): string => {
  const [low, high] = quartiles(values);
  return `${median(values) >= 0 ? '+' : ''}${median(values).toFixed(digits)} (${low.toFixed(digits)}…${high.toFixed(digits)})`;
};
console.log(`node ${process.version}; ${ROUNDS} rounds, variants rotated; medians over bare node (interquartile range)\n`);
console.log(`bare \`node -e 1\`: ${median(bare.map((r) => r.cpu)).toFixed(1)} ms CPU, ${median(bare.map((r) => r.wall)).toFixed(1)} ms wall, ${median(bare.map((r) => r.rss)).toFixed(1)} MB peak RSS\n`);
console.log('| case | added CPU (ms) | added wall (ms) | added peak RSS (MB) | CPU vs prom-client | wall vs prom-client |');
console.log('|---|---|---|---|---|---|');
const peerCpu = median(added(PEER, 'cpu'));
const peerWall = median(added(PEER, 'wall'));
for (let i = 1; i < variants.length; i++) {
  const cpu = added(i, 'cpu');
  const wall = added(i, 'wall');
  console.log(`| ${variants[i]!.label} | ${show(cpu, 1)} | ${show(wall, 1)} | ${show(added(i, 'rss'), 1)} | ${(median(cpu) / peerCpu).toFixed(2)}× | ${(median(wall) / peerWall).toFixed(2)}× |`);
}
