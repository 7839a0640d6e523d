import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeExportRequest } from './otlp-decode.js';

/** One request the receiver got, decoded whatever its Content-Type. */
export interface ReceivedExport {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body as sent (still gzipped when it was). */
  readonly raw: Buffer;
  /** The request in OTLP's JSON-mapping shape (protobuf decoded by the test decoder). */
  readonly request: { resourceMetrics: Record<string, unknown>[] };
}

export interface ScriptedAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array | string;
}

/**
 * A loopback OTLP/HTTP metrics receiver on port 0. Answers 200 with an empty response unless
 * a scripted answer is queued (`answer()`); `next()` resolves with the next request.
 */
export class OtlpReceiver {
  readonly received: ReceivedExport[] = [];
  readonly #server: Server;
  readonly #answers: ScriptedAnswer[] = [];
  readonly #waiters: ((value: ReceivedExport) => void)[] = [];

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<OtlpReceiver> {
    const server = createServer();
    const receiver = new OtlpReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const plain = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        const type = req.headers['content-type'] ?? '';
        let request: ReceivedExport['request'];
        try {
          request = type.includes('json') ? JSON.parse(plain.toString('utf8')) : decodeExportRequest(plain);
        } catch (error) {
          res.writeHead(400).end(String(error));
          return;
        }
        const entry = { path: req.url ?? '', headers: req.headers, raw, request };
        receiver.received.push(entry);
        const answer = receiver.#answers.shift() ?? { status: 200 };
        res.writeHead(answer.status, { 'Content-Type': type.includes('json') ? 'application/json' : 'application/x-protobuf', ...answer.headers });
        res.end(answer.body ?? '');
        receiver.#waiters.shift()?.(entry);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Queues the answer to a coming request (first queued, first used). */
  answer(answer: ScriptedAnswer): void {
    this.#answers.push(answer);
  }

  /** The next request to arrive. */
  next(): Promise<ReceivedExport> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
