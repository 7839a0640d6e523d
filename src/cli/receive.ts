import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatPayload } from './format-payload.js';
import { EventStream, frame, type EventStreamLimits } from './live/events.js';
import { History, type HistoryOptions, type StoredPayload } from './live/history.js';
import { servePageAsset } from './live/assets.js';
import { checkPayload, type CheckedPayload } from './payload-shape.js';
import { appFrom, measuredAt } from './payload-origin.js';
import { bracketHost } from '../util/ipv6.js';
import { TAGS_HEADER } from '../sinks/folded-tags.js';
import { UploadReader, type UploadLimits } from './receive-body.js';
import { RequestGuard } from './receive-guard.js';

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
  /** What uploads may hold. @default UPLOAD_DEFAULTS (4 MiB a body, 32 MiB in flight, 16 MiB drained from a refused body) */
  readonly uploads?: Partial<UploadLimits>;
  /** What live pages may hold queued. @default 32 pages, 16 MiB each past its first frame, 64 MiB together */
  readonly pages?: EventStreamLimits;
}

/** A running receiver: its URL (use it as HEROKU_METRICS_URL and open it in a browser) and close(). */
export interface Receiver {
  readonly url: string;
  readonly port: number;
  /** Bytes of unfinished uploads held now (bounded by `uploads.maxInFlight`). */
  readonly uploadsInFlight: number;
  /** Bytes queued for live pages now (bounded by `pages.maxTotalBacklog`). */
  readonly pagesBacklog: number;
  close(): Promise<void>;
}

/** Largest body accepted: far above any real payload (10 000 series are about 0.5 MB), small enough that a stray upload can't hurt. */
export const MAX_BODY = 4 * 1024 * 1024;

/** The upload limits, in one place. */
export const UPLOAD_DEFAULTS: UploadLimits = { maxBody: MAX_BODY, maxInFlight: 8 * MAX_BODY, maxDrain: 4 * MAX_BODY };

/** A request that has not arrived whole by then is cut off (Node's own default waits 300 s), ms. */
const REQUEST_TIMEOUT_MS = 30_000;

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
  const stream = new EventStream(options.pages);
  const uploads = new UploadReader({ ...UPLOAD_DEFAULTS, ...options.uploads });
  // The history frame every page gets on connect, serialised once per change of the history
  // and shared (one Buffer) by all the pages that connect meanwhile.
  let snapshotFrame: Buffer | undefined;
  const historyFrame = (): Buffer => (snapshotFrame ??= frame('snapshot', history.snapshot()));
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
    snapshotFrame = undefined;
    count++;
    write(format === 'json' ? jsonLine(stored) : formatPayload(checked.payload, heading(count, stored)));
    if (evicted) stream.send('snapshot', history.snapshot());
    else stream.send('payload', { ...stored, ignoredSeries });
    options.onPayload?.(checked.payload, app, time);
    // Asks hmetrics' Heroku sink for the original tags, which the live page shows (docs/outputs.md).
    res.writeHead(200, { [TAGS_HEADER]: '1' }).end();
  };

  let guard: RequestGuard | undefined;
  const server: Server = createServer((req, res) => {
    if (guard && !guard.hostAllowed(req)) {
      req.resume();
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end('unknown Host: this receiver answers to its own address and localhost\n');
      return;
    }
    if (req.method === 'POST') {
      const refusal = guard?.postRefusal(req);
      if (refusal) {
        warn(`── refused a payload: ${refusal.reason}\n`);
        req.resume();
        res.writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end(`${refusal.reason}\n`);
        return;
      }
      return uploads.read(req, res, (body) => accept(req, res, body));
    }
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD, POST' }).end();
      return;
    }
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path === '/events' && req.method === 'GET') stream.open(req, res, historyFrame());
    else if (path === '/history.json') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(history.snapshot()));
    } else servePageAsset(path ?? '/', res);
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  const bindHost = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, bindHost, () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  guard = new RequestGuard(bindHost, address);
  const host = bracketHost(address);
  return {
    url: `http://${host}:${port}/`,
    port,
    get uploadsInFlight() { return uploads.inFlight; },
    get pagesBacklog() { return stream.backlog; },
    close: () =>
      new Promise<void>((resolve) => {
        stream.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function heading(count: number, stored: StoredPayload): string {
  const app = stored.app === 'default' ? '' : ` from ${stored.app}`;
  return `payload ${count}${app} at ${new Date(stored.time).toISOString().slice(11, 23)}`;
}

function jsonLine(stored: StoredPayload): string {
  return `${JSON.stringify({ time: new Date(stored.time).toISOString(), app: stored.app, counters: stored.counters, gauges: stored.gauges })}\n`;
}
