import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One payload as the loopback Heroku endpoint received it. */
export interface ReceivedPayload {
  readonly headers: IncomingHttpHeaders;
  readonly path: string;
  readonly body: { counters: Record<string, number>; gauges: Record<string, number> };
  readonly raw: string;
}

/** How the endpoint answers a request: a status, or a function deciding per request. */
export type Responder = (request: number) => { status: number; body?: string; hang?: boolean; destroy?: boolean; garbage?: boolean; headers?: Record<string, string> };

/**
 * A real loopback HTTP server on port 0 that plays Heroku's metrics endpoint and records every
 * payload it accepts (2xx). `respond` lets a test make it refuse, hang, fail or answer garbage.
 */
export class HerokuEndpoint {
  readonly payloads: ReceivedPayload[] = [];
  readonly rejected: ReceivedPayload[] = [];
  requests = 0;
  /** Responses fully written (the client may still be reading the last one). */
  responded = 0;
  /** TCP connections accepted so far (keep-alive reuse keeps this low). */
  connections = 0;
  respond: Responder = () => ({ status: 200 });
  readonly #server: Server;
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(server: Server) {
    this.#server = server;
  }

  static start(): Promise<HerokuEndpoint> {
    return HerokuEndpoint.listenOn(0);
  }

  /** Starts on a given port (a test that first let connections to it be refused). */
  static async listenOn(port: number): Promise<HerokuEndpoint> {
    const server = createServer();
    const endpoint = new HerokuEndpoint(server);
    server.on('connection', () => { endpoint.connections++; });
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const n = endpoint.requests++;
        const raw = Buffer.concat(chunks).toString('utf8');
        const answer = endpoint.respond(n);
        let body: ReceivedPayload['body'];
        try {
          body = JSON.parse(raw);
        } catch {
          body = { counters: {}, gauges: {} };
        }
        const record = { headers: req.headers, path: req.url ?? '', body, raw };
        if (answer.destroy) { req.socket.destroy(); endpoint.rejected.push(record); return; }
        if (answer.hang) { endpoint.rejected.push(record); return; }
        if (answer.garbage) { endpoint.rejected.push(record); req.socket.end('HTTP/1.1 2O0 \u0000\u0001 nonsense\r\n\r\n'); return; }
        if (answer.status >= 200 && answer.status < 300) endpoint.payloads.push(record);
        else endpoint.rejected.push(record);
        res.on('finish', () => { endpoint.responded++; });
        res.writeHead(answer.status, { 'Content-Type': 'text/plain', ...answer.headers });
        res.end(answer.body ?? '');
        endpoint.#notify();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return endpoint;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The endpoint URL, optionally with a path (Heroku's carries a token there). */
  url(path = '/metrics'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Resolves once `count` payloads have been accepted in total. */
  waitForPayloads(count: number): Promise<void> {
    if (this.payloads.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /** Sum of one counter over every accepted payload. */
  counterTotal(name: string): number {
    return this.payloads.reduce((sum, p) => sum + (p.body.counters[name] ?? 0), 0);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #notify(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (this.payloads.length >= w.count) { w.resolve(); return false; }
      return true;
    });
  }
}
