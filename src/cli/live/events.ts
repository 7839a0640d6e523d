import type { IncomingMessage, ServerResponse } from 'node:http';

/** Pages connected at once; more are refused with 503 so a runaway tab loop cannot exhaust the receiver. */
const MAX_CLIENTS = 32;
/** Bytes queued for one page, on top of its first frame, before it is dropped. */
const MAX_BACKLOG = 16 * 1024 * 1024;
/**
 * Bytes queued for all pages together. Frames are Buffers shared by every page (a page that
 * does not read pins the same bytes as the others, not a copy), and this caps the sum anyway:
 * 32 pages that never read took the receiver from 144 MB to 1 GB before.
 */
const MAX_TOTAL_BACKLOG = 64 * 1024 * 1024;

/** The bounds of an event stream (tests shrink them). */
export interface EventStreamLimits {
  readonly maxClients?: number;
  readonly maxBacklog?: number;
  readonly maxTotalBacklog?: number;
}
/** A comment line this often keeps idle connections (and proxies in front of them) open. */
const HEARTBEAT_MS = 15_000;

/**
 * Server-sent events to every open page. Chosen over polling: a payload reaches the page in one
 * write (milliseconds, measured in the browser test) instead of up to a poll period, an idle page
 * costs nothing, and EventSource reconnects by itself when the receiver restarts.
 */
export class EventStream {
  /** Each page and the size of its first frame (its allowance on top of MAX_BACKLOG). */
  readonly #clients = new Map<ServerResponse, number>();
  readonly #limits: Required<EventStreamLimits>;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(limits: EventStreamLimits = {}) {
    this.#limits = { maxClients: MAX_CLIENTS, maxBacklog: MAX_BACKLOG, maxTotalBacklog: MAX_TOTAL_BACKLOG, ...limits };
  }

  /**
   * Opens a stream for one page and sends it `first` (the current history, from `frame()`, one
   * Buffer shared by every page that connects before the history changes) as its first event.
   * Past the total backlog, the pages furthest behind are dropped (EventSource reconnects).
   */
  open(req: IncomingMessage, res: ServerResponse, first: Buffer): void {
    if (this.#clients.size >= this.#limits.maxClients) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '10' }).end(`at most ${this.#limits.maxClients} pages at once\n`);
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write('retry: 1000\n');
    res.write(first);
    this.#clients.set(res, first.length);
    req.socket.setNoDelay(true);
    const forget = (): void => {
      this.#clients.delete(res);
      if (this.#clients.size === 0) this.#stopHeartbeat();
    };
    res.on('close', forget);
    this.#heartbeat ??= setInterval(() => this.#write(Buffer.from(': keep-alive\n\n')), HEARTBEAT_MS).unref();
    this.#capTotal(res);
  }

  /** Sends one event to every open page. */
  send(event: string, data: unknown): void {
    if (this.#clients.size > 0) this.#write(frame(event, data));
  }

  /** Bytes queued for all pages now. */
  get backlog(): number {
    let total = 0;
    for (const res of this.#clients.keys()) total += res.writableLength;
    return total;
  }

  /** Pages connected now. */
  get size(): number {
    return this.#clients.size;
  }

  /** Ends every stream (the receiver is closing). */
  close(): void {
    for (const res of this.#clients.keys()) res.end();
    this.#clients.clear();
    this.#stopHeartbeat();
  }

  #write(bytes: Buffer): void {
    for (const [res, first] of this.#clients) {
      // A page that stopped reading (a frozen tab) is cut off rather than buffered without bound;
      // EventSource reconnects and gets the whole history again.
      if (res.writableLength > first + this.#limits.maxBacklog) this.#drop(res);
      else res.write(bytes);
    }
    this.#capTotal();
  }

  /**
   * Drops the pages furthest behind until all pages together are within the total backlog. The
   * page that just connected is spared (its first frame is all it has, and dropping it would
   * lock every new page out behind stalled ones), so the bound is the total plus one frame.
   */
  #capTotal(spare?: ServerResponse): void {
    let total = this.backlog;
    while (total > this.#limits.maxTotalBacklog) {
      let furthest: ServerResponse | undefined;
      for (const res of this.#clients.keys()) if (res !== spare && (!furthest || res.writableLength > furthest.writableLength)) furthest = res;
      if (!furthest) return;
      total -= furthest.writableLength;
      this.#drop(furthest);
    }
  }

  #drop(res: ServerResponse): void {
    this.#clients.delete(res);
    if (this.#clients.size === 0) this.#stopHeartbeat();
    res.destroy();
  }

  #stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}

/**
 * One event as bytes, written as is to every page. JSON never contains a raw newline, so one
 * `data:` line carries the whole event.
 */
export function frame(event: string, data: unknown): Buffer {
  return Buffer.from(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`, 'utf8');
}
