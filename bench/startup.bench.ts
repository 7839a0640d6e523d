/**
 * Startup cost as a user pays it, on the package installed from its tarball: CPU time, wall time
 * and peak RSS of whole processes, for onload with each endpoint configured, against
 * prom-client's `collectDefaultMetrics()` plus one POST at exit and a floor script (load
 * perf_hooks and http, make one POST). Three groups, each over its own bare process, so each
 * side pays only what it adds to that kind of app:
 * - `node -e 1`: onload through `--import`, prom-client `require`d by a CommonJS script (the
 *   ESM loader's start is charged to hmetrics here);
 * - a CommonJS app: `node -r hmetrics/onload app.cjs` and `node prom.cjs` over `node app.cjs`;
 * - an ES module app: `node --import hmetrics/onload app.mjs` and `node prom.mjs` (importing
 *   prom-client) over `node app.mjs`, whose ESM loader the app pays either way.
 * Variants rotated every round; medians with the interquartile range; ratios against the
 * group's prom-client row.
 *
 *   npm run build && node dist/bench/startup.bench.js [--rounds 30] [--only dyno] [--tarball a.tgz] [--before b.tgz] [--instructions]
 *
 * `--instructions` counts instead, under valgrind's callgrind, the instructions each process
 * executes (all threads, less V8's random hash-seed search): they repeat to about ±0.5 M where
 * CPU time on a shared machine moves by ±0.5 ms (≈ 3 M instructions) even over 40 rounds.
 * Instructions are not time (a cache miss counts one), so the CPU-time run stays the measure;
 * this one says which way a small change went. `--rounds` defaults to 1 there.
 *
 * `--only <text>` keeps the rows whose label contains the text (and each group's bare and
 * prom-client rows). `--before` adds each onload case run on a second tarball (an earlier
 * build) in the same rounds.
 *
 * CPU and peak RSS are read inside the child in an `exit` listener a `--require` installs first
 * (`process.cpuUsage()`, `resourceUsage().maxRSS`), so they include onload's final delivery at
 * exit; wall time is spawn to exit as the parent sees it. Every POST goes to a loopback server
 * in this process that answers 200 at once (the OTLP collector answering too: an empty 200 is a
 * full success).
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { argument, installedProject, median, quartiles, rotated } from './helpers/installed.js';
import { countStartupInstructions, hasCallgrind } from './callgrind.js';

const INSTRUCTIONS = process.argv.includes('--instructions');
const ROUNDS = Number(argument('--rounds') ?? (INSTRUCTIONS ? 1 : 30));
if (INSTRUCTIONS && !hasCallgrind()) {
  console.log('valgrind is not installed: --instructions skipped (apt-get install valgrind).');
  process.exit(0);
}

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
  'prom.mjs': `import client from 'prom-client'; import { request } from 'node:http'; client.collectDefaultMetrics();
process.once('beforeExit', async () => { const body = await client.register.metrics(); const req = request(${JSON.stringify(url)}, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => res.resume()); req.end(body); });
`,
  // The host apps of the CommonJS and ES module groups: a script that does nothing.
  'app.cjs': `'use strict';\n`,
  'app.mjs': `export {};\n`,
  'floor.cjs': `require('node:perf_hooks').monitorEventLoopDelay; ${post(url, "JSON.stringify({ counters: {}, gauges: {} })")}`,
});

type Group = 'node -e 1' | 'CommonJS app' | 'ES module app';
interface Variant {
  readonly group: Group; readonly label: string; readonly args: readonly string[];
  readonly env?: Record<string, string>; readonly cwd?: string; readonly base?: true; readonly peer?: true;
}
const onload = ['--import', 'hmetrics/onload', '-e', '1'];
const esm = ['--import', 'hmetrics/onload', 'app.mjs'];
const cjs = ['-r', 'hmetrics/onload', 'app.cjs'];
const dyno = { HEROKU_METRICS_URL: url };
const prometheus = { HMETRICS_PROMETHEUS_LISTEN: '127.0.0.1:0' };
const otlpRefused = { OTEL_EXPORTER_OTLP_ENDPOINT: refused };
const otlpAnswering = { OTEL_EXPORTER_OTLP_ENDPOINT: url.replace(/\/metrics$/, '') };
const httpClient = { HEROKU_METRICS_URL: url, HMETRICS_HTTP_CLIENT: '1' };
/** Each configuration onload is measured with, in every group. */
const CASES: ReadonlyArray<readonly [string, Record<string, string> | undefined]> = [
  ['nothing configured', undefined],
  ['a dyno (`HEROKU_METRICS_URL`)', dyno],
  ['`HMETRICS_PROMETHEUS_LISTEN`', prometheus],
  ['OTLP endpoint refusing', otlpRefused],
  ['OTLP collector answering', otlpAnswering],
  ['Heroku URL + `HMETRICS_HTTP_CLIENT=1`', httpClient],
];
const onloadRows = (group: Group, how: string, args: readonly string[]): Variant[] =>
  CASES.map(([label, env]) => ({ group, label: `${how}, ${label}`, args, ...(env === undefined ? {} : { env }) }));
