import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatPayload } from './format-payload.js';
import { EventStream } from './live/events.js';
import { History, type HistoryOptions, type StoredPayload } from './live/history.js';
import { servePageAsset } from './live/assets.js';
import { checkPayload, type CheckedPayload } from './payload-shape.js';
import { appFrom, measuredAt } from './payload-origin.js';
import { bracketHost } from '../util/ipv6.js';

/** Options of the local Heroku-endpoint stand-in. */
export interface ReceiverOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Address to bind. @default '127.0.0.1' */
  readonly host?: string;
  /** How each payload is printed: a two-column `'table'`, or one JSON object per line (`'json'`, for jq). @default 'table' */
  readonly format?: 'table' | 'json';
  /** Where each printed payload goes. @default process.stdout */
  readonly write?: (text: string) => void;
  /** Where refusals go. @default the same as `write` for tables, process.stderr for JSON (stdout stays pure JSON lines) */
  readonly warn?: (text: string) => void;
  /** Called with each accepted payload, its app and its measurement time (epoch ms). */
  readonly onPayload?: (payload: CheckedPayload, app: string, time: number) => void;
  /** What the live page keeps in memory. @default HISTORY_DEFAULTS (one hour, 16 apps, 5 000 series per app, 1 000 000 values) */
  readonly history?: HistoryOptions;
  /** Current time in epoch ms, for payloads without a usable `Measurements-Time`. @default Date.now */
  readonly now?: () => number;
}

/** A running receiver: its URL (use it as HEROKU_METRICS_URL and open it in a browser) and close(). */
export interface Receiver {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Largest body accepted: far above any real payload (10 000 series are about 0.5 MB), small enough that a stray upload can't hurt. */
export const MAX_BODY = 4 * 1024 * 1024;

/**
 * A local endpoint that accepts Heroku metrics payloads on `POST` (any path), prints each one,
 * and serves a page of live charts on `GET /`, so a developer sees their numbers before deploying.
 *
 * @example
 * const receiver = await startReceiver({ port: 8126 });
 * // open receiver.url in a browser; run an app with HEROKU_METRICS_URL=receiver.url
 * await receiver.close();
 */
export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const format = options.format ?? 'table';
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const warn = options.warn ?? (format === 'json' ? (text: string) => process.stderr.write(text) : write);
  const now = options.now ?? Date.now;
  const history = new History(options.history);
  const stream = new EventStream();
  let count = 0;

  const accept = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const checked = checkPayload(body.toString('utf8'));
    if (!checked.ok) {
      warn(`── refused a payload: ${checked.reason}\n`);
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${checked.reason}\n`);
      return;
    }
    const app = appFrom(req);
    const time = measuredAt(req.headers['measurements-time'], now());
    const { stored, evicted, ignoredSeries } = history.add(app, time, checked.payload);
    count++;
    write(format === 'json' ? jsonLine(stored) : formatPayload(checked.payload, heading(count, stored)));
    if (evicted) stream.send('snapshot', history.snapshot());
    else stream.send('payload', { ...stored, ignoredSeries });
    options.onPayload?.(checked.payload, app, time);
    res.writeHead(200).end();
  };

  const server: Server = createServer((req, res) => {
    if (req.method === 'POST') return readBody(req, res, (body) => accept(req, res, body));
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD, POST' }).end();
      return;
    }
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/events' && req.method === 'GET') stream.open(req, res, { event: 'snapshot', data: history.snapshot() });
    else if (path === '/history.json') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(history.snapshot()));
    } else servePageAsset(path ?? '/', res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = bracketHost(address);
  return {
    url: `http://${host}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        stream.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Collects a POST body up to MAX_BODY. A larger one (declared or streamed) is answered 413 at
 * once and the connection closed; the rest is never buffered.
 */
function readBody(req: IncomingMessage, res: ServerResponse, done: (body: Buffer) => void): void {
  const tooLarge = (): void => {
    req.resume();
    if (!res.headersSent) {
      res.writeHead(413, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end(`body larger than ${MAX_BODY} bytes\n`);
    }
  };
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) return tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    if (res.headersSent) return;
    size += chunk.length;
    if (size > MAX_BODY) tooLarge();
    else chunks.push(chunk);
  });
  req.on('end', () => {
    if (!res.headersSent) done(Buffer.concat(chunks));
  });
}

function heading(count: number, stored: StoredPayload): string {
  const app = stored.app === 'default' ? '' : ` from ${stored.app}`;
  return `payload ${count}${app} at ${new Date(stored.time).toISOString().slice(11, 23)}`;
}

function jsonLine(stored: StoredPayload): string {
  return `${JSON.stringify({ time: new Date(stored.time).toISOString(), app: stored.app, counters: stored.counters, gauges: stored.gauges })}\n`;
}
