import assert from 'node:assert/strict';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { HttpPoster, type PostOptions } from '../src/transport/http.js';
import { DeliveryFailed } from '../src/util/errors.js';
import { refusedPort } from './helpers/ports.js';
import { runTrusting, selfSignedCert } from './helpers/self-signed-cert.js';

// HttpPoster.open(): the connection first, so a caller builds its body only for an endpoint
// that answered (the OTLP sink). The connection it opens is the one the next post() uses, and
// a failure on it is the request's failure, never a retry of a stale keep-alive connection.

const options = (extra: Partial<PostOptions> = {}): PostOptions => ({ headers: {}, timeout: 2_000, signal: new AbortController().signal, ...extra });
const servers = new Set<Server | import('node:https').Server>();
const sockets = new Set<Socket>();
after(() => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers) server.close();
});

/** A raw HTTP server counting connections and requests; `answer` says what each request gets (undefined: the connection is closed unanswered). */
async function rawServer(answer: () => string | undefined): Promise<{ port: number; connections: () => number; requests: () => number }> {
  let connections = 0;
  let requests = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => undefined);
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
      if (end < 0 || head.length < end + 4 + length) return;
      head = head.slice(end + 4 + length);
      requests++;
      const text = answer();
      if (text === undefined) socket.destroy();
      else socket.write(text);
    });
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections, requests: () => requests };
}

test('open() then post(): one connection carries the request; open() again on the idle connection opens none', async () => {
  const server = await rawServer(() => 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
  const poster = new HttpPoster(new URL(`http://127.0.0.1:${server.port}/`));
  try {
    await poster.open(options());
    assert.equal((await poster.post('/a', 'x', options())).status, 200);
    await poster.open(options());
    assert.equal((await poster.post('/b', 'y', options())).status, 200);
    assert.equal(server.connections(), 1);
    assert.equal(server.requests(), 2);
  } finally {
    poster.close();
  }
});

test('a connection open() made that the server closes unanswered fails the post: one request, no retry', async () => {
  const server = await rawServer(() => undefined);
  const poster = new HttpPoster(new URL(`http://127.0.0.1:${server.port}/`));
  try {
    await poster.open(options());
    await assert.rejects(poster.post('/a', 'x', options()), DeliveryFailed);
    assert.equal(server.requests(), 1);
  } finally {
    poster.close();
  }
});

test('open() on a refused port rejects as post() does; after close() it rejects as a closed sink', async () => {
  const port = await refusedPort();
  const poster = new HttpPoster(new URL(`http://user:secret@127.0.0.1:${port}/`));
  await assert.rejects(poster.open(options()), (err: unknown) => err instanceof DeliveryFailed && /ECONNREFUSED/.test(err.message) && !err.message.includes('secret'));
  poster.close();
  await assert.rejects(poster.open(options()), /sink closed/);
});

test('over TLS: open() waits for the handshake, so an untrusted certificate rejects it; a trusted one carries the post on the connection it opened', async () => {
  const { key, cert } = selfSignedCert();
  const remotePorts: number[] = [];
  const server = createHttpsServer({ key, cert }, (req, res) => {
    remotePorts.push(req.socket.remotePort!);
    req.resume().on('end', () => res.end('tls'));
  });
  servers.add(server);
  server.on('connection', (socket: Socket) => { sockets.add(socket); socket.on('close', () => sockets.delete(socket)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const untrusted = new HttpPoster(new URL(`https://127.0.0.1:${port}/`));
  await assert.rejects(untrusted.open(options()), (err: unknown) => err instanceof DeliveryFailed && /SELF_SIGNED|self.signed/i.test(err.message));
  untrusted.close();
  const poster = fileURLToPath(new URL('../src/transport/http.js', import.meta.url));
  const stdout = await runTrusting(cert, `import { HttpPoster } from ${JSON.stringify(poster)};
const p = new HttpPoster(new URL('https://127.0.0.1:${port}/'));
const o = { headers: {}, timeout: 5000, signal: new AbortController().signal };
const keep = setInterval(() => {}, 1000); // the client's sockets are unref'd: hold the process
await p.open(o); const a = await p.post('/', 'abc', o);
console.log(a.status, a.body); p.close(); clearInterval(keep);`);
  assert.equal(stdout.trim(), '200 tls');
  assert.equal(remotePorts.length, 1);
});
