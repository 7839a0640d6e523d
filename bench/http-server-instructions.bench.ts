/**
 * What observing incoming requests costs the whole server process, counted in instructions:
 * the Express 4, Express 5 and Fastify 5 apps of http-server.bench (the same child, `serve`
 * mode) run under callgrind, off / on (`enableHttpServerMonitor()`) / otel (OpenTelemetry's
 * HTTP instrumentation and an SDK MeterProvider), each serving WARM and then WARM + N
 * keep-alive requests from a client in this process (8 connections, outside valgrind, so only
 * the server is counted). The difference of the two runs is N requests in the steady state:
 * startup, the first requests' compilation and the JIT warm-up are subtracted. Wall clock on
 * this shared machine moves ±10 % between identical runs; instruction counts do not depend on
 * what else runs. Instructions convert to µs with the off variant's own µs per request
 * measured under autocannon (printed beside, as a guide only).
 *
 *   npm run build && node dist/bench/http-server-instructions.bench.js [--requests=N] [--repeat=K] [--only=express4,express,fastify] [--variants=off,on,otel]
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { hasCallgrind } from './callgrind.js';

const ARGS = process.argv.slice(2);
const option = (name: string): string | undefined => ARGS.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const REQUESTS = Number(option('requests') ?? 3_000);
const WARM = Number(option('warm') ?? 8_000);
const REPEAT = Number(option('repeat') ?? 1);
const CONNECTIONS = 8;
const FRAMEWORKS = (option('only')?.split(',') ?? ['express4', 'express', 'fastify']) as Framework[];
type Framework = 'express4' | 'express' | 'fastify';
type Variant = 'off' | 'on' | 'otel';
const VARIANTS = (option('variants')?.split(',') ?? ['off', 'on', 'otel']) as Variant[];
/**
 * V8 flags that take wall-clock timing out of its choices (the GC's memory reducer and heap
 * growth run on timers; concurrent compiler and marker threads finish when they finish):
 * without them identical runs differed by about ±5 % here, more than the monitor costs.
 */
const DETERMINISTIC = ['--single-threaded', '--predictable-gc-schedule', '--no-memory-reducer'];
const SERVER = fileURLToPath(new URL('./http-server.bench.js', import.meta.url));

/** Instructions the server process executed serving `requests` keep-alive requests (then stopping). */
async function count(framework: Framework, variant: Variant, requests: number): Promise<number> {
  const child = spawn('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', process.execPath, ...DETERMINISTIC, SERVER, 'serve', framework, variant], {
    env: { ...process.env, OTEL_SEMCONV_STABILITY_OPT_IN: 'http' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`${framework}/${variant} exited with ${code}:\n${stderr.slice(-500)}`)));
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const one = (): Promise<void> => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/api/users/42', agent }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`${framework}/${variant}: status ${res.statusCode}`));
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });
  let sent = 0;
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => { while (sent++ < requests) await one(); }));
  agent.destroy();
  const figures = await new Promise<{ count: number; otelPoints: number }>((resolve) => { child.once('message', resolve); child.send('stop'); });
  await closed;
  if (variant === 'on' && figures.count !== requests) throw new Error(`${framework}: the monitor counted ${figures.count} of ${requests}`);
  if (variant === 'otel' && figures.otelPoints === 0) throw new Error(`${framework}: OpenTelemetry recorded nothing`);
  const match = /Collected : (\d+)/.exec(stderr);
  if (!match) throw new Error(`no instruction count from callgrind:\n${stderr.slice(-500)}`);
  return Number(match[1]);
}

if (!hasCallgrind()) {
  console.log('valgrind is not installed: skipped (apt-get install valgrind).');
  process.exit(0);
}

const perRequest = async (framework: Framework, variant: Variant): Promise<number> => {
  // The two runs at once: instruction counts do not depend on the machine's load.
  const [long, short] = await Promise.all([count(framework, variant, WARM + REQUESTS), count(framework, variant, WARM)]);
  return (long - short) / REQUESTS;
};

console.log(`node ${process.version} under callgrind; server process only; ${REQUESTS} keep-alive requests (${CONNECTIONS} connections) after ${WARM} warm-up requests, startup and warm-up subtracted; ${REPEAT} repeat(s)\n`);
console.log('| app | instructions/req off | added (on) | on ÷ off | added (otel) | otel ÷ off |');
console.log('|---|---|---|---|---|---|');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const spread = (values: number[]): string => values.length > 1 ? ` (${values.map(fmt).join(', ')})` : '';
for (const framework of FRAMEWORKS) {
  const figures = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  for (let k = 0; k < REPEAT; k++) for (const variant of VARIANTS) figures.get(variant)!.push(await perRequest(framework, variant));
  if (!VARIANTS.includes('off')) throw new Error('--variants must include off');
  const mean = (v: Variant): number => figures.get(v)!.reduce((a, b) => a + b, 0) / REPEAT;
  const off = mean('off');
  const added = (v: Variant): number[] => figures.get(v)!.map((x, i) => x - figures.get('off')![i]!);
  const column = (v: Variant): string => (figures.get(v) ?? []).length === 0 ? '– | –' : `${fmt(mean(v) - off)}${spread(added(v))} | ${(mean(v) / off).toFixed(3)}×`;
  console.log(`| ${framework === 'express' ? 'express 5' : framework === 'express4' ? 'express 4' : 'fastify 5'} | ${fmt(off)}${spread(figures.get('off')!)} | ${column('on')} | ${column('otel')} |`);
}
