/**
 * Cost of watching outgoing calls, as throughput ratios measured in one run:
 * - the outgoing-HTTP monitor on vs off, for a keep-alive `http.request` loop and a `fetch` loop;
 * - CSM injected into a real STS client vs the same client without it (events sent over UDP).
 *
 *   node dist/bench/csm.bench.js
 *
 * The loopback server (and the CSM UDP receiver) run in a child process, so the figures are
 * the client side's cost. Arms alternate (AB, BA, AB …), each round a fixed number of requests
 * with a fixed concurrency. Two figures per arm, medians over the rounds:
 * - requests per second (wall clock): what the issue asks for, but on a shared machine other
 *   processes' load moves it by more than the effect being measured;
 * - requests per CPU-second of this (client) process: the same throughput at saturation, and
 *   much steadier under outside load. The ratio column is computed from each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Aggregator } from '../src/metrics/aggregator.js';
import { disableHttpClientMonitor, enableHttpClientMonitor } from '../src/http-monitor/monitor.js';
import { CsmReporter } from '../src/csm/reporter.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 30);
const CONCURRENCY = 8;

const SERVER = `
const http = require('node:http');
const dgram = require('node:dgram');
const xml = '<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::1:user/a</Arn><UserId>u</UserId><Account>1</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>';
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.method === 'POST') { res.writeHead(200, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': 'r' }); res.end(xml); }
    else res.end('ok');
  });
});
server.keepAliveTimeout = 60000;
const udp = dgram.createSocket('udp4');
udp.on('message', () => {});
udp.bind(0, '127.0.0.1', () => server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ http: server.address().port, udp: udp.address().port }) + '\\n');
}));
process.stdin.on('end', () => process.exit(0)).resume();
`;

async function startServer(): Promise<{ child: ChildProcess; httpPort: number; udpPort: number }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => {
    let text = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      if (text.includes('\n')) resolve(text.split('\n')[0] as string);
    });
  });
  const ports = JSON.parse(line) as { http: number; udp: number };
  return { child, httpPort: ports.http, udpPort: ports.udp };
}

interface Sample { wall: number; cpu: number }

/** Runs `total` requests, `CONCURRENCY` at a time; returns requests per wall- and CPU-second. */
async function loop(total: number, one: () => Promise<void>): Promise<Sample> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next++ < total) await one();
  };
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const wallS = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { wall: total / wallS, cpu: total / ((used.user + used.system) / 1e6) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface Row { name: string; off: Sample; on: Sample }

/** Alternates the two arms (off/on, on/off, …) and returns the medians. */
async function compare(name: string, off: () => Promise<Sample>, on: () => Promise<Sample>): Promise<Row> {
  await off(); await on(); await off(); await on(); // warm-up: JIT, sockets, pools
  const a: Sample[] = [];
  const b: Sample[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) { a.push(await off()); b.push(await on()); }
    else { b.push(await on()); a.push(await off()); }
  }
  const med = (xs: Sample[]): Sample => ({ wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)) });
  return { name, off: med(a), on: med(b) };
}

const { child, httpPort, udpPort } = await startServer();
const base = `http://127.0.0.1:${httpPort}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const aggregator = new Aggregator();
const rows: Row[] = [];

const httpGet = (): Promise<void> => new Promise((resolve, reject) => {
  http.get(`${base}/x`, { agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
});
const fetchGet = async (): Promise<void> => { await (await fetch(`${base}/x`)).text(); };
const withMonitor = (run: () => Promise<Sample>) => async (): Promise<Sample> => {
  enableHttpClientMonitor({ aggregator });
  try { return await run(); } finally { disableHttpClientMonitor(); aggregator.swap(); }
};

const HTTP_TOTAL = 600;
const httpRun = (): Promise<Sample> => loop(HTTP_TOTAL, httpGet);
rows.push(await compare('http.request, keep-alive: monitor on / off', httpRun, withMonitor(httpRun)));
const fetchRun = (): Promise<Sample> => loop(HTTP_TOTAL, fetchGet);
rows.push(await compare('fetch: monitor on / off', fetchRun, withMonitor(fetchRun)));

const STS_TOTAL = 150;
const stsOptions = {
  region: 'us-east-1', endpoint: base, maxAttempts: 1,
  credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'secret', sessionToken: 'token' },
};
const reporter = new CsmReporter('bench', `127.0.0.1:${udpPort}`, { aggregator, maxQueue: 1_000 });
const command = new GetCallerIdentityCommand({});
const clients: STSClient[] = [];
// Twice: as built by default (the SDK re-resolves its middleware stack on every send, so each
// added middleware costs there too), and with `cacheMiddleware: true` (the events' own cost).
for (const cacheMiddleware of [false, true]) {
  const plain = new STSClient({ ...stsOptions, cacheMiddleware });
  const injected = new STSClient({ ...stsOptions, cacheMiddleware });
  reporter.injectHandlers(injected);
  clients.push(plain, injected);
  rows.push(await compare(
    `STS GetCallerIdentity${cacheMiddleware ? ', cacheMiddleware' : ''}: CSM injected / not`,
    () => loop(STS_TOTAL, async () => { await plain.send(command); }),
    () => loop(STS_TOTAL, async () => { await injected.send(command); }),
  ));
}
const { sent, dropped } = reporter.stats;

console.log(`Node ${process.version}, ${ROUNDS} alternated rounds per arm, ${CONCURRENCY} requests in flight; medians.\n`);
console.log('| loop | off req/s | on req/s | on / off | off req/CPU-s | on req/CPU-s | on / off (CPU) |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const { name, off, on } of rows) {
  console.log(`| ${name} | ${off.wall.toFixed(0)} | ${on.wall.toFixed(0)} | ${(on.wall / off.wall).toFixed(3)}× | ` +
    `${off.cpu.toFixed(0)} | ${on.cpu.toFixed(0)} | ${(on.cpu / off.cpu).toFixed(3)}× |`);
}
console.log(`\nCSM datagrams sent: ${sent}, dropped: ${dropped.queueFull + dropped.tooLarge + dropped.sendError}.`);

reporter.close();
for (const client of clients) client.destroy();
agent.destroy();
child.stdin!.end();
