/**
 * Event-loop delay probe: accuracy against idle cost, per resolution, for our own probe and for
 * `monitorEventLoopDelay()` minus its resolution (what most collectors read, without the minus).
 *
 *   node dist/bench/runtime-probe.bench.js
 *
 * Cost: CPU time an otherwise idle child spends per second with the probe on, minus a child
 * without it (median of alternated runs), after a 1.2 s warm-up (hmetrics' probe goes idle after
 * its first check, at 1 s). Accuracy: the idle median, and what a 200 ms synchronous block reads
 * as the interval max when it starts at a random phase of the probe; for hmetrics in idle mode,
 * every block starts while the probe is idle (slow).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHistogram, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Aggregator } from '../src/metrics/aggregator.js';
import { RuntimeMetric } from '../src/metrics/names.js';
import { EventLoopDelayCollector } from '../src/runtime/event-loop-delay.js';
import { delayProbe } from '../src/runtime/delay-probe.js';

type Mode = 'none' | 'idle' | 'hmetrics' | 'js' | 'eld';
interface Probe { enable(): void; disable(): void; read(): { median: number; max: number } }

function makeProbe(mode: Mode, resolution: number): Probe {
  if (mode === 'hmetrics' || mode === 'idle') {
    const collector = new EventLoopDelayCollector(resolution, false, mode === 'idle');
    const aggregator = new Aggregator();
    return {
      enable: () => collector.enable(),
      disable: () => collector.disable(),
      read() {
        collector.collect(aggregator);
        const gauges = aggregator.swap().gauges;
        return { median: gauges.get(RuntimeMetric.eventLoopDelayMedian)!.value, max: gauges.get(RuntimeMetric.eventLoopDelayMax)!.value };
      },
    };
  }
  if (mode === 'js') {
    // A probe all in JS: a re-armed timer measuring its own lateness into a histogram.
    const histogram = createHistogram();
    let due = 0;
    let timer: NodeJS.Timeout | undefined;
    const tick = (): void => {
      const now = performance.now();
      histogram.record(Math.max(0, Math.round((now - due) * 1000)) + 1);
      due = now + resolution;
      timer?.refresh();
    };
    return {
      enable() { due = performance.now() + resolution; timer = setTimeout(tick, resolution); timer.unref(); },
      disable: () => clearTimeout(timer),
      read() {
        const result = { median: (histogram.percentile(50) - 1) / 1000, max: (histogram.max - 1) / 1000 };
        histogram.reset();
        return result;
      },
    };
  }
  // What most collectors do: monitorEventLoopDelay read and reset each interval (minus the period here).
  const histogram = monitorEventLoopDelay({ resolution });
  return {
    enable: () => histogram.enable(),
    disable: () => histogram.disable(),
    read() {
      const result = { median: Math.max(0, histogram.percentile(50) / 1e6 - resolution), max: Math.max(0, histogram.max / 1e6 - resolution) };
      histogram.reset();
      return result;
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

async function child(kind: string, mode: Mode, resolution: number): Promise<void> {
  if (kind === 'cost') {
    const probe = mode === 'none' ? undefined : makeProbe(mode, resolution);
    probe?.enable();
    await sleep(1200);
    const start = process.cpuUsage();
    await sleep(2000);
    const cpu = process.cpuUsage(start);
    probe?.disable();
    process.stdout.write(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000 }));
    return;
  }
  const probe = makeProbe(mode, resolution);
  probe.enable();
  await sleep(1000);
  await immediate();
  const idle = probe.read().median;
  const blocks: number[] = [];
  for (let i = 0; i < 10; i++) {
    await sleep(100 + Math.random() * resolution);
    if (mode === 'idle') {
      // The block starts while the probe is slow: let it go idle (its own check, sooner).
      while (!delayProbe().idle) {
        await sleep(60);
        delayProbe().check();
      }
    }
    await immediate();
    probe.read();
    // Half the blocks start right after a collect, half at a random point mid-interval.
    if (i % 2 === 1) await sleep(30 + Math.random() * 50);
    if (mode === 'idle' && !delayProbe().idle) throw new Error('the probe woke before the block');
    block(200);
    await sleep(resolution * 2 + 5);
    await immediate();
    blocks.push(probe.read().max);
  }
  probe.disable();
  process.stdout.write(JSON.stringify({ idle, blocks }));
}

function run(args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), 'child', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c));
    proc.on('error', reject);
    proc.on('close', () => resolve(JSON.parse(out)));
  });
}

const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const f = (n: number, d = 1): string => n.toFixed(d);

async function main(): Promise<void> {
  const resolutions = [5, 10, 20, 50];
  const modes: Mode[] = ['idle', 'hmetrics', 'js', 'eld'];
  const costs = new Map<string, number[]>();
  const baseline: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    // Idle children barely use the CPU, so they can run side by side; the baseline runs with them.
    const jobs: Array<Promise<void>> = [run(['cost', 'none', '0']).then((r) => void baseline.push(r.cpuMs))];
    for (const mode of modes) {
      for (const r of resolutions) {
        const key = `${mode}:${r}`;
        jobs.push(run(['cost', mode, String(r)]).then((res) => void (costs.get(key) ?? costs.set(key, []).get(key)!).push(res.cpuMs)));
      }
    }
    await Promise.all(jobs);
  }
  const base = median(baseline);
  console.log(`node ${process.version}, ${execFileSync('nproc').toString().trim()} cores; idle child baseline ${f(base / 2)} ms CPU/s\n`);
  console.log('| probe | resolution | idle CPU cost (ms/s) | idle median (ms) | 200 ms block reads as max (min / median / max, ms) | blocks missed |');
  console.log('|---|---|---|---|---|---|');
  const labels: Record<string, string> = {
    idle: 'hmetrics, idle mode (250 ms + hook while idle; blocks start idle)',
    hmetrics: 'hmetrics, active (monitorEventLoopDelay − period, + bridge; `delayIdle: false`)',
    js: 'JS timer probe',
    eld: 'monitorEventLoopDelay − period, reset per interval',
  };
  for (const mode of modes) {
    // Two accuracy children at a time: each is single-threaded and mostly busy-waiting.
    const results: Array<{ idle: number; blocks: number[] }> = [];
    for (let i = 0; i < resolutions.length; i += 2) {
      results.push(...(await Promise.all(resolutions.slice(i, i + 2).map((r) => run(['accuracy', mode, String(r)])))));
    }
    resolutions.forEach((r, i) => {
      const accuracy = results[i]!;
      const blocks = accuracy.blocks as number[];
      const cost = (median(costs.get(`${mode}:${r}`)!) - base) / 2;
      const missed = blocks.filter((b) => b < 100).length;
      console.log(`| ${labels[mode]} | ${r} ms | ${f(cost, 2)} | ${f(accuracy.idle, 3)} | ${f(Math.min(...blocks))} / ${f(median(blocks))} / ${f(Math.max(...blocks))} | ${missed} of ${blocks.length} |`);
    });
  }
}

if (process.argv[2] === 'child') await child(process.argv[3]!, process.argv[4] as Mode, Number(process.argv[5]));
else await main();
