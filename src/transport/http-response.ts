/**
 * An incremental HTTP/1.1 response reader for hmetrics' own deliveries (transport/http.ts):
 * status line, headers, and a body framed by `Content-Length`, `Transfer-Encoding: chunked`
 * or the connection's end. It keeps at most `maxBody` body bytes, reads the rest without
 * keeping it, and refuses what no real endpoint sends (a malformed status line or header,
 * headers past 16 KiB, a chunk-size line past 1 KiB) with a message saying which.
 */

/** Response headers, names lowercased; repeated fields joined with `, ` (RFC 9110 §5.3). */
export type ResponseHeaders = Readonly<Record<string, string>>;

/** Node's own default (`--max-http-header-size`): an endpoint that sends more is broken or hostile. */
export const MAX_HEAD_BYTES = 16_384;
const MAX_CHUNK_LINE = 1_024;
const CRLF_CRLF = Buffer.from('\r\n\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: [^\r\n]*)?$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The reader's verdict on the bytes so far. */
export type ReadState = 'head' | 'body' | 'done';

export class ResponseReader {
  readonly #maxBody: number;
  #state: ReadState = 'head';
  #head: Buffer | undefined;
  status = 0;
  headers: Record<string, string> = {};
  /** Whether the connection may carry another request once this response is read. */
  reusable = false;
  /** Whether a byte of the response has arrived (a reused socket closed before one can be retried). */
  started = false;
  #chunks: Buffer[] = [];
  #kept = 0;
  /** Body bytes read so far, kept or not. */
  bodyBytes = 0;
  /** Bytes still due: of the Content-Length, or of the current chunk; -1 reads to the end. */
  #remaining = -1;
  #chunked = false;
  /** Chunked: where the decoder is. */
  #chunkState: 'size' | 'data' | 'data-end' | 'trailer' = 'size';
  #line = '';

  constructor(maxBody: number) {
    this.#maxBody = maxBody;
  }

  get state(): ReadState {
    return this.#state;
  }

  /** The body kept so far (at most maxBody bytes). */
  body(): Buffer {
    return this.#chunks.length === 0 ? EMPTY : this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
  }

  /** Feeds bytes in; throws an Error whose message says what is wrong with the response. */
  push(data: Buffer): void {
    if (data.length > 0) this.started = true;
    let rest: Buffer | undefined = data;
    while (rest !== undefined && rest.length > 0 && this.#state !== 'done') {
      rest = this.#state === 'head' ? this.#readHead(rest) : this.#readBody(rest);
    }
    // Bytes after the response: the connection's framing is not ours to trust again.
    if (rest !== undefined && rest.length > 0) this.reusable = false;
  }

  /** The connection ended: the response is complete only if its body was delimited by the end. */
  end(): void {
    if (this.#state === 'done') return;
    if (this.#state === 'head') throw new Error(this.started ? 'connection closed inside the response headers' : 'connection closed before the response');
    if (this.#remaining !== -1 || this.#chunked) throw new Error(`response truncated after ${this.bodyBytes} body bytes`);
    this.#state = 'done';
    this.reusable = false;
  }

  #readHead(data: Buffer): Buffer | undefined {
    const buffered = this.#head === undefined ? data : Buffer.concat([this.#head, data]);
    // Search from just before the new bytes: the terminator may straddle two reads.
    const at = buffered.indexOf(CRLF_CRLF, Math.max(0, buffered.length - data.length - 3));
    if (at === -1) {
      if (buffered.length > MAX_HEAD_BYTES) throw new Error(`response headers over ${MAX_HEAD_BYTES} bytes`);
      this.#head = buffered;
      return undefined;
    }
    if (at > MAX_HEAD_BYTES) throw new Error(`response headers over ${MAX_HEAD_BYTES} bytes`);
    this.#head = undefined;
    const lines = buffered.toString('latin1', 0, at).split('\r\n');
    const status = STATUS_LINE.exec(lines[0]!);
    if (status === null) throw new Error(`malformed status line ${JSON.stringify(lines[0]!.slice(0, 64))}`);
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      const name = colon > 0 ? line.slice(0, colon) : '';
      if (!TOKEN.test(name)) throw new Error(`malformed header line ${JSON.stringify(line.slice(0, 64))}`);
      const key = name.toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
    }
    const code = Number(status[2]);
    const rest = buffered.subarray(at + 4);
    // An interim answer (100 Continue, 103 Early Hints): the real one follows.
    if (code >= 100 && code < 200 && code !== 101) return rest;
    this.status = code;
    this.headers = headers;
    const connection = (headers['connection'] ?? '').toLowerCase();
    this.reusable = status[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
    this.#frame(code, headers);
    return rest;
  }

  #frame(code: number, headers: Record<string, string>): void {
    this.#state = 'body';
    const encoding = headers['transfer-encoding'];
    if (code === 204 || code === 304 || code === 101) {
      this.#state = 'done';
    } else if (encoding !== undefined) {
      if (!/(?:^|,)\s*chunked\s*$/i.test(encoding)) {
        // Any other final coding is delimited by the connection's end (RFC 9112 §6.3).
        this.reusable = false;
        return;
      }
      this.#chunked = true;
      this.#remaining = 0;
      // Both framings at once is how responses get smuggled: read this one, trust no next one.
      if (headers['content-length'] !== undefined) this.reusable = false;
    } else if (headers['content-length'] !== undefined) {
      const lengths = new Set(headers['content-length'].split(',').map((s) => s.trim()));
      const length = lengths.size === 1 ? [...lengths][0]! : '';
      if (!/^\d{1,15}$/.test(length)) throw new Error(`malformed Content-Length ${JSON.stringify(headers['content-length'].slice(0, 32))}`);
      this.#remaining = Number(length);
      if (this.#remaining === 0) this.#state = 'done';
    } else {
      this.reusable = false; // read to the end
    }
  }

  #readBody(data: Buffer): Buffer | undefined {
    if (!this.#chunked) {
      const take = this.#remaining === -1 ? data.length : Math.min(this.#remaining, data.length);
      this.#keep(data.subarray(0, take));
      if (this.#remaining !== -1) {
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = 'done';
      }
      return take < data.length ? data.subarray(take) : undefined;
    }
    let at = 0;
    while (at < data.length && this.#state !== 'done') {
      if (this.#chunkState === 'data') {
        const take = Math.min(this.#remaining, data.length - at);
        this.#keep(data.subarray(at, at + take));
        at += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#chunkState = 'data-end';
        continue;
      }
      const newline = data.indexOf(10, at);
      const piece = data.toString('latin1', at, newline === -1 ? data.length : newline + 1);
      at = newline === -1 ? data.length : newline + 1;
      this.#line += piece;
      if (this.#line.length > MAX_CHUNK_LINE) throw new Error('chunked response: line too long');
      if (newline === -1) continue;
      const line = this.#line.replace(/\r?\n$/, '');
      this.#line = '';
      if (this.#chunkState === 'data-end') {
        if (line !== '') throw new Error('chunked response: no line end after a chunk');
        this.#chunkState = 'size';
      } else if (this.#chunkState === 'size') {
        const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line);
        if (size === null) throw new Error(`chunked response: malformed chunk size ${JSON.stringify(line.slice(0, 32))}`);
        this.#remaining = parseInt(size[1]!, 16);
        this.#chunkState = this.#remaining === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        this.#state = 'done'; // the trailer section ended
      }
    }
    return at < data.length ? data.subarray(at) : undefined;
  }

  #keep(bytes: Buffer): void {
    this.bodyBytes += bytes.length;
    if (this.#kept >= this.#maxBody || bytes.length === 0) return;
    const part = bytes.subarray(0, this.#maxBody - this.#kept);
    this.#chunks.push(part);
    this.#kept += part.length;
  }
}

const EMPTY = Buffer.alloc(0);
