import type { Socket } from 'node:dgram';
import { debug } from '../util/debug.js';
import type { Aggregator } from '../metrics/aggregator.js';
import { InternalMetric, RefusedMetric, StatsdReceiverMetric } from '../metrics/names.js';
import { forEachLine, newScan, type DatagramCounts, type LineScan } from './parse.js';
import { detach, SeriesTable } from './series-table.js';
import { validateListenOptions as validate, type StatsdListenOptions } from './receiver-options.js';
import { udpFamily } from '../util/ipv6.js';

export { RECEIVER_DEFAULTS, type StatsdListenOptions } from './receiver-options.js';

/** Running totals of one receiver since it started. */
export interface StatsdReceiverStats {
  readonly packets: number;
  readonly lines: number;
  readonly badLines: number;
  readonly droppedSeries: number;
}

/**
 * An embedded statsd server: every datagram's lines go into an aggregator, so every sink of the
 * running report carries them. Created by `listen()`; the socket never holds the process open.
 */
export class StatsdReceiver {
  readonly #aggregator: Aggregator;
  readonly #counterRates: boolean;
  readonly #now: () => number;
  readonly #scan: LineScan;
  readonly #counts: DatagramCounts = { lines: 0, badLines: 0 };
  readonly #onLine = (scan: LineScan, text: string): void => this.#record(scan, text);
  readonly #table: SeriesTable;
  #pending = { packets: 0, lines: 0, badLines: 0, droppedSeries: 0 };
  #totals = { packets: 0, lines: 0, badLines: 0, droppedSeries: 0 };
  #intervalStart: number;
  #socket: Socket | undefined;
  #unregister: () => void;
  #closed = false;

  /** @internal Use `listen()`; a receiver built directly has no socket and is fed through `ingest()`. */
  constructor(options: StatsdListenOptions = {}) {
    const o = validate(options);
    this.#aggregator = o.aggregator;
    this.#table = new SeriesTable(o.maxSeries);
    this.#scan = newScan(o);
    this.#counterRates = o.counterRates;
    this.#now = o.now;
    this.#intervalStart = this.#now();
    this.#unregister = this.#aggregator.addPullSource(() => this.#endInterval());
  }

