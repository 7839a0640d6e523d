/**
 * TEST ONLY: run by `http-server-http2.test` under a Node that publishes the
 * `http2.server.stream.*` channels. It serves real HTTP/2 (h2c, TLS with `allowHTTP1`, Fastify
 * with `http2: true`), drives it with Node's own clients, and prints the monitor's figures as
 * one JSON line: { figures, inFlightWhileOpen, node }.
 */
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { Aggregator } from '../../src/metrics/aggregator.js';
import { HttpServerMetric } from '../../src/metrics/names.js';
import { enableHttpServerMonitor } from '../../src/http-server/monitor.js';
import { selfSignedCert } from './self-signed-cert.js';
import { until } from './wait.js';

const aggregator = new Aggregator();
let settled = 0;
aggregator.addTap((kind, _key, name, _tags, value) => { if (kind === 'count' && name === HttpServerMetric.requests) settled += value as number; });
const figures: Record<string, number> = {};
/** Adds one interval's counters, timer counts and the gauge into `figures` (tags sorted). */
function swap(): number {
  const snapshot = aggregator.swap();
  for (const c of snapshot.counters.values()) { const key = `${c.name}|${[...c.tags].sort().join(',')}`; figures[key] = (figures[key] ?? 0) + c.value; }
  for (const t of snapshot.timers.values()) { const key = `${t.name}|${[...t.tags].sort().join(',')}`; figures[key] = (figures[key] ?? 0) + t.count; }
  let gauge = -1;
  for (const g of snapshot.gauges.values()) if (g.name === HttpServerMetric.activeRequests) gauge = g.value;
  return gauge;
}
enableHttpServerMonitor({ aggregator, statusCodes: true });

const port = (server: { address(): unknown }): number => (server.address() as AddressInfo).port;
const listen = (server: http2.Http2Server | http2.Http2SecureServer): Promise<number> => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(port(server))));

/** One request on `session`; resolves with the status once the stream closed. */
function request(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    let status = 0;
    stream.on('response', (h) => { status = Number(h[':status']); });
    stream.on('error', reject);
    stream.resume();
    stream.on('close', () => resolve(status));
    stream.end(body);
  });
}

const h2c = http2.createServer((req, res) => {
  if (req.url === '/hang') return;
  if (req.url === '/partial') { res.writeHead(200, { 'content-length': '10' }); res.write('part'); return; }
  if (req.url === '/events') { res.writeHead(200, { 'content-type': 'text/event-stream' }); res.write('data: 1\n\n'); return; }
  if (req.url === '/push') {
    res.createPushResponse({ ':path': '/pushed.css' }, (error, pushed) => { if (error === null) pushed.end('body{}'); });
  }
  const code = req.method === 'POST' ? 201 : req.url === '/missing' ? 404 : 200;
  res.writeHead(code, { 'content-length': '5' });
  res.end('hello');
});
const { key, cert } = selfSignedCert();
const secure = http2.createSecureServer({ key, cert, allowHTTP1: true }, (req, res) => {
  res.statusCode = req.httpVersion === '2.0' ? 202 : 203;
  res.end('tls');
});
const fastify = Fastify({ http2: true });
fastify.get('/users/:id', async () => ({ ok: true }));

const h2cPort = await listen(h2c);
const securePort = await listen(secure);
await fastify.listen({ port: 0, host: '127.0.0.1' });

const plain = http2.connect(`http://127.0.0.1:${h2cPort}`);
plain.on('stream', (pushed) => pushed.resume());
const statuses = [
  await request(plain, { ':path': '/a' }),
  await request(plain, { ':path': '/a' }),
  await request(plain, { ':path': '/missing' }),
  await request(plain, { ':path': '/upload', ':method': 'POST', 'content-length': '3' }, 'abc'),
  await request(plain, { ':path': '/push' }),
];

// Requests the client cancels (one unanswered, one half answered), and an event stream, all
// open across an interval boundary.
const hung = plain.request({ ':path': '/hang' });
hung.on('error', () => {});
const partial = plain.request({ ':path': '/partial' });
partial.on('error', () => {});
await new Promise((resolve) => partial.once('data', resolve));
const events = plain.request({ ':path': '/events' });
events.on('error', () => {});
await new Promise((resolve) => events.once('data', resolve));
await until(() => settled === statuses.length, 5_000, 'the first requests settled');
const inFlightWhileOpen = swap();
hung.close(http2.constants.NGHTTP2_CANCEL);
partial.close(http2.constants.NGHTTP2_CANCEL);
events.close(http2.constants.NGHTTP2_CANCEL);
await until(() => settled === statuses.length + 3, 5_000, 'the cancelled streams and the event stream settled');
plain.close();

// TLS: one stream over ALPN h2 and one HTTP/1.1 request on the same allowHTTP1 server.
const tls = http2.connect(`https://127.0.0.1:${securePort}`, { rejectUnauthorized: false });
statuses.push(await request(tls, { ':path': '/tls' }));
tls.close();
statuses.push(await new Promise<number>((resolve, reject) => {
  https.get({ host: '127.0.0.1', port: securePort, path: '/h1', rejectUnauthorized: false, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); }).on('error', reject);
}));

const toFastify = http2.connect(`http://127.0.0.1:${port(fastify.server)}`);
statuses.push(await request(toFastify, { ':path': '/users/42' }));
toFastify.close();

await until(() => settled === statuses.length + 3, 5_000, 'every request settled');
const inFlightAfter = swap();
await fastify.close();
h2c.close();
secure.close();
process.stdout.write(`${JSON.stringify({ figures, statuses, inFlightWhileOpen, inFlightAfter, node: process.versions.node })}\n`);
