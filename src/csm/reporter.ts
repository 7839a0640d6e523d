import { debug } from '../util/debug.js';
import { InvalidOption } from '../util/errors.js';
import { shared } from '../util/global-state.js';
import { processAggregator, type Aggregator } from '../metrics/aggregator.js';
import { InternalMetric } from '../metrics/names.js';
import { parseCsmAddress } from './address.js';
import { CsmConflict } from './errors.js';
import { CSM_FIELD_LIMITS, CSM_MAX_DATAGRAM_BYTES, truncate, truncateFields, type CsmEvent } from './event.js';
import { injectCsmMiddleware, type AwsSdkClientLike, type CsmRecorder } from './middleware.js';
import { UdpTransport, type DropReason } from './transport.js';
import { checkInteger } from '../util/check.js';

/** Options of `csm.start()`. */
export interface CsmOptions {
  /** Events waiting to be sent; when full, new events are dropped and counted. @default 100 */
  readonly maxQueue?: number;
  /** Where drops are counted (`hmetrics.csm.dropped`, tagged `reason:…`). @default processAggregator */
  readonly aggregator?: Aggregator;
  /** Clock, epoch ms (fractions allowed). @default performance.timeOrigin + performance.now() */
  readonly now?: () => number;
}

/** Defaults of `CsmOptions`. */
export const CSM_DEFAULTS = { maxQueue: 100 } as const;

/** What the reporter did so far. */
export interface CsmStats {
  /** Datagrams handed to the OS. */
  readonly sent: number;
  /** Events not sent, by reason (queue full, over 8 KB, socket error). */
  readonly dropped: { readonly queueFull: number; readonly tooLarge: number; readonly sendError: number };
}

const DROP_TAGS: Record<DropReason, readonly string[]> = {
  queue_full: Object.freeze(['reason:queue_full']),
  too_large: Object.freeze(['reason:too_large']),
  send_error: Object.freeze(['reason:send_error']),
};

// performance.timeOrigin is a getter worth reading once; now() is monotonic, so latencies
// never go negative when the wall clock is adjusted.
const TIME_ORIGIN = performance.timeOrigin;
const monotonicEpoch = (): number => TIME_ORIGIN + performance.now();

/**
 * The CSM reporter: turns AWS SDK v3 calls into CSM events and sends them over UDP.
 * Get the process' one reporter with `csm.start()` / `csm.get()`.
 */
export class CsmReporter {
  /** The client id every event carries (at most 255 characters). */
  readonly clientId: string;
  /** `host:port` the events go to, as given to `start()`. */
  readonly address: string;
  readonly #transport: UdpTransport;
  readonly #aggregator: Aggregator;
  readonly #now: () => number;
  readonly #injected = new WeakSet<object>();
  readonly #recorder: CsmRecorder;
  #paused = false;
  #sent = 0;
  #dropped = { queueFull: 0, tooLarge: 0, sendError: 0 };