  /** Reads one datagram (a Buffer as it came off the socket, or text). Never throws; ignored once closed. */
  ingest(datagram: Uint8Array | string): void {
    if (this.#closed) return;
    try {
      const text = typeof datagram === 'string' ? datagram : Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength).toString('utf8');
      const counts = this.#counts;
      counts.lines = 0;
      counts.badLines = 0;
      if (this.#pending.packets === 0) this.#reserveOwnCounters();
      forEachLine(text, this.#scan, this.#onLine, counts);
      this.#pending.packets++;
      this.#pending.lines += counts.lines;
      this.#pending.badLines += counts.badLines;
    } catch (err) {
      // Unreachable for any byte sequence we know of; if it happens, the host must not see it.
      debug(`statsd receiver: ${(err as Error).message}`);
    }
  }

  /** The bound address, or undefined before binding / after close. */
  address(): { address: string; family: string; port: number } | undefined {
    try {
      return this.#socket?.address();
    } catch {
      return undefined;
    }
  }

  /** Totals since the receiver started, including the interval in progress. */
  get stats(): StatsdReceiverStats {
    const t = this.#totals;
    const p = this.#pending;
    const droppedSeries = t.droppedSeries + p.droppedSeries + this.#table.dropped;
    return { packets: t.packets + p.packets, lines: t.lines + p.lines, badLines: t.badLines + p.badLines, droppedSeries };
  }

  /**
   * Stops receiving and closes the socket. What was received stays in the aggregator for the
   * next delivery (the receiver's own counters included). Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      await new Promise<void>((resolve) => {
        try {
          socket.close(() => resolve());
        } catch {
          resolve();
        }
      });
    }
    this.#unregister();
    this.#endInterval();
  }

  /** @internal Binds the socket; `listen()` calls it once. */
  async bind(options: StatsdListenOptions): Promise<void> {
    const o = validate(options);
    const dgram = await import('node:dgram');
    const socket = dgram.createSocket({ type: udpFamily(o.host), recvBufferSize: o.receiveBufferSize });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(o.port, o.host, () => {
        socket.removeListener('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      try { socket.close(); } catch { /* already closed */ }
      throw err;
    });
    socket.on('error', (err) => debug(`statsd receiver socket: ${err.message}`));
    socket.on('message', (message) => this.ingest(message));
    socket.unref();
    this.#socket = socket;
  }

  #record(scan: LineScan, text: string): void {
    const cell = this.#table.lookup(text, scan);
    if (cell === undefined) return;
    const { name, tags } = cell;
    const aggregator = this.#aggregator;
    switch (scan.kind) {
      case 'c': {
        const rate = scan.sampleRate;
        const values = scan.values;
        let sum = cell.value;
        for (let i = 0; i < values.length; i++) sum += values[i]! / rate;
        // Two finite lines can add up to Infinity (`x:1e308|c` twice): the counter keeps its
        // finite value and the line is counted as refused (docs/telemetry.md, "Refusals and finite numbers").
        if (sum - sum === 0) cell.value = sum;
        else aggregator.count(RefusedMetric.nonFinite, 1);
        return;
      }
      case 'g':
        // Gauges are absolute (gostatsd): a sign is part of the value; the last one wins.
        cell.value = scan.values[scan.values.length - 1]!;
        return;
      case 'ms':
        for (let i = 0; i < scan.values.length; i++) aggregator.timing(name, scan.values[i]!, tags, scan.sampleRate);
        return;
      case 's':
        for (const member of scan.members) aggregator.setMember(name, detach(member), tags);
        return;
    }
  }

  /**
   * Touches the receiver's own counters before the interval's first line, so a flood of new
   * names can never push them out of the aggregator's series cap.
   */
  #reserveOwnCounters(): void {
    const aggregator = this.#aggregator;
    aggregator.count(InternalMetric.statsdPackets, 0);
    aggregator.count(InternalMetric.statsdLines, 0);
    aggregator.count(InternalMetric.statsdBadLines, 0);
    aggregator.count(StatsdReceiverMetric.droppedSeries, 0);
  }

  /** Runs just before each snapshot: the receiver's own counters, then the rate gauges. */
  #endInterval(): void {
    const now = this.#now();
    const seconds = (now - this.#intervalStart) / 1000;
    this.#intervalStart = now;
    const aggregator = this.#aggregator;
    const p = this.#pending;
    p.droppedSeries += this.#table.dropped;
    aggregator.count(InternalMetric.statsdPackets, p.packets);
    aggregator.count(InternalMetric.statsdLines, p.lines);
    aggregator.count(InternalMetric.statsdBadLines, p.badLines);
    aggregator.count(StatsdReceiverMetric.droppedSeries, p.droppedSeries);
    // Counters and gauges were kept per series: one aggregator call each (past the aggregator's
    // own cap they are dropped and counted there, like rate gauges).
    for (const cell of this.#table.counters()) aggregator.count(cell.name, cell.value, cell.tags);
    for (const cell of this.#table.gauges()) aggregator.gauge(cell.name, cell.value, cell.tags);
    if (this.#counterRates && seconds > 0) {
      for (const cell of this.#table.counters()) aggregator.gauge(`${cell.name}${StatsdReceiverMetric.rateSuffix}`, cell.value / seconds, cell.tags);
    }
    const t = this.#totals;
    this.#totals = { packets: t.packets + p.packets, lines: t.lines + p.lines, badLines: t.badLines + p.badLines, droppedSeries: t.droppedSeries + p.droppedSeries };
    this.#pending = { packets: 0, lines: 0, badLines: 0, droppedSeries: 0 };
    this.#table.reset();
  }
}

/**
 * Starts an embedded statsd server feeding the aggregator (by default the one `report()` and
 * `onload` drain), so statsd clients in the process or on the host reach every sink.
 * Rejects with `InvalidOption` for a bad option, or with the socket's error (e.g. `EADDRINUSE`).
 *
 * @example
 * const receiver = await listen({ port: 8125 });
 * // … statsd clients send to 127.0.0.1:8125 …
 * await receiver.close();
 */
export async function listen(options: StatsdListenOptions = {}): Promise<StatsdReceiver> {
  const receiver = new StatsdReceiver(options);
  try {
    await receiver.bind(options);
  } catch (err) {
    await receiver.close();
    throw err;
  }
  return receiver;
}
