import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as https from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HttpPoster, type PostOptions } from '../src/transport/http.js';
import { DeliveryFailed } from '../src/util/errors.js';
import { refusedPort } from './helpers/ports.js';
import { runTrusting, selfSignedCert } from './helpers/self-signed-cert.js';

// hmetrics' own HTTP/1.1 client (src/transport/http.ts) against real node:http servers, and
// against raw sockets that answer what no real server should. Every failure must arrive as a
// DeliveryFailed saying what went wrong: never a throw into the app, never an unhandled rejection.

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
after(() => assert.deepEqual(unhandled, []));

const options = (extra: Partial<PostOptions> = {}): PostOptions => ({ headers: {}, timeout: 2_000, signal: new AbortController().signal, ...extra });

// Every server and accepted socket, closed after the run even when an assertion failed first.
const servers = new Set<http.Server | NetServer>();
const sockets = new Set<Socket>();
after(() => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers) server.close();
});

async function listen<S extends http.Server | NetServer>(server: S): Promise<S & { port: number }> {
  servers.add(server);
  server.on('connection', (socket: Socket) => { sockets.add(socket); socket.on('close', () => sockets.delete(socket)); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(server, { port: (server.address() as AddressInfo).port });
}

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string; remotePort: number }

/** A real node:http server recording what it got; `answer` writes the response. */
async function httpServer(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void = (_, res) => res.end()): Promise<{ server: http.Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = await listen(http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; }).on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body, remotePort: req.socket.remotePort! });
      answer(req, res);
    });
  }));
  return { server, port: server.port, seen };
}

/** A raw TCP server: `onRequest` gets the socket once a request's head and body arrived. */
async function rawServer(onRequest: (socket: Socket, n: number) => void): Promise<NetServer & { port: number; connections: number }> {
  let requests = 0;
  const server = Object.assign(createNetServer((socket) => {
    server.connections++;
    let buffered = '';
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: (\d+)/i.exec(buffered)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      buffered = buffered.slice(end + 4 + length);
      onRequest(socket, requests++);
    });
  }), { connections: 0 });
  return listen(server) as Promise<NetServer & { port: number; connections: number }>;
}

const close = (server: http.Server | NetServer): Promise<void> => new Promise((resolve) => {
  servers.delete(server);
  server.close(() => resolve());
  (server as http.Server).closeAllConnections?.();
  for (const socket of sockets) if ((socket as { server?: unknown }).server === server) socket.destroy();
});

async function failure(promise: Promise<unknown>): Promise<DeliveryFailed> {
  const error = await promise.then(() => assert.fail('expected the delivery to fail'), (e: unknown) => e);
  assert.ok(error instanceof DeliveryFailed, `a DeliveryFailed, got ${String(error)}`);
  return error;
}

