/**
 * The incoming-HTTP monitor on real frameworks (Express 5, Express 4, Fastify 5) and plain
 * http/https/http2: route templates from nested routers and parameters, 404s, thrown errors,
 * aborted clients, keep-alive, pipelining, HTTP/1.1 on an http2 server, SSE streams, the route
 * cap and disable. Every request is counted exactly once.
 */
import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import http from 'node:http';
import https from 'node:https';
import http2 from 'node:http2';
import net, { type AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { HttpServerMetric } from '../src/metrics/names.js';
import { disableHttpServerMonitor, enableHttpServerMonitor, isHttpServerMonitorEnabled } from '../src/http-server/monitor.js';
import { mountTemplate } from '../src/http-server/route.js';
import { figures, recorder } from './helpers/server-figures.js';
import { selfSignedCert } from './helpers/self-signed-cert.js';
import { until } from './helpers/wait.js';

const require = createRequire(import.meta.url);

// Express ships no types: the few calls the tests make, typed here.
type Handler = (req: http.IncomingMessage, res: http.ServerResponse & { send(body: string): void; status(code: number): { send(body: string): void } }, next: (err?: unknown) => void) => void;
interface Router {
  get(path: string, ...handlers: Handler[]): Router;
  post(path: string, ...handlers: Handler[]): Router;
  use(path: string | Handler, router?: Router | Handler): Router;
}
interface ExpressModule { (): Router & http.RequestListener; Router(options?: object): Router }

const requests = (tags: string): string => `${HttpServerMetric.requests}|${tags}`;
const errors = (tags: string): string => `${HttpServerMetric.errors}|${tags}`;
const durations = (tags: string): string => `${HttpServerMetric.durationMs}|${tags}`;

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function get(port: number, path: string, agent?: http.Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); }).on('error', reject);
  });
}

/** Sends raw bytes on one connection and resolves with everything the server sent once it has answered `answers` times. */
async function raw(port: number, text: string, answers: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      received += chunk;
      if ((received.match(/HTTP\/1\.1 /g) ?? []).length >= answers && /\r\n\r\n[^]*$/.test(received)) {
        socket.end();
        resolve(received);
      }
    });
    socket.on('error', reject);
  });
}

/** Opens a request whose handler never answers, then destroys the client once the server has it. */
async function abortAfterStart(port: number, path: string, started: () => boolean): Promise<void> {
  const req = http.get({ host: '127.0.0.1', port, path, agent: false });
  req.on('error', () => {});
  await until(started, 5_000, 'the server to start the request');
  req.destroy();
}

const servers: Array<{ close(): unknown; closeAllConnections?: () => void }> = [];
afterEach(() => disableHttpServerMonitor());
after(() => { for (const server of servers) { server.closeAllConnections?.(); server.close(); } });

for (const module of ['express', 'express4'] as const) {
  describe(`${module}`, () => {
    const express = require(module) as ExpressModule;
    const version = (require(`${module}/package.json`) as { version: string }).version;

    it(`(v${version.split('.')[0]}) tags route templates from nested routers and parameters, 404s as unmatched, thrown errors as 5xx, aborts as errors`, async () => {
      const { aggregator, settled } = recorder();
      enableHttpServerMonitor({ aggregator });
      let hanging = 0;
      const app = express();
      const posts = express.Router();
      posts.get('/:postId', (_req, res) => res.send('post'));
      posts.get('/', (_req, res) => setTimeout(() => res.send('later'), 5));
      const users = express.Router();
      users.use('/:userId/posts', posts);
      users.get('/:userId', (_req, res) => res.send('user'));
      app.use('/users', users);
      app.use('/archive', posts); // the same router (and Route objects) under a second mount path
      app.get('/boom', () => { throw new Error('boom'); });
      app.get('/hang', () => { hanging++; });
      // Express logs thrown errors to stderr unless an error handler takes them.
      app.use(((err: unknown, _req: http.IncomingMessage, res: http.ServerResponse, _next: unknown) => { void err; res.statusCode = 500; res.end('error'); }) as unknown as Handler);
      const server = http.createServer(app);
      servers.push(server);
      const port = await listen(server);

      assert.equal(await get(port, '/users/1'), 200);
      assert.equal(await get(port, '/users/2'), 200);
      assert.equal(await get(port, '/users/3/posts/44'), 200);
      assert.equal(await get(port, '/users/4/posts'), 200);
      assert.equal(await get(port, '/archive/7'), 200);
      assert.equal(await get(port, '/users/5/posts/8'), 200);
      assert.equal(await get(port, '/nowhere/5'), 404);
      assert.equal(await get(port, '/boom'), 500);
      await abortAfterStart(port, '/hang', () => hanging === 1);
      await until(() => settled() === 9, 5_000, 'nine settled requests');

      const seen = figures(aggregator);
      assert.equal(seen[requests('method:GET,route:/users/:userId,status_code:2xx')], 2);
      assert.equal(seen[durations('method:GET,route:/users/:userId,status_code:2xx')], 2);
      assert.equal(seen[requests('method:GET,route:/users/:userId/posts/:postId,status_code:2xx')], 2);
      assert.equal(seen[requests('method:GET,route:/archive/:postId,status_code:2xx')], 1, 'one route under two mounts keeps each mount path');
      assert.equal(seen[requests('method:GET,route:/users/:userId/posts,status_code:2xx')], 1);
      assert.equal(seen[requests('method:GET,route:unmatched,status_code:4xx')], 1);
      assert.equal(seen[requests('error_type:500,method:GET,route:/boom,status_code:5xx')], 1);
      assert.equal(seen[errors('error_type:500,method:GET,route:/boom,status_code:5xx')], 1);
      assert.equal(seen[requests('error_type:aborted,method:GET,route:/hang')], 1);
      assert.equal(seen[errors('error_type:aborted,method:GET,route:/hang')], 1);
      assert.equal(seen[`${HttpServerMetric.activeRequests}|`], 0);
      const total = Object.entries(seen).filter(([key]) => key.startsWith(`${HttpServerMetric.requests}|`)).reduce((sum, [, n]) => sum + n, 0);
      assert.equal(total, 9, 'every request counted once');
      assert.ok(!Object.keys(seen).some((key) => /\/users\/\d/.test(key)), 'no raw path in any series');
    });
  });
}

