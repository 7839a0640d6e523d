import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { InvalidOption } from '../util/errors.js';
import { PrometheusListenFailed } from './errors.js';
import { exporter, type PrometheusOptions } from './exporter.js';
import { contentTypeOf, negotiateFormat, renderYielding, type ExpositionFormat } from './format.js';
import { bracketHost } from '../util/ipv6.js';

/** Options of `servePrometheus()`; the exposition options apply when this call creates the exporter. */
export interface ServePrometheusOptions extends PrometheusOptions {
  /** TCP port; 0 picks a free one (read it from `address()`). @default 9464 */
  readonly port?: number;
  /** Interface to bind: `127.0.0.1` keeps it local. @default every interface, as exporters do */
  readonly host?: string;
  /** The path that serves the exposition; any other path answers 404. @default '/metrics' */
  readonly path?: string;
}

type Net = typeof import('node:net');
type Http = typeof import('node:http');

export const SERVE_DEFAULTS = { port: 9464, path: '/metrics' } as const;

/** A running endpoint. */
export interface PrometheusServer {
  /** The bound address, or undefined once closed. */
  address(): { address: string; family: string; port: number } | undefined;
  /** Stops listening and ends open connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (and `HEAD`) on a small HTTP server of its own, unref'd so it never
 * keeps the process alive. Text format 0.0.4, or OpenMetrics 1.0 when the scraper's `Accept`
 * asks for it. Other paths answer 404, other methods 405. Rejects with `InvalidOption` for a
 * bad option and `PrometheusListenFailed` when the address cannot be bound.
 *
 * @example
 * const server = await servePrometheus({ port: 9464, host: '127.0.0.1' });
 * // … curl http://127.0.0.1:9464/metrics
 * await server.close();
 */
export async function servePrometheus(options: ServePrometheusOptions = {}): Promise<PrometheusServer> {
  const port = options.port ?? SERVE_DEFAULTS.port;
  if (typeof port !== 'number' || !Number.isSafeInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidOption(`Expected \`port\` to be an integer from 0 to 65535, got ${String(port)}`);
  }
  const path = options.path ?? SERVE_DEFAULTS.path;
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new InvalidOption(`Expected \`path\` to be a string starting with "/", got ${String(path)}`);
  }
  const host = options.host;
  if (host !== undefined && (typeof host !== 'string' || host.trim() === '')) {
    throw new InvalidOption(`Expected \`host\` to be a non-empty string, got ${String(host)}`);
  }
  exporter(options); // validates and starts the collectors before the first scrape
  const renders = new SharedRenders();
  // The listener is a `node:net` server; `node:http`, whose modules cost a process about 0.8 ms of
  // CPU and 0.8 MB at startup (bench/startup.bench.ts), loads at the first connection, and each
  // accepted socket is handed to a `node:http` server that never listens itself (the 'connection'
  // injection Node's http docs describe). Same options as http.createServer gives its listener.
  let http: Server | undefined;
  const httpServer = (): Server => {
    if (http === undefined) {
      http = (process.getBuiltinModule('node:http') as Http).createServer((request, response) => handle(request, response, path, renders));
      // What listen() starts on any node:http server: connection tracking, so the headers and
      // request timeouts hold and closeAllConnections() reaches every connection.
      http.emit('listening');
    }
    return http;
  };
  const server = (process.getBuiltinModule('node:net') as Net).createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    // Each accepted socket is unref'd too, not only the listener: a keep-alive scraper, an idle
    // connection or a half-sent request must not hold the app open at its natural exit (they
    // held it 5 s, and 88 s until Node's own timeouts, before this).
    socket.unref();
    httpServer().emit('connection', socket);
  });
  await listen(server, port, host);
  server.unref();
  let closed: Promise<void> | undefined;
  return {
    address() {
      const address = server.address();
      return typeof address === 'object' && address !== null ? address : undefined;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        http?.close();
        http?.closeAllConnections();
      });
      return closed;
    },
  };
}

function listen(server: NetServer, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const where = host === undefined ? `port ${port}` : `${bracketHost(host)}:${port}`;
      const reason = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EACCES' ? 'permission denied' : err.message;
      reject(new PrometheusListenFailed(where, reason, { cause: err }));
    };
    server.once('error', onError);
    server.listen({ port, host, exclusive: true }, () => {
      server.removeListener('error', onError);
      // A later socket error must not become an uncaught 'error' in the host.
      server.on('error', () => undefined);
      resolve();
    });
  });
}

/**
 * Scrapes that arrive while one of the same format is being rendered share that render and its
 * body: N concurrent scrapes cost one read of the figures and one Buffer (100 of them each
 * rendered 10 000 timers in full, back to back, before: a 27 s stall and 2.6 GB of RSS). At most
 * one render per format is in flight, whatever the number of scrapers.
 */
class SharedRenders {
  readonly #inFlight = new Map<ExpositionFormat, Promise<Buffer>>();

  body(format: ExpositionFormat): Promise<Buffer> {
    let body = this.#inFlight.get(format);
    if (body === undefined) {
      // Started after this poll phase (setImmediate), so every scrape whose request arrived in the
      // same phase joins it: a render short enough to finish within its first slice would
      // otherwise complete before the next request is even parsed, and 100 concurrent scrapes of
      // 1 000 timers rendered 100 times back to back (a 262–369 ms stall, measured).
      body = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => exporter().allFamilies())
        .then((families) => renderYielding(families, format));
      const settled = (): void => { this.#inFlight.delete(format); };
      body.then(settled, settled);
      this.#inFlight.set(format, body);
    }
    return body;
  }
}

function handle(request: IncomingMessage, response: ServerResponse, path: string, renders: SharedRenders): void {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  if ((query < 0 ? url : url.slice(0, query)) !== path) return reply(response, 404, 'Not Found\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return reply(response, 405, 'Method Not Allowed\n');
  }
  const format = negotiateFormat(request.headers.accept);
  renders.body(format).then((body) => {
    if (response.destroyed) return;
    response.writeHead(200, {
      'Content-Type': contentTypeOf(format),
      'Content-Length': body.length,
      Vary: 'Accept',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  }).catch(() => reply(response, 500, 'Internal Server Error\n'));
}

function reply(response: ServerResponse, status: number, text: string): void {
  if (response.headersSent) { response.destroy(); return; }
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  response.end(text);
}
