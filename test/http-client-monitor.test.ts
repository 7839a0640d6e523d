/**
 * The outgoing-HTTP monitor: http, https, fetch, keep-alive reuse, aborts, refused connections,
 * 5xx, a body cut mid-way, hmetrics' own deliveries, the host cap, and disable. Every request
 * is counted exactly once.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import http from 'node:http';
import https from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { Aggregator } from '../src/metrics/aggregator.js';
import { HttpClientMetric } from '../src/metrics/names.js';
import { HttpPoster } from '../src/transport/http.js';
import { disableHttpClientMonitor, enableHttpClientMonitor, isHttpClientMonitorEnabled, originHost } from '../src/http-monitor/monitor.js';
import { selfSignedCert } from './helpers/self-signed-cert.js';
import { refusedPort } from './helpers/ports.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

function route(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '/';
  if (url === '/fail') { res.writeHead(503); res.end('down'); return; }
  if (url === '/hang') return; // never answers
  if (url === '/cut') { res.writeHead(200); res.write('partial'); setTimeout(() => res.socket?.destroy(), 10); return; }
  if (url === '/redirect') { res.writeHead(302, { Location: '/ok' }); res.end(); return; }
  res.end('ok');
}

/** Counters and timer counts per series, e.g. { 'node.http.client.requests|host:127.0.0.1': 2 }. */
function figures(aggregator: Aggregator): Record<string, number> {
  const snapshot = aggregator.swap();
  const out: Record<string, number> = {};
  for (const c of snapshot.counters.values()) out[`${c.name}|${c.tags.join(',')}`] = c.value;
  for (const t of snapshot.timers.values()) out[`${t.name}|${t.tags.join(',')}`] = t.count;
  return out;
}

function expected(host: string, requests: number, errors: number, timed: number): Record<string, number> {
  const out: Record<string, number> = { [`${HttpClientMetric.requests}|host:${host}`]: requests };
  if (errors > 0) out[`${HttpClientMetric.errors}|host:${host}`] = errors;
  if (timed > 0) out[`${HttpClientMetric.latencyMs}|host:${host}`] = timed;
  return out;
}

function get(url: string, options: https.RequestOptions = {}): Promise<{ status: number; body: string }> {
  const module = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    module.get(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    }).on('error', reject);
  });
}


