/**
 * What observing incoming requests costs a real app: an Express 4, Express 5 and Fastify 5 app
 * (one JSON route with a parameter, under a nested router for Express) in a child process,
 * loaded by autocannon over loopback for a bounded time, three ways in the same run:
 *   off   the app alone;
 *   on    the app with `enableHttpServerMonitor()` (hmetrics' diagnostics_channel monitor);
 *   otel  the app with OpenTelemetry's HTTP instrumentation and an SDK MeterProvider
 *         (stable HTTP semantic conventions, no tracer provider: the cheapest OTel setup).
 * Variants alternate within each round (order rotated); figures are medians over the rounds.
 * CPU per request is the server process's user+system CPU over the load window divided by the
 * requests autocannon completed; "added" subtracts the app alone. The monitor's own durations
 * (mean and p50 from its timer) are printed beside autocannon's mean (its percentiles have 1 ms
 * resolution): the gap is the loopback round trip, the parsing before the request starts and
 * the client's own work.
 *
 * Wall clock on a shared 2-core machine moves by ±10 % between identical runs, more than the
 * monitor costs: each paired figure is printed with its range over the rounds, and
 * http-server-instructions.bench counts instructions instead (repeats to about 1 %). A last
 * table times the monitor's own path in process, on and off in alternated blocks, which
 * repeats to about ±50 ns.
 *
 *   npm run build && node dist/bench/http-server.bench.js [--quick] [--seconds=N] [--rounds=N] [--pin] [--path-only]
 *
 * bench/http-server-instructions.bench.ts counts the same apps' instructions under callgrind.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ARGS = process.argv.slice(2);
const QUICK = ARGS.includes('--quick');
const option = (name: string, fallback: number): number => {
  const found = ARGS.find((arg) => arg.startsWith(`--${name}=`));
  return found ? Number(found.slice(name.length + 3)) : fallback;
};
const SECONDS = option('seconds', QUICK ? 2 : 4);
const ROUNDS = option('rounds', QUICK ? 2 : 3);
const WARMUP_SECONDS = 1;
/** `--pin`: the server on CPU 0, this process (autocannon) on CPU 1, so neither migrates or shares a core with the other. */
const PIN = ARGS.includes('--pin') && spawnSync('taskset', ['-p', '-c', '1', String(process.pid)]).status === 0;
const CONNECTIONS = 8;
const FRAMEWORKS = ['express4', 'express', 'fastify'] as const;
const VARIANTS = ['off', 'on', 'otel'] as const;
type Framework = typeof FRAMEWORKS[number];
type Variant = typeof VARIANTS[number];

interface ServerFigures { readonly cpuUs: number; readonly count: number; readonly meanMs: number; readonly p50Ms: number; readonly otelPoints: number }
interface Run { readonly rps: number; readonly cpuPerRequestUs: number; readonly clientMeanMs: number; readonly server: ServerFigures }

// ---------------------------------------------------------------- the child: one app, one variant
type Reader = { collect(): Promise<{ resourceMetrics: { scopeMetrics: { metrics: { descriptor: { name: string }; dataPoints: unknown[] }[] }[] } }> };

/** The app with the variant's instrumentation, listening on loopback. */
async function startApp(framework: Framework, variant: Variant): Promise<{ server: { port: number; close(): void }; reader: Reader | undefined; hmetrics: typeof import('../src/index.js') }> {
  let reader: Reader | undefined;
  if (variant === 'otel') {
    const { MeterProvider, PeriodicExportingMetricReader, InMemoryMetricExporter, AggregationTemporality } = require('@opentelemetry/sdk-metrics');
    const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
    const { registerInstrumentations } = require('@opentelemetry/instrumentation');
    reader = new PeriodicExportingMetricReader({ exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE), exportIntervalMillis: 60_000 });
    // Incoming requests only, as the monitor: the instruction count's client shares the process.
    registerInstrumentations({ instrumentations: [new HttpInstrumentation({ disableOutgoingRequestInstrumentation: true })], meterProvider: new MeterProvider({ readers: [reader] }) });
  }
  const hmetrics = await import('../src/index.js');
  if (variant === 'on') hmetrics.enableHttpServerMonitor();
  const server = framework === 'fastify' ? await fastifyServer() : await expressServer(framework);
  return { server, reader, hmetrics };
}