describe('fastify 5', () => {
  it('takes the route template (prefix included) from its handler channel; 404s are unmatched; thrown errors are 5xx', async () => {
    const { aggregator, settled } = recorder();
    enableHttpServerMonitor({ aggregator });
    const app = Fastify();
    await app.register(async (scope) => {
      scope.get('/items/:id', async () => ({ ok: true }));
      scope.post('/items', async (request) => ({ got: request.body }));
      scope.get('/fail', async () => { throw new Error('nope'); });
    }, { prefix: '/api' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    servers.push(app.server);
    const port = (app.server.address() as AddressInfo).port;

    assert.equal(await get(port, '/api/items/1'), 200);
    assert.equal(await get(port, '/api/items/2'), 200);
    assert.equal(await get(port, '/api/missing'), 404);
    assert.equal(await get(port, '/api/fail'), 500);
    const posted = await fetch(`http://127.0.0.1:${port}/api/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    assert.equal(posted.status, 200);
    await posted.text();
    await until(() => settled() === 5, 5_000, 'five settled requests');

    const seen = figures(aggregator);
    assert.equal(seen[requests('method:GET,route:/api/items/:id,status_code:2xx')], 2);
    assert.equal(seen[requests('method:GET,route:unmatched,status_code:4xx')], 1);
    assert.equal(seen[errors('error_type:500,method:GET,route:/api/fail,status_code:5xx')], 1);
    assert.equal(seen[requests('method:POST,route:/api/items,status_code:2xx')], 1);
    assert.equal(seen[`${HttpServerMetric.requestBodyBytes}|method:POST,route:/api/items,status_code:2xx`], 1, 'declared request body size');
    assert.equal(seen[`${HttpServerMetric.responseBodyBytes}|method:POST,route:/api/items,status_code:2xx`], 1, 'declared response body size');
  });
});

describe('plain http', () => {
  it('counts each request of a keep-alive connection and of a pipelined batch once, in flight until settled', async () => {
    const { aggregator, settled } = recorder();
    enableHttpServerMonitor({ aggregator, statusCodes: true });
    const server = http.createServer((req, res) => {
      if (req.url === '/slow') setTimeout(() => res.end('slow'), 20);
      else { res.statusCode = req.url === '/teapot' ? 418 : 200; res.end('ok'); }
    });
    servers.push(server);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 3; i++) assert.equal(await get(port, '/a', agent), 200);
    agent.destroy();
    const answer = await raw(port, 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /teapot HTTP/1.1\r\nHost: x\r\n\r\n', 3);
    assert.equal((answer.match(/HTTP\/1\.1 200/g) ?? []).length, 2);
    await until(() => settled() === 6, 5_000, 'six settled requests');

    const seen = figures(aggregator);
    assert.equal(seen[requests('method:GET,route:unmatched,status_code:200')], 5);
    assert.equal(seen[requests('method:GET,route:unmatched,status_code:418')], 1, 'status codes tagged when asked');
    assert.equal(seen[durations('method:GET,route:unmatched,status_code:200')], 5);
  });

  it('takes the response body size Node framed: the Content-Length given or set for a whole body, 0 for a 204, none when chunked', async () => {
    const { aggregator, settled } = recorder();
    enableHttpServerMonitor({ aggregator, statusCodes: true });
    const server = http.createServer((req, res) => {
      if (req.url === '/declared') { res.writeHead(200, { 'content-length': 5 }); res.end('hello'); }
      else if (req.url === '/header') { res.setHeader('Content-Length', '3'); res.end('abc'); }
      else if (req.url === '/whole') res.end('abcdefg');
      else if (req.url === '/none') { res.statusCode = 204; res.end(); }
      else { res.statusCode = 202; res.write('ab'); res.end('cd'); }
    });
    servers.push(server);
    const port = await listen(server);
    for (const path of ['/declared', '/header', '/whole', '/none', '/chunked']) await get(port, path);
    await new Promise<void>((resolve, reject) => http.request({ host: '127.0.0.1', port, path: '/whole', method: 'HEAD' }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject).end());
    await until(() => settled() === 6, 5_000, 'six settled requests');
    const sizes: Record<string, string> = {};
    for (const t of aggregator.swap().timers.values()) {
      if (t.name !== HttpServerMetric.responseBodyBytes) continue;
      const key = t.tags.filter((tag) => tag.startsWith('method:') || tag.startsWith('status_code:')).sort().join(',');
      sizes[key] = `${t.count}×${t.sum}`;
    }
    assert.deepEqual(sizes, {
      // /declared (5), /header (3) and /whole (7) are all GET 200s.
      'method:GET,status_code:200': '3×15',
      'method:GET,status_code:204': '1×0',
      // A HEAD answer declares the length its GET would send (Node sets it from the body given to end()).
      'method:HEAD,status_code:200': '1×7',
    }, 'the chunked 202 has no size');
  });

  it('settles pipelined requests queued behind an unfinished one as aborted when the client closes the connection', async () => {
    const { aggregator, settled } = recorder();
    enableHttpServerMonitor({ aggregator });
    let started = 0;
    const server = http.createServer((_req, res) => {
      started++;
      // Answers long after the client has gone: Node writes nothing, and never closes the queued responses.
      setTimeout(() => { if (!res.destroyed) res.end('late'); }, 200).unref();
    });
    servers.push(server);
    const port = await listen(server);
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => started >= 1, 5_000, 'the first request to start');
    await until(() => figures(aggregator)[`${HttpServerMetric.activeRequests}|`] === 3, 5_000, 'three requests in flight');
    socket.destroy();
    await until(() => settled() === 3, 5_000, 'all three settled');
    const seen = figures(aggregator);
    assert.equal(seen[errors('error_type:aborted,method:GET,route:unmatched')], 3, 'each counted once, as aborted');
    assert.equal(seen[`${HttpServerMetric.activeRequests}|`], 0, 'none left in flight');
  });

  it('watches each connection with one close listener, not each response, and still counts an abort once after enable() is called again', async () => {
    const { aggregator, settled } = recorder();
    enableHttpServerMonitor({ aggregator });
    const responseListeners: number[] = [];
    const socketListeners: number[] = [];
    let hanging = 0;
    const server = http.createServer((req, res) => {
      responseListeners.push(res.listenerCount('close'));
      socketListeners.push(req.socket.listenerCount('close'));
      if (req.url === '/hang') hanging++;
      else res.end('ok');
    });
    servers.push(server);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 5; i++) assert.equal(await get(port, '/a', agent), 200);
    // Enabled again on the same connection: the listener already there serves the new monitor.
    enableHttpServerMonitor({ aggregator });
    for (let i = 0; i < 5; i++) assert.equal(await get(port, '/a', agent), 200);
    const hung = http.get({ host: '127.0.0.1', port, path: '/hang', agent });
    hung.on('error', () => {});
    await until(() => hanging === 1, 5_000, 'the hanging request to start');
    hung.destroy();
    await until(() => settled() === 11, 5_000, 'the abort settled');
    agent.destroy();
    assert.deepEqual(responseListeners, new Array(11).fill(0), 'no listener added to any response');
    assert.equal(new Set(socketListeners).size, 1, `the connection's close listeners do not grow with requests or re-enabling: ${socketListeners.join(',')}`);
    const seen = figures(aggregator);
    assert.equal(seen[requests('method:GET,route:unmatched,status_code:2xx')], 10);
    assert.equal(seen[errors('error_type:aborted,method:GET,route:unmatched')], 1, 'the abort counted once');
  });

  it('reports a request still open as in flight, and counts a server-sent-event stream once, untimed, when the client leaves', async () => {
    const { aggregator, settled } = recorder();
    enableHttpServerMonitor({ aggregator });
    let open = 0;
    const server = http.createServer((req, res) => {
      open++;
      if (req.url === '/events') { res.writeHead(200, { 'content-type': 'text/event-stream' }); res.write('data: 1\n\n'); }
    });
    servers.push(server);
    const port = await listen(server);
    const hung = http.get({ host: '127.0.0.1', port, path: '/hang', agent: false });
    hung.on('error', () => {});
    const events = await new Promise<http.IncomingMessage>((resolve) => http.get({ host: '127.0.0.1', port, path: '/events', agent: false }, resolve));
    await until(() => open === 2, 5_000, 'both requests open');
    assert.equal(figures(aggregator)[`${HttpServerMetric.activeRequests}|`], 2, 'both in flight');
    events.destroy();
    await until(() => settled() === 1, 5_000, 'the stream settled');
    hung.destroy();
    await until(() => settled() === 2, 5_000, 'the hung request settled');
    const seen = figures(aggregator);
    assert.equal(seen[requests('method:GET,route:unmatched,status_code:2xx')], 1, 'the stream counted once');
    assert.equal(seen[errors('method:GET,route:unmatched,status_code:2xx')], undefined, 'a stream the client closed is no error');
    assert.equal(seen[durations('method:GET,route:unmatched,status_code:2xx')], undefined, 'a stream is not timed');
    assert.equal(seen[errors('error_type:aborted,method:GET,route:unmatched')], 1);
    assert.equal(seen[`${HttpServerMetric.activeRequests}|`], 0);
  });

  it('folds routes past the cap into route:other and counts them in hmetrics.dropped.http_server_routes', async () => {
    const { aggregator, settled } = recorder();
    enableHttpServerMonitor({ aggregator, maxRoutes: 2 });
    const express = require('express') as ExpressModule;
    const app = express();
    for (const name of ['a', 'b', 'c', 'd']) app.get(`/${name}/:id`, (_req, res) => res.send(name));
    const server = http.createServer(app);
    servers.push(server);
    const port = await listen(server);
    for (const name of ['a', 'b', 'c', 'd', 'c']) await get(port, `/${name}/1`);
    await until(() => settled() === 5, 5_000, 'five settled requests');
    const seen = figures(aggregator);
    assert.equal(seen[requests('method:GET,route:/a/:id,status_code:2xx')], 1);
    assert.equal(seen[requests('method:GET,route:/b/:id,status_code:2xx')], 1);
    assert.equal(seen[requests('method:GET,route:other,status_code:2xx')], 3);
    assert.equal(seen[`${HttpServerMetric.droppedRoutes}|`], 3);
  });

  it('sees https and HTTP/1.1 on an http2 server with allowHTTP1; stops counting after disable', async () => {
    const { aggregator, settled } = recorder();
    enableHttpServerMonitor({ aggregator });
    const { key, cert } = selfSignedCert();
    const secure = https.createServer({ key, cert }, (_req, res) => res.end('tls'));
    const h2 = http2.createSecureServer({ key, cert, allowHTTP1: true }, (_req, res) => res.end('h2'));
    servers.push(secure, h2);
    const securePort = await listen(secure);
    const h2Port = await listen(h2);
    const fetchTls = (port: number): Promise<number> => new Promise((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, path: '/', rejectUnauthorized: false, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); }).on('error', reject);
    });
    assert.equal(await fetchTls(securePort), 200);
    assert.equal(await fetchTls(h2Port), 200);
    await until(() => settled() === 2, 5_000, 'two settled requests');
    assert.equal(figures(aggregator)[requests('method:GET,route:unmatched,status_code:2xx')], 2);

    disableHttpServerMonitor();
    assert.equal(isHttpServerMonitorEnabled(), false);
    assert.equal(await fetchTls(securePort), 200);
    assert.equal(figures(aggregator)[requests('method:GET,route:unmatched,status_code:2xx')], undefined);
  });
});

describe('mount paths', () => {
  it('replaces value-like segments of an Express mount path, keeps words', () => {
    assert.equal(mountTemplate('/users/42/posts'), '/users/:param/posts');
    assert.equal(mountTemplate('/orgs/3f2504e0-4f89-11d3-9a0c-0305e82c3301'), '/orgs/:param');
    assert.equal(mountTemplate('/v1/api'), '/v1/api');
  });
});
