/**
 * WebSocket upgrades in the incoming-HTTP monitor: a real handshake (RFC 6455 accept key) on a
 * raw socket, served by an app's own `'upgrade'` listener. Counted once, status 101, untimed,
 * never left in flight, on a server that never serves a plain request too. The observing
 * listener never changes what Node does: a server without an `'upgrade'` listener is left
 * alone, and when the app removes its own, ours goes and the next upgrade is an ordinary request.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { HttpServerMetric } from '../src/metrics/names.js';
import { disableHttpServerMonitor, enableHttpServerMonitor } from '../src/http-server/monitor.js';
import { figures, recorder } from './helpers/server-figures.js';
import { selfSignedCert } from './helpers/self-signed-cert.js';
import { turns, until } from './helpers/wait.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = createHash('sha1').update(`${KEY}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
const UPGRADE = `GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`;

/** The app's own WebSocket handshake, written on the raw socket as `ws` does; the socket stays open. */
function acceptWebSocket(request: http.IncomingMessage, socket: net.Socket): void {
  const accept = createHash('sha1').update(`${String(request.headers['sec-websocket-key'])}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
}

/**
 * Writes an upgrade request on a new connection; resolves with the socket once the answer's
 * head arrived. A request nobody answers (swallowed) fails after 5 s rather than hanging.
 */
async function handshake(port: number, secure = false): Promise<{ socket: net.Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const socket: net.Socket = secure
      ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => socket.write(UPGRADE))
      : net.connect(port, '127.0.0.1', () => socket.write(UPGRADE));
    const timer = setTimeout(() => reject(new Error('no answer to the upgrade request: swallowed')), 5_000);
    let received = '';
    socket.setEncoding('utf8');
    const onData = (chunk: string): void => {
      received += chunk;
      if (received.includes('\r\n\r\n')) { clearTimeout(timer); socket.off('data', onData); resolve({ socket, head: received }); }
    };
    socket.on('data', onData).on('error', (error) => { clearTimeout(timer); reject(error); });
  });
}

async function listen(server: net.Server): Promise<number> {
  // Every server-side socket is closed after the test, even one a regression left swallowed.
  server.on('connection', (socket: net.Socket) => opened.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const opened: net.Socket[] = [];
const servers: net.Server[] = [];
afterEach(() => {
  disableHttpServerMonitor();
  for (const socket of opened.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) server.close();
});

describe('WebSocket upgrades', () => {
  it('are counted once each, status 101, untimed and never in flight, on a server that serves no plain request', async () => {
    const { aggregator, settled } = recorder();
    enableHttpServerMonitor({ aggregator, statusCodes: true });
    const server = http.createServer();
    server.on('upgrade', acceptWebSocket);
    servers.push(server);
    const port = await listen(server);
    for (let i = 0; i < 2; i++) {
      const { socket, head } = await handshake(port);
      assert.match(head, new RegExp(`^HTTP/1\\.1 101 [^]*Sec-WebSocket-Accept: ${ACCEPT.replace(/[+/]/g, '\\$&')}`), 'the app answered the handshake itself');
    }
    await until(() => settled() === 2, 5_000, 'two upgrades counted');
    const seen = figures(aggregator);
    assert.equal(seen[`${HttpServerMetric.requests}|method:GET,route:unmatched,status_code:101`], 2, 'once each, on its route, status 101');
    assert.equal(seen[`${HttpServerMetric.durationMs}|method:GET,route:unmatched,status_code:101`], undefined, 'not timed as a request');
    assert.equal(seen[`${HttpServerMetric.activeRequests}|`], 0, 'the open connections are not requests in flight');
    assert.equal(Object.keys(seen).filter((key) => key.startsWith(`${HttpServerMetric.errors}|`)).length, 0, 'no error');
    assert.equal(server.listenerCount('upgrade'), 2, "the app's listener and the monitor's");

    disableHttpServerMonitor();
    assert.equal(server.listenerCount('upgrade'), 1, 'disable takes the observing listener off');
    assert.equal(server.listenerCount('removeListener'), 0);
  });

  it('are counted over TLS (wss) too', async () => {
    const { aggregator, settled } = recorder();
    enableHttpServerMonitor({ aggregator });
    const server = https.createServer(selfSignedCert());
    server.on('upgrade', acceptWebSocket);
    servers.push(server);
    const port = await listen(server);
    const { head } = await handshake(port, true);
    assert.match(head, /^HTTP\/1\.1 101 /);
    await until(() => settled() === 1, 5_000, 'the upgrade counted');
    assert.equal(figures(aggregator)[`${HttpServerMetric.requests}|method:GET,route:unmatched,status_code:1xx`], 1);
  });

  it("leaves a server without an 'upgrade' listener alone: an upgrade there stays an ordinary request", async () => {
    const { aggregator, settled } = recorder();
    enableHttpServerMonitor({ aggregator, statusCodes: true });
    const server = http.createServer((_req, res) => { res.writeHead(426, { connection: 'close' }); res.end(); });
    servers.push(server);
    const port = await listen(server);
    const { socket, head } = await handshake(port);
    assert.match(head, /^HTTP\/1\.1 426 /);
    await until(() => settled() === 1, 5_000, 'the request counted');
    assert.equal(server.listenerCount('upgrade'), 0, 'no listener added');
    assert.equal(figures(aggregator)[`${HttpServerMetric.requests}|method:GET,route:unmatched,status_code:426`], 1, 'counted once, as a request');
  });

  it("goes when the app removes its own 'upgrade' listener, so the next upgrade is answered as a request, not swallowed", async () => {
    const { aggregator, settled } = recorder();
    enableHttpServerMonitor({ aggregator, statusCodes: true });
    const server = http.createServer((_req, res) => { res.writeHead(426, { connection: 'close' }); res.end(); });
    server.on('upgrade', acceptWebSocket);
    servers.push(server);
    const port = await listen(server);
    const first = await handshake(port);
    assert.match(first.head, /^HTTP\/1\.1 101 /);
    await until(() => settled() === 1, 5_000, 'the upgrade counted');

    server.removeListener('upgrade', acceptWebSocket);
    assert.equal(server.listenerCount('upgrade'), 0, "the monitor's listener left with the app's");
    const second = await handshake(port);
    assert.match(second.head, /^HTTP\/1\.1 426 /, 'Node answered it as an ordinary request');
    await until(() => settled() === 2, 5_000, 'the request counted');
    await turns();
    const seen = figures(aggregator);
    assert.equal(seen[`${HttpServerMetric.requests}|method:GET,route:unmatched,status_code:101`], 1);
    assert.equal(seen[`${HttpServerMetric.requests}|method:GET,route:unmatched,status_code:426`], 1);

    // The app's listener back: observed again from its next connection on.
    server.on('upgrade', acceptWebSocket);
    const third = await handshake(port);
    await until(() => settled() === 3, 5_000, 'the upgrade counted again');
    assert.equal(server.listenerCount('upgrade'), 2);
  });
});
