import type { Socket } from 'node:dgram';
import { debug } from '../util/debug.js';
import type { CsmTarget } from './address.js';
import { backoffDelay, POLICIES } from '../delivery/backoff.js';

/** Why a datagram was not sent. */
export type DropReason = 'queue_full' | 'too_large' | 'send_error';

/** Options of `UdpTransport` (the reporter's). */
export interface UdpTransportOptions {
  /** Datagrams waiting or in flight; past it new ones are dropped. */
  readonly maxQueue: number;
  /** Called once per datagram that will never be sent. Guarded: a throw is ignored. */
  readonly onDrop: (reason: DropReason) => void;
  /** Called once per datagram handed to the OS. */
  readonly onSent?: () => void;
}

type DgramModule = typeof import('node:dgram');

/** How long after a failed socket open the next event tries again (the CSM delivery policy). */
const OPEN_RETRY_MS = backoffDelay(POLICIES.csm.backoff, 1);

/**
 * One JSON datagram per event. `node:dgram` is loaded at the first send, so a process that
 * enables CSM but never calls AWS never pays for it; the socket is connected once (no address
 * handling per send), unref'd (it never holds the process open) and has an `error` listener
 * (an unlistened socket error would crash the host). Datagrams wait in a bounded queue while
 * the socket opens or the transport is paused; in-flight sends count against the same bound.
 * Every failure becomes a counted drop, never a throw.
 */
export class UdpTransport {
  readonly #target: CsmTarget;
  readonly #options: UdpTransportOptions;
  #queue: Array<Buffer | string> = [];
  #socket: Socket | undefined;
  #opening: Promise<void> | undefined;
  #inFlight = 0;
  #paused = false;
  #closed = false;
  /** After a failed open, events are dropped (as send errors) until this time, then it retries. */
  #failedUntil = 0;
  readonly #afterSend = (error: Error | null): void => {
    this.#inFlight--;
    if (error) {
      debug(`csm: send failed: ${error.message}`);
      this.#drop('send_error');
    } else {
      this.#options.onSent?.();
    }
  };

  constructor(target: CsmTarget, options: UdpTransportOptions) {
    this.#target = target;
    this.#options = options;
  }

  /** Datagrams queued and not yet handed to the socket. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Sends (or queues) one datagram; false, and one counted drop, when the queue is full. */
  enqueue(datagram: Buffer | string): boolean {
    if (this.#closed || this.#queue.length + this.#inFlight >= this.#options.maxQueue) {
      this.#drop('queue_full');
      return false;
    }
    if (this.#failedUntil !== 0) {
      if (Date.now() < this.#failedUntil) {
        this.#drop('send_error');
        return false;
      }
      this.#failedUntil = 0;
    }
    if (this.#socket !== undefined && !this.#paused && this.#queue.length === 0) {
      this.#send(this.#socket, datagram);
      return true;
    }
    this.#queue.push(datagram);
    if (this.#socket === undefined) this.#opening ??= this.#open();
    return true;
  }

  /** Holds datagrams until `resume()`. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#flush();
  }

  /** Drops what is queued (counted) and closes the socket. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const queued = this.#queue.length;
    this.#queue = [];
    for (let i = 0; i < queued; i++) this.#drop('queue_full');
    try {
      this.#socket?.close();
    } catch {
      // already closed
    }
  }

  #send(socket: Socket, datagram: Buffer | string): void {
    this.#inFlight++;
    try {
      socket.send(datagram, this.#afterSend);
    } catch (error) {
      this.#afterSend(error as Error);
    }
  }

  #flush(): void {
    const socket = this.#socket;
    if (socket === undefined || this.#paused || this.#closed || this.#queue.length === 0) return;
    const queued = this.#queue;
    this.#queue = [];
    for (const datagram of queued) this.#send(socket, datagram);
  }

  async #open(): Promise<void> {
    try {
      const dgram: DgramModule = await import('node:dgram');
      if (this.#closed) return;
      const socket = dgram.createSocket({ type: this.#target.family });
      socket.on('error', (error) => debug(`csm: socket error: ${error.message}`));
      socket.unref();
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(this.#target.port, this.#target.host, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      if (this.#closed) {
        socket.close();
        return;
      }
      this.#socket = socket;
    } catch (error) {
      debug(`csm: cannot open a UDP socket to ${this.#target.host}:${this.#target.port}: ${(error as Error).message}`);
      // Nothing can be sent: what waits is dropped, and so is what comes in the next 10 s;
      // then the next event tries again (name resolution may recover).
      this.#opening = undefined;
      this.#failedUntil = Date.now() + OPEN_RETRY_MS;
      const queued = this.#queue.length;
      this.#queue = [];
      for (let i = 0; i < queued; i++) this.#drop('send_error');
      return;
    }
    this.#flush();
  }

  #drop(reason: DropReason): void {
    try {
      this.#options.onDrop(reason);
    } catch {
      // Counting a drop must never become the host's problem.
    }
  }
}
