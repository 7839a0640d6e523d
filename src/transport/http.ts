import type { Socket } from 'node:net';
import { DeliveryFailed } from '../util/errors.js';
import { redactEndpoint, scrubSecrets } from '../util/redact.js';
import { ResponseReader, type ResponseHeaders } from './http-response.js';
import type { StopSignal } from '../util/stop.js';

/** The answer of a POST: status, headers and (at most `maxBody` bytes of) body. */
export interface PostResponse {
  readonly status: number;
  /** Names lowercased; a repeated field's values joined with `, `. */
  readonly headers: ResponseHeaders;
  readonly body: string;
  /** The same kept bytes, undecoded (binary answers such as OTLP's protobuf). */
  readonly bytes: Buffer;
}

export interface PostOptions {
  readonly headers: Record<string, string>;
  /** Whole-request timeout, ms (both attempts when a reused connection is retried). */
  readonly timeout: number;
  readonly signal: StopSignal;
  /** Bytes of response body kept; up to 16 MiB more are read and dropped. @default 65536 */
  readonly maxBody?: number;
}

/**
 * Past `maxBody`, body bytes read and dropped so the connection can carry the next delivery
 * (the bytes are not kept: memory stays bounded by `maxBody`); beyond, the answer settles with
 * its status and what was kept, and the connection is closed: an endless body ends too.
 */
const MAX_DISCARD = 16 * 1024 * 1024;
/**
 * An idle connection unused this long is not reused (closed instead, and a new one made). Judged
 * when the next delivery takes it, not by a timer: arming and clearing a socket timer at every
 * delivery cost ~25 µs cold per interval, and an idle socket is unref'd and holds nothing.
 */
const IDLE_TIMEOUT = 60_000;
/** Header names and values as `node:http` accepts them: no request splitting through a value. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Framing headers are the client's own. */
const OWN_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);
const ASCII = /^[\x00-\x7f]*$/;

type Net = typeof import('node:net');
type Tls = typeof import('node:tls');

/** What a connection's events go to while a request is out on it. */
interface Exchange {
  readonly data: (chunk: Buffer) => void;
  readonly end: () => void;
  readonly error: (error: NodeJS.ErrnoException) => void;
}

/**
 * One connection and the exchange using it, if any. Its four listeners are added once, when it
 * is made, and route each event to the exchange or, between exchanges, close it: adding and
 * removing six EventEmitter listeners per delivery cost more, cold, than the request's write.
 */
interface Connection {
  readonly socket: Socket;
  exchange: Exchange | undefined;
}

/**
 * hmetrics' HTTP/1.1 client for its own deliveries (Heroku, OTLP/HTTP, telemetry): a POST over
 * one kept-alive `node:net` (or, for https URLs only, `node:tls`) connection per endpoint.
 * It replaces `node:http`, whose module graph cost a reporting process ~3 ms and 1.5 MB at
 * startup and whose request machinery about as much per delivery again (bench/delivery.bench.ts).
 *
 * - Sockets are unref'd: a delivery in flight never holds the host process open.
 * - A reused idle connection the server closed meanwhile (no byte of an answer came back) is
 *   retried once on a new connection, within the same timeout.
 * - Every response is read to its end (Content-Length, chunked, or the connection's end) and
 *   at most `maxBody` bytes are kept; whatever is malformed, truncated, endless or huge settles
 *   as a `DeliveryFailed` saying what, never a throw into the app.
 * - Credentials in the URL become a Basic `Authorization` header, as `node:http` did, and never
 *   appear in a message.
 * - Our deliveries are invisible to the outgoing-HTTP monitor: they are not `node:http` requests.
 */
