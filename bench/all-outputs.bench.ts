/**
 * One runtime instrumentation, many readers: the CPU an otherwise idle process spends per second
 * with every output on (Heroku push, Prometheus listener, OTLP export beside it) against push
 * only, both over a bare `node` with the same idle timer. All outputs share one GC observer and
 * one event-loop probe, so their cost should be the push loop's plus the OTLP export's and the
 * scrape's own work, nothing duplicated.
 *
 *   npm run build --silent && node dist/bench/all-outputs.bench.js [rounds] [seconds]
 *
 * Each child runs under `--import hmetrics/onload`, waits 1 s (startup excluded), then measures
 * its own `process.cpuUsage()` over the window. Loopback endpoints in this process answer 200.
 * Variants alternate each round; medians are printed.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const rounds = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 3);

function sink(): Promise<Server> {
  const server = createServer((req, res) => { req.resume(); req.on('end', () => res.end()); });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const child = (scrape: boolean): string => `
const c = { v: undefined };
setInterval(() => {}, 1000);
setTimeout(async () => {
  const text = ${scrape} ? (await import('hmetrics')).prometheusText : undefined;
  const c0 = process.cpuUsage();
  if (text) setInterval(() => { void text(); }, 1000);
  setTimeout(() => { const d = process.cpuUsage(c0); console.log(d.user + d.system); process.exit(0); }, ${seconds * 1000});
}, 1000);
`;

async function run(env: Record<string, string>, scrape: boolean, onload: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = onload ? ['--import', 'hmetrics/onload', '-e', child(scrape)] : ['-e', child(false)];
    const p = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (t: string) => { out += t; });
    p.on('error', reject);
    p.on('close', () => resolve(Number(out.trim()) / 1000 / seconds)); // ms of CPU per second
  });
}

const heroku = await sink();
const otlp = await sink();
const port = (s: Server): number => (s.address() as AddressInfo).port;
const push = { HEROKU_METRICS_URL: `http://127.0.0.1:${port(heroku)}/metrics`, HMETRICS_INTERVAL: '1000' };
const all = {
  ...push,
  HMETRICS_PROMETHEUS_LISTEN: '127.0.0.1:0',
  OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port(otlp)}`,
  OTEL_METRIC_EXPORT_INTERVAL: '1000',
};
const variants: Array<{ name: string; env: Record<string, string>; scrape: boolean; onload: boolean }> = [
  { name: 'bare node', env: {}, scrape: false, onload: false },
  { name: 'push only (Heroku, 1 s)', env: push, scrape: false, onload: true },
  { name: 'all outputs (Heroku + Prometheus + OTLP, 1 s)', env: all, scrape: false, onload: true },
  { name: 'all outputs + one scrape a second', env: all, scrape: true, onload: true },
];
const samples = variants.map(() => [] as number[]);
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < variants.length; i++) {
    const v = variants[(i + r) % variants.length]!;
    samples[variants.indexOf(v)]!.push(await run(v.env, v.scrape, v.onload));
  }
}
heroku.close();
otlp.close();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bare = median(samples[0]!);
const pushCost = median(samples[1]!) - bare;
console.log(`| variant | CPU ms/s (median of ${rounds}) | above bare | × push only |`);
console.log('|---|---|---|---|');
variants.forEach((v, i) => {
  const m = median(samples[i]!);
  console.log(`| ${v.name} | ${m.toFixed(2)} | ${(m - bare).toFixed(2)} | ${i === 0 ? '—' : ((m - bare) / pushCost).toFixed(2)} |`);
});
