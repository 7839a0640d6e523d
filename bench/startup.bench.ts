/**
 * Startup cost: wall time and RSS of a process that loads hmetrics' onload entry, vs bare node
 * and vs prom-client with its default metrics. Variants alternate (order rotated every round),
 * many repetitions, medians.
 *
 *   npm run build && node dist/bench/startup.bench.js
 *
 * Wall time is spawn to exit as the parent sees it. RSS is read inside the child, in an exit
 * handler, so it includes everything the variant loaded and started.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROUNDS = process.argv.includes('--quick') ? 8 : 30;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// On stderr with a marker: the log sink may print on stdout.
const PRINT_RSS = "process.on('exit', () => process.stderr.write('RSS=' + process.memoryUsage.rss() + '\\n'));";

interface Variant {
  readonly label: string;
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
}

const variants: Variant[] = [
  { label: 'bare `node -e 0`', args: ['-e', `${PRINT_RSS} 0`] },
  // The floor any `--import` pays: the ESM loader itself, for an empty module.
  { label: '`--import` of an empty module (reference)', args: ['--import', 'data:text/javascript,', '-e', `${PRINT_RSS} 0`] },
  { label: '`--import hmetrics/onload`, no env (stays idle)', args: ['--import', 'hmetrics/onload', '-e', `${PRINT_RSS} 0`] },
  {
    label: '`--import hmetrics/onload`, `HMETRICS_URL=log:` (starts reporting)',
    args: ['--import', 'hmetrics/onload', '-e', `${PRINT_RSS} 0`],
    env: { HMETRICS_URL: 'log:' },
  },
  { label: "prom-client: `require('prom-client').collectDefaultMetrics()`", args: ['-e', `${PRINT_RSS} require('prom-client').collectDefaultMetrics()`] },
];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function runOnce(variant: Variant): { ms: number; rss: number } {
  const start = performance.now();
  const result = spawnSync(process.execPath, [...variant.args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...variant.env },
    encoding: 'utf8',
  });
  const ms = performance.now() - start;
  const rss = /RSS=(\d+)/.exec(result.stderr)?.[1];
  if (result.status !== 0 || rss === undefined) {
    throw new Error(`${variant.label} failed (${result.status}): ${result.stderr}`);
  }
  return { ms, rss: Number(rss) };
}

const times = variants.map(() => [] as number[]);
const rss = variants.map(() => [] as number[]);
for (const variant of variants) runOnce(variant); // warm the file cache
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < variants.length; k++) {
    const i = (round + k) % variants.length;
    const { ms, rss: bytes } = runOnce(variants[i]!);
    times[i]!.push(ms);
    rss[i]!.push(bytes);
  }
}

const baseMs = median(times[0]!);
const baseRss = median(rss[0]!);
const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
const signed = (n: number, digits: number): string => `${n >= 0 ? '+' : ''}${n.toFixed(digits)}`;
console.log(`node ${process.version}; ${ROUNDS} rounds, variants alternated, medians\n`);
console.log('| process | wall time (ms) | vs bare node | RSS at exit (MB) | vs bare node |');
console.log('|---|---|---|---|---|');
variants.forEach((variant, i) => {
  const ms = median(times[i]!);
  const bytes = median(rss[i]!);
  const delta = i === 0 ? '—' : `${signed(ms - baseMs, 1)} ms (${(ms / baseMs).toFixed(2)}×)`;
  const deltaRss = i === 0 ? '—' : `${signed((bytes - baseRss) / 1024 / 1024, 1)} MB (${(bytes / baseRss).toFixed(2)}×)`;
  console.log(`| ${variant.label} | ${ms.toFixed(1)} | ${delta} | ${mb(bytes)} | ${deltaRss} |`);
});
const ours = [2, 3];
const worstMs = Math.max(...ours.map((i) => median(times[i]!))) - baseMs;
const worstRss = (Math.max(...ours.map((i) => median(rss[i]!))) - baseRss) / 1024 / 1024;
console.log(`\ntargets ≤ +15 ms and ≤ +3 MB over bare node: ${worstMs <= 15 ? 'met' : 'NOT met'} (${signed(worstMs, 1)} ms), `
  + `${worstRss <= 3 ? 'met' : 'NOT met'} (${signed(worstRss, 1)} MB)`);