async function serve(framework: Framework, variant: Variant): Promise<void> {
  const { server, reader, hmetrics } = await startApp(framework, variant);
  let cpu = process.cpuUsage();
  process.on('message', async (message: string) => {
    if (message === 'start') {
      hmetrics.processAggregator.swap();
      cpu = process.cpuUsage();
      process.send!('started');
    } else if (message === 'stop') {
      const used = process.cpuUsage(cpu);
      const snapshot = hmetrics.processAggregator.swap();
      let count = 0;
      let sum = 0;
      const values: number[] = [];
      for (const timer of snapshot.timers.values()) {
        if (timer.name !== hmetrics.HttpServerMetric.durationMs) continue;
        count += timer.count;
        sum += timer.sum;
        values.push(...timer.values);
      }
      values.sort((a, b) => a - b);
      // Proof that the OTel variant measured something: its duration histogram's data points.
      let otelPoints = 0;
      for (const scope of (await reader?.collect())?.resourceMetrics.scopeMetrics ?? []) {
        for (const metric of scope.metrics) if (metric.descriptor.name === 'http.server.request.duration') otelPoints += metric.dataPoints.length;
      }
      const figures: ServerFigures = { cpuUs: used.user + used.system, count, meanMs: count ? sum / count : NaN, p50Ms: values.length ? values[values.length >> 1]! : NaN, otelPoints };
      process.send!(figures, () => { server.close(); process.exit(0); });
    }
  });
  process.send!({ port: server.port });
}

async function expressServer(framework: 'express' | 'express4'): Promise<{ port: number; close(): void }> {
  const express = require(framework);
  const app = express();
  const users = express.Router();
  users.get('/:id', (req: { params: { id: string } }, res: { json(body: unknown): void }) => res.json({ id: req.params.id, name: 'user' }));
  app.use('/api/users', users);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { port: server.address().port, close: () => server.close() };
}

async function fastifyServer(): Promise<{ port: number; close(): void }> {
  const Fastify = require('fastify');
  const app = Fastify();
  app.get('/api/users/:id', async (request: { params: { id: string } }) => ({ id: request.params.id, name: 'user' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: app.server.address().port, close: () => void app.close() };
}

// ---------------------------------------------------------------- one process, N requests (for a CPU profile: node --cpu-prof … loop express on 20000)
async function loop(framework: Framework, variant: Variant, requests: number): Promise<void> {
  const { port } = (await startApp(framework, variant)).server;
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const one = (): Promise<void> => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/api/users/42', agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
  });
  let sent = 0;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => { while (sent++ < requests) await one(); }));
  agent.destroy();
  process.exit(0);
}

/**
 * The monitor's own path per request, in one process with no network: a real IncomingMessage
 * and ServerResponse per request, published on Node's two channels as the server does, the
 * response's 'close' emitted (as Node always does; the monitor listens on the connection, once);
 * blocks with the monitor on and off alternate. What is added is everything the monitor does
 * per request (handlers, tags, one counter and one timer).
 */
async function handlerPath(): Promise<{ off: number; on: number }> {
  const dc = await import('node:diagnostics_channel');
  const hmetrics = await import('../src/index.js');
  const start = dc.channel('http.server.request.start');
  const finish = dc.channel('http.server.response.finish');
  const route = { path: '/:id' };
  const one = (): void => {
    const req = new http.IncomingMessage(null as never) as http.IncomingMessage & { route?: unknown; baseUrl?: string };
    req.method = 'GET';
    req.rawHeaders = ['Host', '127.0.0.1', 'Connection', 'keep-alive'];
    const res = new http.ServerResponse(req);
    if (start.hasSubscribers) start.publish({ request: req, response: res, socket: null, server: null });
    req.route = route;
    req.baseUrl = `/api${''}/users`;
    res.setHeader('Content-Length', '27');
    if (finish.hasSubscribers) finish.publish({ request: req, response: res, socket: null, server: null });
    res.emit('close');
  };
  const block = (n: number): number => {
    const cpu = process.cpuUsage();
    for (let i = 0; i < n; i++) one();
    const used = process.cpuUsage(cpu);
    return ((used.user + used.system) * 1000) / n;
  };
  block(200_000);
  const off: number[] = [];
  const on: number[] = [];
  for (let k = 0; k < 20; k++) {
    if (k % 2) hmetrics.enableHttpServerMonitor(); else hmetrics.disableHttpServerMonitor();
    (k % 2 ? on : off).push(block(100_000));
    hmetrics.processAggregator.swap();
  }
  hmetrics.disableHttpServerMonitor();
  return { off: median(off), on: median(on) };
}

// ---------------------------------------------------------------- the parent: load and compare
function start(framework: Framework, variant: Variant): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['serve', framework, variant], {
    env: { ...process.env, OTEL_SEMCONV_STABILITY_OPT_IN: 'http' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (PIN) spawnSync('taskset', ['-p', '-c', '0', String(child.pid)]);
  return new Promise((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve({ child, port: message.port }));
    child.once('exit', (code) => reject(new Error(`${framework}/${variant} exited with ${code}`)));
  });
}

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((resolve) => { child.once('message', (answer: T) => resolve(answer)); child.send(message); });
}

async function load(port: number, seconds: number): Promise<{ total: number; mean: number; errors: number }> {
  const autocannon = require('autocannon');
  const result = await autocannon({ url: `http://127.0.0.1:${port}/api/users/42`, connections: CONNECTIONS, duration: seconds });
  return { total: result.requests.total, mean: result.latency.mean, errors: result.errors + result.non2xx };
}

