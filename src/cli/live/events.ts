import type { IncomingMessage, ServerResponse } from 'node:http';

/** Pages connected at once; more are refused with 503 so a runaway tab loop cannot exhaust the receiver. */
const MAX_CLIENTS = 32;
/** Bytes queued for one page before it is dropped. */
const MAX_BACKLOG = 16 * 1024 * 1024;
/** A comment line this often keeps idle connections (and proxies in front of them) open. */
const HEARTBEAT_MS = 15_000;

/**
 * Server-sent events to every open page. Chosen over polling: a payload reaches the page in one
 * write (milliseconds, measured in the browser test) instead of up to a poll period, an idle page
 * costs nothing, and EventSource reconnects by itself when the receiver restarts.
 */
export class EventStream {
  readonly #clients = new Set<ServerResponse>();
  #heartbeat: NodeJS.Timeout | undefined;

  /** Opens a stream for one page and sends it `first` (the current history) as its first event. */
  open(req: IncomingMessage, res: ServerResponse, first: { event: string; data: unknown }): void {
    if (this.#clients.size >= MAX_CLIENTS) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '10' }).end(`at most ${MAX_CLIENTS} pages at once\n`);
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write(`retry: 1000\n${frame(first.event, first.data)}`);
    this.#clients.add(res);
    req.socket.setNoDelay(true);
    const forget = (): void => {
      this.#clients.delete(res);
      if (this.#clients.size === 0) this.#stopHeartbeat();
    };
    res.on('close', forget);
    this.#heartbeat ??= setInterval(() => this.#write(': keep-alive\n\n'), HEARTBEAT_MS).unref();
  }

  /** Sends one event to every open page. */
  send(event: string, data: unknown): void {
    if (this.#clients.size > 0) this.#write(frame(event, data));
  }

  /** Pages connected now. */
  get size(): number {
    return this.#clients.size;
  }

  /** Ends every stream (the receiver is closing). */
  close(): void {
    for (const res of this.#clients) res.end();
    this.#clients.clear();
    this.#stopHeartbeat();
  }

  #write(text: string): void {
    for (const res of this.#clients) {
      // A page that stopped reading (a frozen tab) is cut off rather than buffered without bound;
      // EventSource reconnects and gets the whole history again.
      if (res.writableLength > MAX_BACKLOG) res.destroy();
      else res.write(text);
    }
  }

  #stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}

/** JSON never contains a raw newline, so one `data:` line carries the whole event. */
function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