  /** @internal Use `csm.start()`; a second reporter would split one process' events. */
  constructor(clientId: string, address: string, options: CsmOptions = {}) {
    if (typeof clientId !== 'string') throw new InvalidOption(`Expected \`clientId\` to be a string, got ${typeof clientId}`);
    const maxQueue = checkInteger('maxQueue', options.maxQueue ?? CSM_DEFAULTS.maxQueue);
    const target = parseCsmAddress(address);
    this.clientId = truncate(clientId, CSM_FIELD_LIMITS.ClientId);
    this.address = address;
    this.#aggregator = options.aggregator ?? processAggregator;
    this.#now = options.now ?? monotonicEpoch;
    this.#transport = new UdpTransport(target, {
      maxQueue,
      onDrop: (reason) => this.#countDrop(reason),
      onSent: () => { this.#sent++; },
    });
    const self = this;
    this.#recorder = {
      clientId: this.clientId,
      get active() { return !self.#paused; },
      now: this.#now,
      record: (event) => this.#record(event),
    };
  }

  /** True while paused. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Counts so far. */
  get stats(): CsmStats {
    return { sent: this.#sent, dropped: { ...this.#dropped } };
  }

  /** Stops publishing: events of calls that end while paused are not built, queued or sent. */
  pause(): void {
    this.#paused = true;
    this.#transport.pause();
  }

  /** Resumes publishing (what was queued before `pause()` goes out now). */
  continue(): void {
    this.#paused = false;
    this.#transport.resume();
  }

  /**
   * Instruments an AWS SDK for JavaScript v3 client: one `ApiCall` event per command and one
   * `ApiCallAttempt` event per attempt (retries included). Injecting the same client twice is
   * a no-op. The client's results and errors are never changed.
   *
   * @example
   * import { STSClient } from '@aws-sdk/client-sts';
   * const sts = new STSClient({});
   * csm.start('my-app', csm.addressWithDefaults('', '')).injectHandlers(sts);
   */
  injectHandlers(client: AwsSdkClientLike): void {
    if (typeof client !== 'object' || client === null || typeof client.middlewareStack?.add !== 'function') {
      throw new InvalidOption('Expected `client` to be an AWS SDK for JavaScript v3 client (with a middlewareStack)');
    }
    if (this.#injected.has(client)) return;
    injectCsmMiddleware(client, this.#recorder);
    this.#injected.add(client);
  }

  /** @internal Closes the socket; used by tests and by `stopCsm()`-style cleanup. */
  close(): void {
    this.#paused = true;
    this.#transport.close();
  }

  #record(event: CsmEvent): void {
    if (this.#paused) return;
    truncateFields(event as unknown as Record<string, unknown>);
    const datagram = JSON.stringify(event);
    // UTF-16 length bounds the UTF-8 size from below; count bytes only when it could matter.
    const bytes = datagram.length * 3 > CSM_MAX_DATAGRAM_BYTES ? Buffer.byteLength(datagram, 'utf8') : datagram.length;
    if (bytes > CSM_MAX_DATAGRAM_BYTES) {
      debug(`csm: ${event.Type} event of ${bytes} bytes dropped (limit ${CSM_MAX_DATAGRAM_BYTES})`);
      this.#countDrop('too_large');
      return;
    }
    this.#transport.enqueue(datagram);
  }

  #countDrop(reason: DropReason): void {
    if (reason === 'queue_full') this.#dropped.queueFull++;
    else if (reason === 'too_large') this.#dropped.tooLarge++;
    else this.#dropped.sendError++;
    this.#aggregator.count(InternalMetric.csmDropped, 1, DROP_TAGS[reason]);
  }
}

// The one reporter is process-wide state, so `onload` and the app (even through two copies of
// hmetrics, or the ESM and CommonJS builds) share it, as the AWS SDKs' CSM does per process.
type ReporterHolder = { reporter?: CsmReporter };
const holder = (): ReporterHolder => shared<ReporterHolder>('csm.reporter', () => ({}));

/**
 * Starts client-side monitoring and returns the process' one reporter. Calling it again with
 * the same client id and address returns the same reporter; with others it throws
 * `CsmConflict`, naming both. A malformed address throws `InvalidOption`.
 *
 * @example
 * const reporter = csm.start('my-app', csm.addressWithDefaults(process.env.AWS_CSM_HOST ?? '', ''));
 * reporter.injectHandlers(new DynamoDBClient({}));
 */
export function start(clientId: string, address: string, options?: CsmOptions): CsmReporter {
  const running = holder().reporter;
  if (running !== undefined) {
    const requestedId = typeof clientId === 'string' ? truncate(clientId, CSM_FIELD_LIMITS.ClientId) : clientId;
    if (running.clientId !== requestedId || running.address !== address) {
      throw new CsmConflict(running, { clientId: String(clientId), address: String(address) });
    }
    return running;
  }
  const reporter = new CsmReporter(clientId, address, options);
  holder().reporter = reporter;
  return reporter;
}

/** The running reporter, or `undefined` before `start()`. */
export function get(): CsmReporter | undefined {
  return holder().reporter;
}
