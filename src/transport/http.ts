import type { Agent, IncomingMessage } from 'node:http';
import { urlToHttpOptions } from 'node:url';
import { DeliveryFailed } from '../util/errors.js';
import { redactEndpoint, scrubSecrets } from '../util/redact.js';

/** The answer of a POST: status and (at most `maxBody` bytes of) body. */
export interface PostResponse {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The same kept bytes, undecoded (binary answers such as OTLP's protobuf). */
  readonly bytes: Buffer;
}

export interface PostOptions {
  readonly headers: Record<string, string>;
  /** Whole-request timeout, ms. */
  readonly timeout: number;
  readonly signal: AbortSignal;
  /** Bytes of response body kept; the rest is read and discarded. @default 65536 */
  readonly maxBody?: number;
}

type HttpModule = typeof import('node:http');

/**
 * Set on every request hmetrics itself makes, so the outgoing-HTTP monitor can leave our own
 * deliveries out of the app's figures.
 */
export const OWN_REQUEST = Symbol.for('hmetrics.own-request');

/**
 * A keep-alive POST client for one endpoint. `node:http`/`node:https` load on first use, so an
 * import of hmetrics that never delivers over HTTP never pays for them. Sockets are unref'd, so
 * an in-flight delivery never holds the host process open, and every response is read to the
 * end (an undrained response pins its socket, one leak per interval).
 */
export class HttpPoster {
  readonly #url: URL;
  readonly label: string;
  #module: Promise<HttpModule> | undefined;
  #agent: Agent | undefined;
  #closed = false;
  /** The last request target, parsed once: every interval posts to the same path. */
  #target: { readonly path: string; readonly options: ReturnType<typeof urlToHttpOptions> } | undefined;

  constructor(url: URL) {
    this.#url = url;
    this.label = redactEndpoint(url);
  }

  async post(path: string, body: string | Uint8Array, options: PostOptions): Promise<PostResponse> {
    const http = await (this.#module ??= (this.#url.protocol === 'https:' ? import('node:https') : import('node:http')) as Promise<HttpModule>);
    if (this.#closed) throw new DeliveryFailed(this.label, 'sink closed');
    this.#agent ??= new http.Agent({ keepAlive: true, maxSockets: 4, maxFreeSockets: 1, timeout: 60_000 });
    if (this.#target?.path !== path) {
      // Converted once, as http.request would convert a URL on every call (userinfo → auth,
      // IPv6 brackets removed).
      this.#target = { path, options: urlToHttpOptions(new URL(path, this.#url)) };
    }
    const target = this.#target.options;
    const maxBody = options.maxBody ?? 65_536;
    return new Promise<PostResponse>((resolve, reject) => {
      let settled = false;
      const fail = (reason: string, cause?: unknown, status?: number): void => {
        if (settled) return;
        settled = true;
        cleanup();
        reject(new DeliveryFailed(this.label, scrubSecrets(reason, this.#url), status, cause === undefined ? undefined : { cause: scrubCause(cause, this.#url) }));
      };
      const timer = setTimeout(() => {
        fail(`timed out after ${options.timeout} ms`);
        request.destroy();
      }, options.timeout);
      timer.unref();
      const onAbort = (): void => {
        fail('aborted');
        request.destroy();
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
      };
      const request = http.request({
        ...target,
        method: 'POST',
        agent: this.#agent,
        headers: { ...options.headers, 'Content-Length': String(Buffer.byteLength(body)) },
      }, (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept < maxBody) {
            chunks.push(chunk.subarray(0, maxBody - kept));
            kept += Math.min(chunk.length, maxBody - kept);
          }
        });
        response.on('error', (error) => fail('response error', error));
        response.on('end', () => {
          if (settled) return;
          settled = true;
          cleanup();
          // Most answers are empty (Heroku's, statsd's): no copy and no decoding for them.
          const bytes = chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: bytes.length === 0 ? '' : bytes.toString('utf8'), bytes });
        });
      });
      (request as unknown as Record<symbol, boolean>)[OWN_REQUEST] = true;
      request.on('socket', (socket) => socket.unref());
      request.on('error', (error: NodeJS.ErrnoException) => fail(error.code ?? error.message, error));
      if (options.signal.aborted) onAbort();
      else options.signal.addEventListener('abort', onAbort, { once: true });
      request.end(body);
    });
  }

  close(): void {
    this.#closed = true;
    this.#agent?.destroy();
  }
}

const EMPTY = Buffer.alloc(0);

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
