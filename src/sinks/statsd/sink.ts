import type { Socket } from 'node:dgram';
import { debug } from '../../util/debug.js';
import { DeliveryFailed, InvalidEndpoint } from '../../util/errors.js';
import { StatsdReceiverMetric } from '../../metrics/names.js';
import type { Snapshot } from '../../metrics/snapshot.js';
import { redactEndpoint } from '../../util/redact.js';
import { resolveConventions, type StatsdConventionOptions } from './conventions.js';
import { ENCODE_DEFAULTS, encodeSnapshot, type StatsdEncodeOptions } from './encode.js';
import { HostResolver, type LookupFunction } from './resolver.js';
import type { Sink } from '../sink.js';

/**
 * Options of the statsd sink. `maxDatagramSize`, `maxTimerValues`, `prefix`, `tags` and
 * `tagsMode` can also be given in the endpoint's query string:
 * `udp://statsd:8125?maxDatagramSize=8192&prefix=myapp.&tags=team:web,tier:1&tagsMode=none`.
 * `prefix`, `tags` and `tagsMode` otherwise come from `HMETRICS_STATSD_PREFIX`,
 * `HMETRICS_STATSD_TAGS` and `HMETRICS_STATSD_TAGS_MODE`; `DD_ENV`, `DD_SERVICE`, `DD_VERSION`,
 * `DD_ENTITY_ID`, `DD_TAGS` and `DYNO` add tags (see `StatsdConventionOptions`).
 */
export interface StatsdSinkOptions extends Omit<StatsdEncodeOptions, 'prefix' | 'tags' | 'tagsMode'>, StatsdConventionOptions {
  /** How long a looked-up address is used before it is looked up again, ms. @default 60000 */
  readonly resolveInterval?: number;
  /** Host name lookup. @default dns.promises.lookup */
  readonly lookup?: LookupFunction;
  /** A lookup that has not answered after this long counts as failed, ms. @default 5000 */
  readonly lookupTimeout?: number;
  /** Datagrams that failed to send, kept to go first in the next delivery. @default 64 */
  readonly maxRetryDatagrams?: number;
  /** Clock, epoch ms. @default Date.now */
  readonly now?: () => number;
}

export const STATSD_SINK_DEFAULTS = { ...ENCODE_DEFAULTS, resolveInterval: 60_000, lookupTimeout: 5_000, maxRetryDatagrams: 64 } as const;

/**
 * `udp://host:port`: each interval's snapshot as statsd/DogStatsD lines (see `encodeSnapshot`).
 *
 * The host is resolved off the send path and re-resolved every `resolveInterval`; a failed
 * lookup keeps the last good address. A delivery rejects (so the report loop keeps the snapshot
 * and reports the error) only when nothing could be sent: no address was ever resolved, or every
 * datagram failed. Datagrams that fail while others go through are resent first next time.
 */
export class StatsdSink implements Sink {
  readonly label: string;
  readonly #port: number;
  readonly #resolver: HostResolver;
  readonly #encode: StatsdEncodeOptions;
  readonly #maxRetry: number;
  #sockets: { 4?: Promise<Socket>; 6?: Promise<Socket> } = {};
  #retry: string[] = [];
  #droppedLines = 0;
  #closed = false;