/** Lets 'close' listeners and late channel events run before figures are read. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

describe('outgoing HTTP monitor', () => {
  let server: http.Server;
  let secure: https.Server;
  let base: string;
  let secureBase: string;
  let cert: string;
  let aggregator: Aggregator;
  const handler: Handler = route;

  before(async () => {
    server = http.createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const pair = selfSignedCert();
    cert = pair.cert;
    secure = https.createServer(pair, handler);
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve));
    secureBase = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
  });
  after(async () => {
    disableHttpClientMonitor();
    server.closeAllConnections();
    secure.closeAllConnections();
    await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => secure.close(r))]);
  });
  afterEach(() => disableHttpClientMonitor());

  const enable = (maxHosts?: number): void => {
    aggregator = new Aggregator();
    enableHttpClientMonitor({ aggregator, ...(maxHosts === undefined ? {} : { maxHosts }) });
  };

  it('counts an http request once, with its latency', async () => {
    enable();
    assert.equal((await get(`${base}/ok`)).body, 'ok');
    await settle();
    assert.deepEqual(figures(aggregator), expected('127.0.0.1', 1, 0, 1));
  });

  it('counts an https request to a self-signed loopback server once', async () => {
    enable();
    assert.equal((await get(`${secureBase}/ok`, { ca: cert })).body, 'ok');
    await settle();
    assert.deepEqual(figures(aggregator), expected('127.0.0.1', 1, 0, 1));
  });

  it('counts fetch requests once each, and each hop of a redirect', async () => {
    enable();
    assert.equal(await (await fetch(`${base}/ok`)).text(), 'ok');
    assert.equal(await (await fetch(`${base}/redirect`)).text(), 'ok'); // 302 then 200: two exchanges
    await settle();
    assert.deepEqual(figures(aggregator), expected('127.0.0.1', 3, 0, 3));
  });

  it('counts every request on a reused keep-alive connection once', async () => {
    enable();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let connections = 0;
    const onConnection = (): void => { connections++; };
    server.on('connection', onConnection);
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) => {
        http.get(`${base}/ok`, { agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
      });
    }
    server.off('connection', onConnection);
    agent.destroy();
    await settle();
    assert.equal(connections, 1, 'all five requests went over one kept-alive connection');
    assert.deepEqual(figures(aggregator), expected('127.0.0.1', 5, 0, 5));
  });

  it('counts 5xx answers as errors, once', async () => {
    enable();
    assert.equal((await get(`${base}/fail`)).status, 503);
    assert.equal((await fetch(`${base}/fail`)).status, 503);
    await settle();
    assert.deepEqual(figures(aggregator), expected('127.0.0.1', 2, 2, 2));
  });

  it('counts an aborted http request and an aborted fetch once each, as errors', async () => {
    enable();
    const controller = new AbortController();
    const pending = get(`${base}/hang`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(pending, { name: 'AbortError' });
    await assert.rejects(fetch(`${base}/hang`, { signal: AbortSignal.timeout(20) }), { name: 'TimeoutError' });
    await settle();
    assert.deepEqual(figures(aggregator), expected('127.0.0.1', 2, 2, 0));
  });

  it('counts a refused connection once, as an error, for http and fetch', async () => {
    enable();
    const port = await refusedPort();
    await assert.rejects(get(`http://127.0.0.1:${port}/`), { code: 'ECONNREFUSED' });
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`), (err: Error) => (err.cause as NodeJS.ErrnoException)?.code === 'ECONNREFUSED');
    await settle();
    assert.deepEqual(figures(aggregator), expected('127.0.0.1', 2, 2, 0));
  });

  it('counts a body cut after the headers as one request and one error', async () => {
    enable();
    await assert.rejects(get(`${base}/cut`));
    await assert.rejects((await fetch(`${base}/cut`)).text());
    await settle();
    assert.deepEqual(figures(aggregator), expected('127.0.0.1', 2, 2, 2));
  });

  it("leaves hmetrics' own deliveries out", async () => {
    enable();
    const poster = new HttpPoster(new URL(base));
    const answer = await poster.post('/ok', '{}', { headers: {}, timeout: 5_000, signal: new AbortController().signal });
    assert.equal(answer.status, 200);
    poster.close();
    await get(`${base}/ok`); // the app's own request still counts
    await settle();
    assert.deepEqual(figures(aggregator), expected('127.0.0.1', 1, 0, 1));
  });

  it('caps distinct hosts per interval; the rest are tagged host:other', async () => {
    enable(1);
    await get(`${base}/ok`); // 127.0.0.1 takes the only slot
    const port = (server.address() as AddressInfo).port;
    await get(`http://localhost:${port}/ok`).catch(() => undefined); // another name, same server (or refused on v6)
    await settle();
    const first = figures(aggregator);
    assert.equal(first[`${HttpClientMetric.requests}|host:127.0.0.1`], 1);
    assert.equal(first[`${HttpClientMetric.requests}|host:other`], 1);
    // A new interval frees the slots again.
    await get(`http://localhost:${port}/ok`).catch(() => undefined);
    await settle();
    assert.equal(figures(aggregator)[`${HttpClientMetric.requests}|host:localhost`], 1);
  });

  it('subscribes to nothing when disabled, and counts nothing', async () => {
    enable();
    disableHttpClientMonitor();
    assert.equal(isHttpClientMonitorEnabled(), false);
    for (const name of ['http.client.request.start', 'http.client.response.finish', 'http.client.request.error',
      'undici:request:create', 'undici:request:headers', 'undici:request:error']) {
      assert.equal(diagnostics_channel.channel(name).hasSubscribers, false, name);
    }
    await get(`${base}/ok`);
    await fetch(`${base}/ok`).then((r) => r.text());
    await settle();
    assert.deepEqual(figures(aggregator), {});
  });

  it('rejects a bad maxHosts', () => {
    assert.throws(() => enableHttpClientMonitor({ maxHosts: -1 }), /Expected `maxHosts` to be a non-negative integer, got -1/);
    assert.equal(isHttpClientMonitorEnabled(), false);
  });
});

describe('originHost', () => {
  it('takes the host name from an undici origin', () => {
    assert.equal(originHost('http://Example.COM:8080'), 'example.com');
    assert.equal(originHost('https://api.example.com'), 'api.example.com');
    assert.equal(originHost('http://[::1]:3000'), '::1');
    assert.equal(originHost(new URL('http://10.0.0.1:1/x')), '10.0.0.1');
    assert.equal(originHost(undefined), 'unknown');
  });
});