describe('against node:http', () => {
  test('posts the body with its headers, Host and Content-Length, and returns status, headers and body', async () => {
    const { server, port, seen } = await httpServer((_, res) => {
      res.writeHead(202, { 'Retry-After': '7', 'X-Twice': ['a', 'b'], 'Content-Type': 'text/plain' });
      res.end('héllo');
    });
    const poster = new HttpPoster(new URL(`http://127.0.0.1:${port}/base`));
    const answer = await poster.post('/metrics?x=1', '{"é":1}', options({ headers: { 'Content-Type': 'application/json', 'Measurements-Time': 'now' } }));
    poster.close();
    await close(server);
    assert.equal(answer.status, 202);
    assert.equal(answer.body, 'héllo');
    assert.deepEqual(answer.bytes, Buffer.from('héllo'));
    assert.equal(answer.headers['retry-after'], '7');
    assert.equal(answer.headers['x-twice'], 'a, b');
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.method, 'POST');
    assert.equal(seen[0]!.url, '/metrics?x=1');
    assert.equal(seen[0]!.body, '{"é":1}');
    assert.equal(seen[0]!.headers['host'], `127.0.0.1:${port}`);
    assert.equal(seen[0]!.headers['content-length'], String(Buffer.byteLength('{"é":1}')));
    assert.equal(seen[0]!.headers['content-type'], 'application/json');
    assert.equal(seen[0]!.headers['measurements-time'], 'now');
  });

  test('a binary body, a chunked answer, and credentials in the URL as Basic auth', async () => {
    const { server, port, seen } = await httpServer((_, res) => {
      res.write('one,');
      setTimeout(() => res.end('two'), 5);
    });
    const poster = new HttpPoster(new URL(`http://us%40er:p%3Ass@127.0.0.1:${port}/`));
    const answer = await poster.post('/v1/metrics', new Uint8Array([0, 1, 2, 255]), options());
    poster.close();
    await close(server);
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'one,two');
    assert.equal(seen[0]!.body, Buffer.from([0, 1, 2, 255]).toString('utf8'));
    assert.equal(seen[0]!.headers['authorization'], `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
  });

  test('skips an interim 100 Continue and reads a chunked body with trailers', async () => {
    const { server, port } = await httpServer((_, res) => {
      res.writeContinue();
      res.writeHead(200, { 'Trailer': 'X-Sum' });
      res.write('ab');
      res.addTrailers({ 'X-Sum': '2' });
      res.end('c');
    });
    const poster = new HttpPoster(new URL(`http://127.0.0.1:${port}/`));
    const first = await poster.post('/', '{}', options());
    const second = await poster.post('/', '{}', options());
    poster.close();
    await close(server);
    assert.equal(first.status, 200);
    assert.equal(first.body, 'abc');
    assert.equal(second.body, 'abc', 'the connection stayed usable after the trailer section');
  });

  test('keeps the connection alive: consecutive deliveries use one socket; maxBody bounds what is kept', async () => {
    const { server, port, seen } = await httpServer((_, res) => res.end('x'.repeat(5_000)));
    const poster = new HttpPoster(new URL(`http://127.0.0.1:${port}/`));
    for (let i = 0; i < 3; i++) {
      const answer = await poster.post('/', `${i}`, options({ maxBody: 100 }));
      assert.equal(answer.body, 'x'.repeat(100));
    }
    poster.close();
    await close(server);
    assert.deepEqual(seen.map((s) => s.body), ['0', '1', '2']);
    assert.equal(new Set(seen.map((s) => s.remotePort)).size, 1);
  });

  test('an idle connection the server closed (its keep-alive timeout) is not reused', async () => {
    const { server, port, seen } = await httpServer((req, res) => {
      res.end();
      if (seen.length === 1) setTimeout(() => req.socket.destroy(), 30);
    });
    const poster = new HttpPoster(new URL(`http://127.0.0.1:${port}/`));
    await poster.post('/', 'a', options());
    await new Promise((resolve) => setTimeout(resolve, 150));
    const answer = await poster.post('/', 'b', options());
    poster.close();
    await close(server);
    assert.equal(answer.status, 200);
    assert.deepEqual(seen.map((s) => s.body), ['a', 'b']);
    assert.notEqual(seen[0]!.remotePort, seen[1]!.remotePort);
  });

  test('a reused connection closed as the request went out is retried once on a new one', async () => {
    // The race keepAliveTimeout leaves: the server closes the idle socket just as the next
    // request is written. Here it takes the request and closes without a byte of answer.
    const server = await rawServer((socket, n) => {
      if (n === 1) socket.destroy();
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const poster = new HttpPoster(new URL(`http://127.0.0.1:${server.port}/`));
    await poster.post('/', 'a', options());
    const answer = await poster.post('/', 'b', options());
    poster.close();
    await close(server);
    assert.equal(answer.body, 'ok');
    assert.equal(server.connections, 2);
  });

  test('a new connection closed without an answer is not retried', async () => {
    const server = await rawServer((socket) => socket.destroy());
    const poster = new HttpPoster(new URL(`http://127.0.0.1:${server.port}/`));
    const error = await failure(poster.post('/', 'a', options()));
    poster.close();
    await close(server);
    assert.match(error.message, /connection closed before the response/);
    assert.equal(server.connections, 1);
  });
});

describe('hostile or broken endpoints: a clear DeliveryFailed each', () => {
  const cases: { name: string; answer: (socket: Socket) => void; expected: RegExp }[] = [
    { name: 'garbage status line', answer: (s) => s.end('HTTP/1.1 2OO Fine\r\n\r\n'), expected: /malformed status line "HTTP\/1\.1 2OO Fine"/ },
    { name: 'not HTTP at all', answer: (s) => s.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'), expected: /malformed status line/ },
    { name: 'a header line without a name', answer: (s) => s.end('HTTP/1.1 200 OK\r\n: x\r\n\r\n'), expected: /malformed header line/ },
    { name: 'a bad Content-Length', answer: (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n'), expected: /malformed Content-Length/ },
    { name: 'truncated body', answer: (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten..'), expected: /response truncated after 10 body bytes/ },
    { name: 'closing inside the headers', answer: (s) => s.end('HTTP/1.1 200 OK\r\nContent-Ty'), expected: /connection closed inside the response headers/ },
    { name: 'closing mid-chunk', answer: (s) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nabc'), expected: /response truncated/ },
    { name: 'a malformed chunk size', answer: (s) => s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'), expected: /malformed chunk size/ },
    { name: 'resetting mid-response', answer: (s) => { s.write('HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nabc'); setTimeout(() => s.resetAndDestroy(), 10); }, expected: /ECONNRESET|response truncated/ },
    {
      name: 'never-ending headers',
      answer: (s) => {
        s.write('HTTP/1.1 200 OK\r\n');
        const timer = setInterval(() => { if (s.writable) s.write(`X-Pad: ${'y'.repeat(1000)}\r\n`); else clearInterval(timer); }, 1);
        s.on('close', () => clearInterval(timer));
      },
      expected: /response headers over 16384 bytes/,
    },
  ];
  for (const { name, answer, expected } of cases) {
    test(name, async () => {
      const server = await rawServer(answer);
      const poster = new HttpPoster(new URL(`http://127.0.0.1:${server.port}/`));
      const error = await failure(poster.post('/', '{}', options()));
      poster.close();
      await close(server);
      assert.match(error.message, expected);
      assert.equal(error.status, undefined);
    });
  }

  test('an endless body settles with its status and at most maxBody bytes, the connection closed', async () => {
    let written = 0;
    const server = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = `10000\r\n${'z'.repeat(0x10000)}\r\n`;
      const pump = (): void => {
        while (!socket.destroyed && socket.write(chunk)) written += 0x10000;
        if (!socket.destroyed) socket.once('drain', pump);
      };
      pump();
    });
    const poster = new HttpPoster(new URL(`http://127.0.0.1:${server.port}/`));
    const answer = await poster.post('/', '{}', options({ maxBody: 1_000, timeout: 10_000 }));
    poster.close();
    await close(server);
    assert.equal(answer.status, 200);
    assert.equal(answer.bytes.length, 1_000);
    assert.ok(written < 64 * 1024 * 1024, `reading stopped (${written} bytes written)`);
  });

  test('no answer: timed out, and an abort ends the wait at once', async () => {
    const server = await rawServer(() => undefined);
    const poster = new HttpPoster(new URL(`http://127.0.0.1:${server.port}/`));
    assert.match((await failure(poster.post('/', '{}', options({ timeout: 50 })))).message, /timed out after 50 ms/);
    const controller = new AbortController();
    const pending = poster.post('/', '{}', options({ signal: controller.signal, timeout: 60_000 }));
    setTimeout(() => controller.abort(), 20);
    assert.match((await failure(pending)).message, /aborted/);
    const closing = poster.post('/', '{}', options({ timeout: 60_000 }));
    setTimeout(() => poster.close(), 20);
    assert.match((await failure(closing)).message, /connection closed before the response|sink closed/);
    await close(server);
  });

  test('a header value that would split the request is refused before anything is sent', async () => {
    const server = await rawServer(() => assert.fail('nothing may be sent'));
    const poster = new HttpPoster(new URL(`http://127.0.0.1:${server.port}/`));
    const error = await failure(poster.post('/', '{}', options({ headers: { 'X-Evil': 'a\r\nX-Injected: 1' } })));
    assert.match(error.message, /invalid request header "X-Evil"/);
    poster.close();
    await close(server);
    assert.equal(server.connections, 0);
  });

  test('a refused endpoint: the code, and no credential of the URL in the message or its cause', async () => {
    const port = await refusedPort();
    const poster = new HttpPoster(new URL(`http://admin:s3cr3tpw@127.0.0.1:${port}/t0k3n-path?key=abcdef`));
    const error = await failure(poster.post('/t0k3n-path?key=abcdef', '{}', options()));
    poster.close();
    assert.match(error.message, /ECONNREFUSED/);
    const printed = `${error.message} ${String(error.cause)} ${JSON.stringify(error)}`;
    for (const secret of ['admin', 's3cr3tpw', 't0k3n', 'abcdef']) assert.ok(!printed.includes(secret), printed);
  });
});

describe('https (node:tls, loaded for https URLs only)', () => {
  const { key, cert } = selfSignedCert();

  test('an untrusted certificate is refused with a clear error', async () => {
    const server = await listen(https.createServer({ key, cert }, (_, res) => res.end('secret')));
    const poster = new HttpPoster(new URL(`https://127.0.0.1:${server.port}/`));
    const error = await failure(poster.post('/', '{}', options()));
    poster.close();
    await close(server);
    assert.match(error.message, /SELF_SIGNED|self.signed/i);
  });

  test('a trusted one (NODE_EXTRA_CA_CERTS) carries the delivery over one kept-alive TLS connection', async () => {
    const ports: number[] = [];
    const server = await listen(https.createServer({ key, cert }, (req, res) => {
      ports.push(req.socket.remotePort!);
      req.resume().on('end', () => res.end(`tls ${req.headers['content-length']}`));
    }));
    try {
      const poster = fileURLToPath(new URL('../src/transport/http.js', import.meta.url));
      const stdout = await runTrusting(cert, `import { HttpPoster } from ${JSON.stringify(poster)};
const p = new HttpPoster(new URL('https://127.0.0.1:${server.port}/'));
const o = { headers: {}, timeout: 5000, signal: new AbortController().signal };
const keep = setInterval(() => {}, 1000); // the client's sockets are unref'd: hold the process
const a = await p.post('/', 'abc', o); const b = await p.post('/', 'abcd', o);
console.log(a.status, a.body, '|', b.body, '|', process.moduleLoadList.includes('NativeModule http'));
p.close(); clearInterval(keep);`);
      assert.equal(stdout.trim(), '200 tls 3 | tls 4 | false');
      assert.equal(new Set(ports).size, 1);
    } finally {
      await close(server);
    }
  });
});