  constructor(url: URL, options: StatsdSinkOptions = {}) {
    this.label = redactEndpoint(url);
    this.#port = Number(url.port);
    if (!Number.isInteger(this.#port) || this.#port <= 0 || this.#port > 65535) throw new InvalidEndpoint(`${this.label} needs a port from 1 to 65535`);
    const conventions = resolveConventions(url, options);
    this.#encode = {
      maxDatagramSize: setting(url, options, 'maxDatagramSize', 64, 65507),
      maxTimerValues: setting(url, options, 'maxTimerValues', 1, 1e9),
      prefix: conventions.prefix,
      tags: conventions.globalTags,
      tagsMode: conventions.tagsMode,
    };
    this.#maxRetry = options.maxRetryDatagrams ?? STATSD_SINK_DEFAULTS.maxRetryDatagrams;
    this.#resolver = new HostResolver(url.hostname, {
      lookup: options.lookup,
      refreshInterval: options.resolveInterval ?? STATSD_SINK_DEFAULTS.resolveInterval,
      lookupTimeout: options.lookupTimeout ?? STATSD_SINK_DEFAULTS.lookupTimeout,
      now: options.now ?? Date.now,
    });
  }

  async deliver(snapshot: Snapshot): Promise<void> {
    if (this.#closed) throw new DeliveryFailed(this.label, 'sink closed');
    const encoded = encodeSnapshot(snapshot, this.#encode);
    const dropped = this.#droppedLines + encoded.oversizeLines;
    const fresh = encoded.datagrams;
    if (dropped > 0) fresh.push(...droppedLinesDatagram(dropped, snapshot.time, this.#encode));
    const datagrams = this.#retry.length === 0 ? fresh : [...this.#retry, ...fresh];
    if (datagrams.length === 0) return;

    let target;
    try {
      target = await this.#resolver.target();
    } catch (err) {
      throw new DeliveryFailed(this.label, `cannot resolve the host: ${(err as Error).message}`, undefined, { cause: err });
    }
    const socket = await this.#socket(target.family);
    const results = await Promise.all(datagrams.map((datagram) => send(socket, datagram, this.#port, target.address)));
    const failed: string[] = [];
    let firstError: Error | undefined;
    results.forEach((error, i) => {
      if (error === undefined) return;
      firstError ??= error;
      failed.push(datagrams[i]!);
    });
    if (failed.length === datagrams.length) {
      // Nothing went out: the loop keeps the snapshot and merges it into the next one, so the
      // retry queue must not hold this snapshot's datagrams as well.
      throw new DeliveryFailed(this.label, `send failed: ${firstError?.message ?? 'unknown error'}`, undefined, { cause: firstError });
    }
    this.#droppedLines = 0;
    this.#retry = failed.slice(0, this.#maxRetry);
    for (const lost of failed.slice(this.#maxRetry)) this.#droppedLines += lost.split('\n').length;
    if (failed.length > 0) debug(`statsd: ${failed.length} of ${datagrams.length} datagrams to ${this.label} failed (${firstError?.message}); resending next interval`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const pending of Object.values(this.#sockets)) {
      pending.then((socket) => {
        try {
          socket.close();
        } catch {
          // Already closed.
        }
      }, () => undefined);
    }
    this.#sockets = {};
  }

  #socket(family: 4 | 6): Promise<Socket> {
    let socket = this.#sockets[family];
    if (socket === undefined) {
      socket = import('node:dgram').then((dgram) => {
        const created = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
        created.on('error', (err) => debug(`statsd sink socket: ${err.message}`));
        created.unref();
        return created;
      });
      this.#sockets[family] = socket;
    }
    return socket;
  }
}

/** The sink's own drop counter, named and tagged like every other line. */
function droppedLinesDatagram(dropped: number, time: number, options: StatsdEncodeOptions): string[] {
  const name = StatsdReceiverMetric.sinkDroppedLines;
  const counters = new Map([[name, { name, tags: [], value: dropped }]]);
  return encodeSnapshot({ time, intervalMs: 0, counters, gauges: new Map(), timers: new Map(), sets: new Map() }, options).datagrams;
}

/** Resolves to the send error, or undefined once the datagram is handed to the kernel. */
function send(socket: Socket, datagram: string, port: number, address: string): Promise<Error | undefined> {
  return new Promise((resolve) => {
    try {
      socket.send(datagram, port, address, (error) => resolve(error ?? undefined));
    } catch (error) {
      resolve(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/** An option from the constructor, else the endpoint's query string, else the default. */
function setting(url: URL, options: StatsdSinkOptions, name: 'maxDatagramSize' | 'maxTimerValues', min: number, max: number): number {
  const fromQuery = url.searchParams.get(name);
  const value = options[name] ?? (fromQuery === null ? ENCODE_DEFAULTS[name] : Number(fromQuery));
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidEndpoint(`Expected \`${name}\` to be an integer from ${min} to ${max}, got ${String(fromQuery ?? value)}`);
  }
  return value;
}