export class HttpPoster {
  readonly #url: URL;
  readonly label: string;
  readonly #secure: boolean;
  readonly #host: string;
  readonly #port: number;
  /** Everything of the request head that does not change between deliveries. */
  readonly #fixedHead: string;
  #idle: { readonly connection: Connection; readonly since: number } | undefined;
  readonly #busy = new Set<Socket>();
  #closed = false;
  /**
   * The signal listened to for every exchange that uses it, with those exchanges' cuts: the report
   * loop passes one signal for its whole life, and one listener on it replaces an EventTarget
   * listener added and removed per delivery (~50 µs cold per interval, bench/idle.bench.ts).
   */
  #signal: StopSignal | undefined;
  readonly #cuts = new Set<() => void>();
  readonly #onSignalAbort = (): void => {
    for (const cut of [...this.#cuts]) cut();
  };
  /** The idle connection open() made, until a request takes it. */
  #opened: Connection | undefined;
  /** The last request path, resolved once: every interval posts to the same one. */
  #target: { readonly path: string; readonly requestPath: string } | undefined;

  constructor(url: URL) {
    this.#url = url;
    this.label = redactEndpoint(url);
    this.#secure = url.protocol === 'https:';
    this.#host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.#port = url.port === '' ? (this.#secure ? 443 : 80) : Number(url.port);
    let head = `Host: ${url.host}\r\nConnection: keep-alive\r\n`;
    if (url.username !== '' || url.password !== '') {
      const auth = `${safeDecode(url.username)}:${safeDecode(url.password)}`;
      head += `Authorization: Basic ${Buffer.from(auth).toString('base64')}\r\n`;
    }
    this.#fixedHead = head;
  }

  async post(path: string, body: string | Uint8Array, options: PostOptions): Promise<PostResponse> {
    if (this.#closed) throw new DeliveryFailed(this.label, 'sink closed');
    const request = this.#request(this.#head(path, body, options.headers), body);
    const deadline = Date.now() + options.timeout;
    const idle = this.#takeIdle();
    // A connection open() just made has carried nothing yet: its close is a failure, not a stale keep-alive.
    const reused = idle !== undefined && idle !== this.#opened;
    this.#opened = undefined;
    const first = await this.#exchange(idle ?? this.#connect(), request, options, reused, deadline);
    if (first !== RETRY) return first;
    if (this.#closed) throw new DeliveryFailed(this.label, 'sink closed');
    return await this.#exchange(this.#connect(), request, options, false, deadline) as PostResponse;
  }

  /**
   * Resolves once a connection for the next `post()` is open (at once when one is idle), which
   * keeps it; rejects as `post()` would (refused, unreachable, timed out, aborted, closed). A
   * caller whose body is costly to build (an OTLP export) builds it only for an endpoint that
   * answered: a short job whose collector is down paid the export's first build and encoding,
   * about 2.7 ms of CPU, for a request that could not leave (bench/startup.bench.ts).
   */
  open(options: Pick<PostOptions, 'timeout' | 'signal'>): Promise<void> {
    if (this.#closed) return Promise.reject(new DeliveryFailed(this.label, 'sink closed'));
    if (this.#idle !== undefined) return Promise.resolve();
    const connection = this.#connect();
    const socket = connection.socket;
    const ready = this.#secure ? 'secureConnect' : 'connect';
    this.#busy.add(socket); // close() ends it too
    return new Promise((resolve, reject) => {
      let unlisten: (() => void) | undefined;
      // Until it settles, the connection's own listeners (#connect) route to this.
      const opening: Exchange = {
        data: () => settle('data before any request'),
        end: () => settle('connection closed'),
        error: (error) => settle(error.code ?? error.message, error),
      };
      const settle = (reason?: string, cause?: unknown): void => {
        if (connection.exchange !== opening) return;
        connection.exchange = undefined;
        this.#busy.delete(socket);
        clearTimeout(timer);
        unlisten?.();
        socket.off(ready, onReady);
        if (reason === undefined && !this.#closed) {
          this.#park(connection);
          if (this.#idle?.connection === connection) this.#opened = connection;
          resolve();
          return;
        }
        socket.destroy();
        reject(new DeliveryFailed(this.label, this.#closed ? 'sink closed' : scrubSecrets(reason ?? 'sink closed', this.#url), undefined, cause === undefined ? undefined : { cause: scrubCause(cause, this.#url) }));
      };
      const onReady = (): void => settle();
      connection.exchange = opening;
      const timer = setTimeout(() => settle(`timed out after ${options.timeout} ms`), Math.max(1, options.timeout));
      timer.unref();
      socket.once(ready, onReady);
      if (options.signal.aborted) settle('aborted');
      else unlisten = this.#listen(options.signal, () => settle('aborted'));
    });
  }

  close(): void {
    this.#closed = true;
    this.#signal?.removeEventListener('abort', this.#onSignalAbort);
    this.#signal = undefined;
    this.#idle?.connection.socket.destroy();
    this.#idle = undefined;
    for (const socket of this.#busy) socket.destroy();
  }

  #head(path: string, body: string | Uint8Array, headers: Record<string, string>): string {
    if (this.#target?.path !== path) {
      const url = new URL(path, this.#url);
      this.#target = { path, requestPath: `${url.pathname}${url.search}` };
    }
    let head = `POST ${this.#target.requestPath} HTTP/1.1\r\n${this.#fixedHead}`;
    for (const name in headers) {
      const value = String(headers[name]);
      if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(value)) {
        throw new DeliveryFailed(this.label, `invalid request header ${JSON.stringify(name.slice(0, 64))}`);
      }
      const lower = name.toLowerCase();
      if (OWN_HEADERS.has(lower) || (lower === 'authorization' && this.#fixedHead.includes('\nAuthorization:'))) continue;
      head += `${name}: ${value}\r\n`;
    }
    head += `Content-Length: ${typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength}\r\n\r\n`;
    return head;
  }

  /**
   * The request as one write: head and body in one string when both encode alike (an ASCII
   * head, the usual case), else one buffer. A corked pair of writes went out as writev, which
   * cost a third of a delivery's CPU (bench/delivery.bench.ts).
   */
  #request(head: string, body: string | Uint8Array): string | Buffer {
    if (typeof body === 'string' && ASCII.test(head)) return head + body;
    return Buffer.concat([Buffer.from(head, 'latin1'), typeof body === 'string' ? Buffer.from(body) : body]);
  }

  #takeIdle(): Connection | undefined {
    const idle = this.#idle;
    this.#idle = undefined;
    if (idle === undefined) return undefined;
    const { connection, since } = idle;
    const socket = connection.socket;
    if (socket.destroyed || !socket.writable || socket.readableEnded || performance.now() - since > IDLE_TIMEOUT) {
      socket.destroy();
      return undefined;
    }
    return connection;
  }

  #connect(): Connection {
    const socket = this.#secure
      ? (process.getBuiltinModule('node:tls') as Tls).connect({
        host: this.#host,
        port: this.#port,
        // SNI names a host, never an address (Node warns for one).
        ...((process.getBuiltinModule('node:net') as Net).isIP(this.#host) === 0 ? { servername: this.#host } : {}),
      })
      : (process.getBuiltinModule('node:net') as Net).connect({ host: this.#host, port: this.#port });
    socket.unref();
    socket.setNoDelay(true);
    const connection: Connection = { socket, exchange: undefined };
    // Between exchanges anything arriving unasked, or the server's close, ends the connection
    // (a long silence is judged when the next delivery takes it, see IDLE_TIMEOUT). The error
    // listener is always there: an error between exchanges never reaches the app.
    const drop = (): void => {
      if (this.#idle?.connection === connection) this.#idle = undefined;
      socket.destroy();
    };
    socket
      .on('data', (chunk: Buffer) => { if (connection.exchange) connection.exchange.data(chunk); else drop(); })
      .on('end', () => { if (connection.exchange) connection.exchange.end(); else drop(); })
      .on('close', () => { if (connection.exchange) connection.exchange.end(); else drop(); })
      .on('error', (error: NodeJS.ErrnoException) => connection.exchange?.error(error));
    return connection;
  }

  /** Keeps a connection for the next delivery, or closes it: one idle connection per endpoint. */
  #park(connection: Connection): void {
    if (this.#closed || this.#idle !== undefined) {
      connection.socket.destroy();
      return;
    }
    this.#idle = { connection, since: performance.now() };
  }

  /**
   * Calls `cut` when `signal` aborts, until the returned function is called. A signal already
   * listened to (the loop's, every interval) costs a Set entry; another one gets a listener of
   * its own, and becomes the one listened to once no exchange waits on the previous one.
   */
  #listen(signal: StopSignal, cut: () => void): () => void {
    if (signal !== this.#signal && this.#cuts.size === 0) {
      this.#signal?.removeEventListener('abort', this.#onSignalAbort);
      this.#signal = signal;
      signal.addEventListener('abort', this.#onSignalAbort);
    }
    if (signal === this.#signal) {
      this.#cuts.add(cut);
      return () => this.#cuts.delete(cut);
    }
    signal.addEventListener('abort', cut, { once: true });
    return () => signal.removeEventListener('abort', cut);
  }

  /** One request on `socket`; RETRY when a reused connection turned out closed before any answer. */
  #exchange(connection: Connection, request: string | Buffer, options: PostOptions, reused: boolean, deadline: number): Promise<PostResponse | typeof RETRY> {
    const socket = connection.socket;
    const maxBody = options.maxBody ?? 65_536;
    const reader = new ResponseReader(maxBody);
    this.#busy.add(socket);
    return new Promise((resolve, reject) => {
      let settled = false;
      let unlisten: (() => void) | undefined;
      const cleanup = (): void => {
        settled = true;
        clearTimeout(timer);
        unlisten?.();
        connection.exchange = undefined;
        this.#busy.delete(socket);
      };
      const fail = (reason: string, cause?: unknown): void => {
        if (settled) return;
        cleanup();
        socket.destroy();
        reject(new DeliveryFailed(this.label, scrubSecrets(reason, this.#url), undefined, cause === undefined ? undefined : { cause: scrubCause(cause, this.#url) }));
      };
      const succeed = (): void => {
        if (settled) return;
        cleanup();
        if (reader.state === 'done' && reader.reusable) this.#park(connection);
        else socket.destroy();
        const bytes = reader.body();
        // Most answers are empty (Heroku's): no decoding for them.
        resolve({ status: reader.status, headers: reader.headers, body: bytes.length === 0 ? '' : bytes.toString('utf8'), bytes });
      };
      const retryOrFail = (reason: string, cause?: unknown): void => {
        if (settled) return;
        if (reused && !reader.started) {
          cleanup();
          socket.destroy();
          resolve(RETRY);
        } else {
          fail(reason, cause);
        }
      };
      const onData = (chunk: Buffer): void => {
        try {
          reader.push(chunk);
        } catch (error) {
          fail((error as Error).message);
          return;
        }
        if (reader.state === 'done' || (reader.state === 'body' && reader.bodyBytes > maxBody + MAX_DISCARD)) succeed();
      };
      const onEnd = (): void => {
        if (settled) return;
        try {
          reader.end();
        } catch (error) {
          retryOrFail((error as Error).message);
          return;
        }
        succeed();
      };
      const onError = (error: NodeJS.ErrnoException): void => retryOrFail(error.code ?? error.message, error);
      const onAbort = (): void => fail('aborted');
      const timer = setTimeout(() => fail(`timed out after ${options.timeout} ms`), Math.max(1, deadline - Date.now()));
      timer.unref();
      connection.exchange = { data: onData, end: onEnd, error: onError };
      if (options.signal.aborted) {
        onAbort();
        return;
      }
      unlisten = this.#listen(options.signal, onAbort);
      if (this.#closed) {
        fail('sink closed');
        return;
      }
      socket.write(request);
    });
  }
}

const RETRY = Symbol('retry on a new connection');

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Library errors may quote the URL they failed on; keep the cause but not the secret. */
function scrubCause(cause: unknown, url: URL): unknown {
  if (cause instanceof Error) {
    const copy = new Error(scrubSecrets(cause.message, url));
    copy.name = cause.name;
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== undefined) Object.assign(copy, { code });
    return copy;
  }
  return undefined;
}
