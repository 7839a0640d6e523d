/**
 * The delivery path, per delivery: CPU time of hmetrics' Heroku delivery (HerokuSink: flatten,
 * JSON, keep-alive POST through HttpPoster, hmetrics' own HTTP/1.1 client over node:net,
 * response read to its end) against a bare keep-alive
 * `node:http` POST of the same body and the same request bytes on a raw socket, each in a
 * child process making `--posts` sequential deliveries to a loopback server in this process.
 *
 *   npm run build && node dist/bench/delivery.bench.js [--rounds 7] [--posts 400] [--before <root>]
 *
 * `--before`: the package root of an earlier build (its dist/src); its HerokuSink and
 * HttpPoster run in the same rounds. Two more rows post to a server that closes every
 * connection after answering, so each delivery connects anew.
 *
 * Variants rotate every round; medians with the interquartile range, in µs of CPU per delivery,
 * after 50 unmeasured deliveries (the first loads the modules and compiles the path).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { argument, median, quartiles, ROOT, rotated, runtimeBodyCode } from './helpers/installed.js';

const ROUNDS = Number(argument('--rounds') ?? 7);
const POSTS = Number(argument('--posts') ?? 400);

const server = createServer((req, res) => { req.resume(); req.on('end', () => res.end()); });
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;
const url = `http://127.0.0.1:${port}/metrics`;
// An endpoint that closes every connection after its answer: each delivery connects anew, as at
// Heroku's 20 s interval when the server's keep-alive timeout is shorter.
const closing = createServer((req, res) => { req.resume(); req.on('end', () => { res.setHeader('Connection', 'close'); res.end(); }); });
await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
const closingUrl = `http://127.0.0.1:${(closing.address() as AddressInfo).port}/metrics`;
const src = (path: string, root = ROOT): string => JSON.stringify(pathToFileURL(`${root}dist/src/${path}`).href);
const BEFORE = argument('--before');

const SETUP = `${runtimeBodyCode(src)}const signal = new AbortController().signal;
// HttpPoster unrefs its sockets: something must hold the process open while it awaits them.
setInterval(() => {}, 1000);
`;

const variants: { label: string; deliver: string }[] = [
  { label: 'hmetrics HerokuSink.deliver (flatten + JSON + POST)', deliver: `
const { HerokuSink } = await import(${src('sinks/heroku.js')});
const sink = new HerokuSink(new URL(${JSON.stringify(url)}), { timeout: 5000, percentiles: [50, 95, 99] });
const deliver = () => sink.deliver(snapshot, signal);` },
  { label: 'hmetrics HttpPoster.post of the same body', deliver: `
const { HttpPoster } = await import(${src('transport/http.js')});
const poster = new HttpPoster(new URL(${JSON.stringify(url)}));
const headers = { 'Content-Type': 'application/json', 'User-Agent': 'hmetrics' };
const deliver = () => poster.post('/metrics', body, { headers: { ...headers, 'Measurements-Time': new Date().toISOString() }, timeout: 5000, signal, maxBody: 1024 });` },
  { label: 'bare keep-alive node:http POST, same body', deliver: `
const http = await import('node:http');
const agent = new http.Agent({ keepAlive: true });
const deliver = () => new Promise((resolve, reject) => {
  const r = http.request(${JSON.stringify(url)}, { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Measurements-Time': new Date().toISOString() } }, (res) => { res.resume(); res.on('end', resolve); });
  r.on('error', reject); r.end(body);
});` },
  { label: 'raw socket, same request bytes (response awaited)', deliver: `
const net = await import('node:net');
const socket = net.connect(${port}, '127.0.0.1');
await new Promise((r) => socket.once('connect', r));
let waiting;
socket.on('data', (chunk) => { if (chunk.includes('\\r\\n\\r\\n')) waiting?.(); });
const deliver = () => new Promise((resolve) => { waiting = resolve; socket.write('POST /metrics HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Type: application/json\\r\\nContent-Length: ' + Buffer.byteLength(body) + '\\r\\nMeasurements-Time: ' + new Date().toISOString() + '\\r\\n\\r\\n' + body); });` },
];
variants.push(
  { label: 'new connection each time: hmetrics HttpPoster.post', deliver: variants[1]!.deliver.replace(JSON.stringify(url), JSON.stringify(closingUrl)) },
  { label: 'new connection each time: bare node:http POST', deliver: variants[2]!.deliver.replace(JSON.stringify(url), JSON.stringify(closingUrl)) },
);
if (BEFORE !== undefined) {
  const root = BEFORE.endsWith('/') ? BEFORE : `${BEFORE}/`;
  variants.push(
    { label: 'before: HerokuSink.deliver', deliver: variants[0]!.deliver.replace(src('sinks/heroku.js'), src('sinks/heroku.js', root)) },
    { label: 'before: HttpPoster.post', deliver: variants[1]!.deliver.replace(src('transport/http.js'), src('transport/http.js', root)) },
  );
}

function runOnce(variant: { label: string; deliver: string }): Promise<number> {
  const code = `${SETUP}${variant.deliver}
for (let i = 0; i < 50; i++) await deliver();
const start = process.cpuUsage();
for (let i = 0; i < ${POSTS}; i++) await deliver();
const used = process.cpuUsage(start);
process.stdout.write('CPU=' + (used.user + used.system) + '\\n');
process.exit(0);`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.on('close', () => {
      const match = /CPU=(\d+)/.exec(out);
      if (match === null) reject(new Error(`${variant.label}: ${out}`));
      else resolve(Number(match[1]) / POSTS);
    });
  });
}

const runs = await rotated(variants, ROUNDS, runOnce);
server.close();
closing.close();
const bare = median(runs[2]!);
console.log(`node ${process.version}; ${ROUNDS} rounds of ${POSTS} sequential deliveries, variants rotated; µs of CPU per delivery, median (interquartile range)\n`);
console.log('| variant | µs CPU per delivery | vs bare keep-alive POST |');
console.log('|---|---|---|');
variants.forEach((variant, i) => {
  const [low, high] = quartiles(runs[i]!);
  console.log(`| ${variant.label} | ${median(runs[i]!).toFixed(0)} (${low.toFixed(0)}…${high.toFixed(0)}) | ${(median(runs[i]!) / bare).toFixed(2)}× |`);
});