const all: Variant[] = [
  { group: 'node -e 1', label: 'bare `node -e 1`', args: ['-e', '1'], base: true },
  { group: 'node -e 1', label: 'floor: perf_hooks + http, one POST', args: ['floor.cjs'] },
  { group: 'node -e 1', label: 'prom-client `collectDefaultMetrics()` + one POST at exit', args: ['prom.cjs'], peer: true },
  ...onloadRows('node -e 1', '`--import hmetrics/onload -e 1`', onload),
  { group: 'CommonJS app', label: 'bare `node app.cjs`', args: ['app.cjs'], base: true },
  { group: 'CommonJS app', label: '`node prom.cjs`: prom-client `require`d, one POST at exit', args: ['prom.cjs'], peer: true },
  ...onloadRows('CommonJS app', '`node -r hmetrics/onload app.cjs`', cjs),
  { group: 'ES module app', label: 'bare `node app.mjs`', args: ['app.mjs'], base: true },
  { group: 'ES module app', label: '`node prom.mjs`: prom-client imported, one POST at exit', args: ['prom.mjs'], peer: true },
  ...onloadRows('ES module app', '`node --import hmetrics/onload app.mjs`', esm),
];
const only = argument('--only');
const variants = all.filter((v) => only === undefined || v.base === true || v.peer === true || v.label.includes(only));
const beforeTarball = argument('--before');
const before = beforeTarball === undefined ? undefined : installedProject({ 'measure.cjs': MEASURE, 'app.cjs': `'use strict';\n`, 'app.mjs': 'export {};\n' }, beforeTarball);
if (before !== undefined) {
  for (const variant of variants.filter((v) => v.base !== true && v.peer !== true && v.label.includes('onload'))) {
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

/** The same process under callgrind: instructions, in millions, in the `cpu` field. */
async function instructionsOnce(variant: Variant): Promise<Run> {
  const count = await countStartupInstructions(variant.args, { cwd: variant.cwd ?? project.dir, env: { ...variant.env } });
  return { cpu: count / 1e6, wall: 0, rss: 0 };
}

if (!INSTRUCTIONS) for (const variant of variants) await runOnce(variant); // warm the file cache
const runs = await rotated(variants, ROUNDS, INSTRUCTIONS ? instructionsOnce : runOnce);
server.close();
project.remove();
before?.remove();

const at = (v: Variant): Run[] => runs[variants.indexOf(v)]!;
const show = (values: number[], digits: number): string => {
  const [low, high] = quartiles(values);
  return `${median(values) >= 0 ? '+' : ''}${median(values).toFixed(digits)} (${low.toFixed(digits)}…${high.toFixed(digits)})`;
};
console.log(`node ${process.version}; ${ROUNDS} rounds, variants rotated; medians over each group's bare process (interquartile range)${INSTRUCTIONS ? '; instructions (millions) under callgrind' : ''}\n`);
for (const group of ['node -e 1', 'CommonJS app', 'ES module app'] as const) {
  const members = variants.filter((v) => v.group === group);
  const base = members.find((v) => v.base === true)!;
  const peer = members.find((v) => v.peer === true)!;
  const bare = at(base);
  const added = (v: Variant, key: keyof Run): number[] => {
    const middle = median(bare.map((run) => run[key]));
    return at(v).map((run) => run[key] - middle);
  };
  const peerCpu = median(added(peer, 'cpu'));
  if (INSTRUCTIONS) {
    console.log(`${group}: ${base.label} ${median(bare.map((r) => r.cpu)).toFixed(1)} M instructions\n`);
    console.log('| case | added instructions (M) | vs prom-client |');
    console.log('|---|---|---|');
    for (const v of members) {
      if (v !== base) console.log(`| ${v.label} | ${show(added(v, 'cpu'), 1)} | ${(median(added(v, 'cpu')) / peerCpu).toFixed(2)}× |`);
    }
    console.log('');
    continue;
  }
  console.log(`${group}: ${base.label} ${median(bare.map((r) => r.cpu)).toFixed(1)} ms CPU, ${median(bare.map((r) => r.wall)).toFixed(1)} ms wall, ${median(bare.map((r) => r.rss)).toFixed(1)} MB peak RSS\n`);
  console.log('| case | added CPU (ms) | added wall (ms) | added peak RSS (MB) | CPU vs prom-client | wall vs prom-client |');
  console.log('|---|---|---|---|---|---|');
  const peerWall = median(added(peer, 'wall'));
  for (const v of members) {
    if (v === base) continue;
    const cpu = added(v, 'cpu');
    const wall = added(v, 'wall');
    console.log(`| ${v.label} | ${show(cpu, 1)} | ${show(wall, 1)} | ${show(added(v, 'rss'), 1)} | ${(median(cpu) / peerCpu).toFixed(2)}× | ${(median(wall) / peerWall).toFixed(2)}× |`);
  }
  console.log('');
}