async function measure(framework: Framework, variant: Variant): Promise<Run> {
  const { child, port } = await start(framework, variant);
  await load(port, WARMUP_SECONDS);
  await ask(child, 'start');
  const client = await load(port, SECONDS);
  const server = await ask<ServerFigures>(child, 'stop');
  await new Promise((resolve) => child.once('exit', resolve));
  if (client.errors > 0) throw new Error(`${framework}/${variant}: ${client.errors} errors`);
  if (variant === 'otel' && server.otelPoints === 0) throw new Error(`${framework}: OpenTelemetry recorded no http.server.request.duration`);
  if (variant === 'on' && server.count === 0) throw new Error(`${framework}: the monitor recorded nothing`);
  const rps = client.total / SECONDS;
  return { rps, cpuPerRequestUs: server.cpuUs / client.total, clientMeanMs: (CONNECTIONS / rps) * 1000, server };
}

const spread = (values: number[], digits: number, unit: string): string => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  return `${median(sorted).toFixed(digits)}${unit} [${sorted[0]?.toFixed(digits)}, ${sorted.at(-1)?.toFixed(digits)}]`;
};

const median = (values: number[]): number => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(): Promise<void> {
  const cpuOff = new Map<Framework, number>();
  if (!ARGS.includes('--path-only')) await wallClock(cpuOff);
  const path = await handlerPath();
  process.stdout.write(`\nThe monitor's own path per request, in process (real request and response objects, both channels, the response's 'close' as Node emits it; 10 alternated blocks of 100 000):\n\n| off | on | added |\n|---|---|---|\n| ${path.off.toFixed(0)} ns | ${path.on.toFixed(0)} ns | **${(path.on - path.off).toFixed(0)} ns** |\n`);
}

async function wallClock(cpuOff: Map<Framework, number>): Promise<void> {
  process.stdout.write(`autocannon, ${CONNECTIONS} connections, ${SECONDS} s per run after ${WARMUP_SECONDS} s warm-up, ${ROUNDS} rounds${PIN ? ', server pinned to CPU 0 and autocannon to CPU 1' : ''}; Node ${process.version}. Paired figures (on or otel against off in the same round): median [lowest, highest] over the rounds.\n\n`);
  const rows: string[] = [];
  const agreement: string[] = [];
  for (const framework of FRAMEWORKS) {
    const runs = new Map<Variant, Run[]>(VARIANTS.map((v) => [v, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]!);
      for (const variant of order) runs.get(variant)!.push(await measure(framework, variant));
    }
    const rps = (v: Variant): number => median(runs.get(v)!.map((r) => r.rps));
    const cpu = (v: Variant): number => median(runs.get(v)!.map((r) => r.cpuPerRequestUs));
    // Ratios per round, then the median: the rounds share the machine's state at that moment.
    // Each with the range over the rounds: the spread a reader can weigh the median against.
    const ratio = (v: Variant): string => spread(runs.get(v)!.map((r, i) => r.rps / runs.get('off')![i]!.rps), 3, '×');
    const added = (v: Variant): string => spread(runs.get(v)!.map((r, i) => r.cpuPerRequestUs - runs.get('off')![i]!.cpuPerRequestUs), 1, '');
    cpuOff.set(framework, cpu('off'));
    rows.push(`| ${framework === 'express' ? 'express 5' : framework === 'express4' ? 'express 4' : 'fastify 5'} | ${rps('off').toFixed(0)} | ${cpu('off').toFixed(1)} | ${ratio('on')} | ${added('on')} | ${ratio('otel')} | ${added('otel')} |`);
    const on = runs.get('on')!;
    agreement.push(`| ${framework} | ${median(on.map((r) => r.server.meanMs)).toFixed(3)} | ${median(on.map((r) => r.clientMeanMs)).toFixed(3)} | ${median(on.map((r) => r.clientMeanMs - r.server.meanMs)).toFixed(3)} | ${median(on.map((r) => r.server.p50Ms)).toFixed(3)} | ${median(on.map((r) => r.server.count / Math.round(r.rps * SECONDS))).toFixed(4)} |`);
  }
  process.stdout.write('| app | req/s off | CPU µs/req off | req/s on ÷ off | CPU µs/req added (on) | req/s otel ÷ off | CPU µs/req added (otel) |\n|---|---|---|---|---|---|---|\n');
  process.stdout.write(`${rows.join('\n')}\n\n`);
  process.stdout.write('Durations, monitor (inside) vs autocannon (outside), ms:\n\n| app | mean inside | mean outside | outside − inside | p50 inside | requests counted ÷ completed |\n|---|---|---|---|---|---|\n');
  process.stdout.write(`${agreement.join('\n')}\n`);
  process.stdout.write('\nOutside mean = connections ÷ requests per second (Little\'s law; autocannon\'s own latencies have 1 ms resolution).\n');
}

if (process.argv[2] === 'serve') await serve(process.argv[3] as Framework, process.argv[4] as Variant);
else if (process.argv[2] === 'loop') await loop(process.argv[3] as Framework, process.argv[4] as Variant, Number(process.argv[5]));
else await main();
