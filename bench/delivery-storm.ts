/**
 * What a misbehaving endpoint costs (issues 16 and 19): requests and CPU against a collector
 * answering every request 503 with a "retry now" `Retry-After`, POSTs made with an interval
 * past a Node timer's ceiling, and the wall a short job pays at exit when its OTLP endpoint
 * refuses. Counts, not timings, except the exit, which is a median over bare node in the same run.
 *
 *   npm run build && node dist/bench/delivery-storm.js
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Aggregator, report } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function serve(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  return new Promise((resolve) => { const server = createServer(handler); server.listen(0, '127.0.0.1', () => resolve(server)); });
}
const portOf = (server: Server): number => (server.address() as AddressInfo).port;

function child(args: string[], env: Record<string, string>): Promise<{ ms: number; stderr: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const c = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.on('close', () => resolve({ ms: performance.now() - started, stderr }));
  });
}

{
  let posts = 0;
  const server = await serve((req, res) => { req.resume(); req.on('end', () => { posts++; res.end(); }); });
  const run = await child(['--import', 'hmetrics/onload', '-e', 'setTimeout(() => {}, 2000)'], { HMETRICS_URL: `http://127.0.0.1:${portOf(server)}/`, HMETRICS_INTERVAL: '3000000000' });
  console.log(`HMETRICS_INTERVAL=3000000000, a 2 s app: ${posts} POSTs, ${(run.stderr.match(/TimeoutOverflowWarning/g) ?? []).length} TimeoutOverflowWarnings`);
  server.close();
}

for (const value of ['0', '-5', '1.5', 'Wed, 31 Dec 2025 23:00:00 GMT']) {
  let requests = 0;
  const server = await serve((req, res) => { req.resume(); req.on('end', () => { requests++; res.writeHead(503, { 'Retry-After': value }); res.end(); }); });
  const controller = new AbortController();
  const aggregator = new Aggregator();
  const ticker = setInterval(() => aggregator.count('x', 1), 50);
  const cpu = process.cpuUsage();
  const running = report(controller.signal, `otlp+http://127.0.0.1:${portOf(server)}/v1/metrics`, () => undefined, { interval: 1000, aggregator });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  clearInterval(ticker);
  controller.abort();
  await running;
  const used = process.cpuUsage(cpu);
  console.log(`OTLP collector 503 + Retry-After ${JSON.stringify(value)}, 3 s at a 1 s interval: ${requests} requests, ${Math.round((used.user + used.system) / 1000)} ms CPU`);
  server.close();
}

{
  const server = await serve(() => undefined);
  const port = portOf(server);
  await new Promise((resolve) => server.close(resolve));
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const bare: number[] = [];
  const refused: number[] = [];
  for (let i = 0; i < 7; i++) {
    bare.push((await child(['-e', '0'], {})).ms);
    refused.push((await child(['--import', 'hmetrics/onload', '-e', '0'], { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` })).ms);
  }
  console.log(`a short job whose OTLP endpoint refuses: +${Math.round(median(refused) - median(bare))} ms wall over bare node (median of 7; flushTimeout is 2000 ms)`);
}
