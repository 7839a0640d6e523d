import type { IncomingMessage, ServerResponse } from 'node:http';

/** Limits of what the receiver reads from uploads. */
export interface UploadLimits {
  /** Largest body accepted, bytes. */
  readonly maxBody: number;
  /** Bytes of all unfinished uploads held at once; an upload past it is answered 503. */
  readonly maxInFlight: number;
  /** Bytes of a refused body read (and thrown away) so the client can read the answer; past it the connection is closed. */
  readonly maxDrain: number;
}

/**
 * Reads POST bodies within limits that hold whatever clients do: one body at most `maxBody`,
 * all unfinished bodies together at most `maxInFlight` (100 stalled uploads just under the
 * limit pinned 789 MB before). A refused body is still read, up to `maxDrain`, and thrown
 * away, then answered: a client that writes its whole body before reading (Node's own) gets
 * the answer instead of EPIPE or ECONNRESET.
 */
export class UploadReader {
  readonly #limits: UploadLimits;
  #inFlight = 0;

  constructor(limits: UploadLimits) {
    this.#limits = limits;
  }

  /** Bytes held now by unfinished uploads. */
  get inFlight(): number {
    return this.#inFlight;
  }

  read(req: IncomingMessage, res: ServerResponse, done: (body: Buffer) => void): void {
    const { maxBody, maxInFlight, maxDrain } = this.#limits;
    let chunks: Buffer[] = [];
    let held = 0;
    let refusal: { status: number; text: string } | undefined;
    let drained = 0;
    const release = (): void => {
      this.#inFlight -= held;
      held = 0;
      chunks = [];
    };
    const answer = (): void => {
      if (refusal === undefined || res.headersSent) return;
      res.writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close', ...(refusal.status === 503 ? { 'Retry-After': '1' } : {}) });
      res.end(refusal.text);
    };
    const refuse = (status: number, text: string): void => {
      refusal = { status, text };
      release();
    };
    if (Number(req.headers['content-length'] ?? 0) > maxBody) refuse(413, `body larger than ${maxBody} bytes\n`);
    req.on('data', (chunk: Buffer) => {
      if (refusal !== undefined) {
        drained += chunk.length;
        if (drained > maxDrain && !res.headersSent) {
          answer();
          res.once('finish', () => req.socket.destroy());
        }
        return;
      }
      if (held + chunk.length > maxBody) return refuse(413, `body larger than ${maxBody} bytes\n`);
      if (this.#inFlight + chunk.length > maxInFlight) return refuse(503, `receiver busy: ${maxInFlight} bytes of uploads in flight, retry\n`);
      held += chunk.length;
      this.#inFlight += chunk.length;
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refusal !== undefined) return answer();
      const body = Buffer.concat(chunks);
      release();
      done(body);
    });
    // An upload cut off midway gives its bytes back.
    req.on('close', release);
  }
}
