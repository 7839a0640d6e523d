import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One flush of the Etsy statsd server, as the JSON backend printed it. */
export interface EtsyFlush {
  readonly counters: Record<string, number>;
  readonly gauges: Record<string, number>;
  readonly timers: Record<string, number[]>;
  readonly timer_counters: Record<string, number>;
  readonly sets: Record<string, string[]>;
  /** Etsy's own statistics per timer (`median`, `upper_90`, `mean`, `std` …), from `lib/process_metrics.js`. */
  readonly timer_data: Record<string, Record<string, number>>;
}

const require = createRequire(import.meta.url);

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

/**
 * The real Etsy statsd server (the `statsd` package) in a child process, with a backend that
 * reports every flush as JSON. Ports are picked free (its config treats port 0 as "default").
 */
export class EtsyStatsd {
  readonly flushes: EtsyFlush[] = [];
  readonly port: number;
  readonly #child: ChildProcess;
  readonly #dir: string;
  #waiters: Array<() => void> = [];

  private constructor(child: ChildProcess, port: number, dir: string) {
    this.#child = child;
    this.port = port;
    this.#dir = dir;
  }

  /**
   * `receiveBufferSize` (bytes) swaps Etsy's UDP server module for a copy that asks the kernel
   * for that receive buffer (its own asks for nothing); everything else is the package as shipped.
   * `percentThreshold` is Etsy's own option (the `upper_N` it computes; its default is [90]).
   */
  static async start(options: { flushInterval?: number; receiveBufferSize?: number; percentThreshold?: number[] } = {}): Promise<EtsyStatsd> {
    const port = await freeUdpPort();
    const mgmtPort = await freeTcpPort();
    const dir = mkdtempSync(join(tmpdir(), 'hmetrics-etsy-'));
    const config = join(dir, 'config.js');
    const backend = fileURLToPath(new URL('./statsd-json-backend.cjs', import.meta.url));
    let servers: unknown;
    if (options.receiveBufferSize !== undefined) {
      const server = join(dir, 'udp-server.cjs');
      writeFileSync(server, [
        "const dgram = require('dgram');",
        'exports.start = function (config, callback) {',
        `  const server = dgram.createSocket({ type: config.address_ipv6 ? 'udp6' : 'udp4', recvBufferSize: ${options.receiveBufferSize} }, callback);`,
        '  server.bind(config.port || 8125, config.address || undefined);',
        '  this.server = server;',
        '  return true;',
        '};',
      ].join('\n'));
      servers = [{ server, port, address: '127.0.0.1' }];
    }
    writeFileSync(config, JSON.stringify({
      port, address: '127.0.0.1', mgmt_port: mgmtPort, mgmt_address: '127.0.0.1',
      flushInterval: options.flushInterval ?? 100, backends: [backend], deleteIdleStats: true,
      automaticConfigReload: false, servers, percentThreshold: options.percentThreshold,
    }));
    const statsJs = join(require.resolve('statsd/package.json'), '..', 'stats.js');
    const child = spawn(process.execPath, [statsJs, config], { stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new EtsyStatsd(child, port, dir);
    let buffer = '';
    let ready!: () => void;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.startsWith('HMETRICS_FLUSH ')) {
          server.flushes.push(JSON.parse(line.slice('HMETRICS_FLUSH '.length)) as EtsyFlush);
          for (const waiter of server.#waiters.splice(0)) waiter();
        } else if (line === 'HMETRICS_BACKEND_READY') {
          ready();
        }
      }
    });
    child.stderr!.resume();
    await isReady;
    // The UDP server binds just before the backends load; one flush proves the loop runs.
    await server.waitFor(() => server.flushes.length > 0);
    return server;
  }

  /** Resolves when `predicate` holds after some flush; rejects after `limitMs`. */
  waitFor(predicate: () => boolean, limitMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const check = (): void => {
        if (predicate()) return resolve();
        if (Date.now() - started > limitMs) return reject(new Error('timed out waiting for Etsy statsd flushes'));
        this.#waiters.push(check);
      };
      check();
    });
  }

  /** A counter summed over every flush. */
  counter(key: string): number {
    return this.flushes.reduce((sum, f) => sum + (f.counters[key] ?? 0), 0);
  }

  /** The last flushed value of a gauge. */
  gauge(key: string): number | undefined {
    for (let i = this.flushes.length - 1; i >= 0; i--) {
      const value = this.flushes[i]!.gauges[key];
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** Every value of a timer over every flush, sorted. */
  timer(key: string): number[] {
    return this.flushes.flatMap((f) => f.timers[key] ?? []).sort((a, b) => a - b);
  }

  /** A timer's count over every flush (scaled by sample rate, as statsd does). */
  timerCount(key: string): number {
    return this.flushes.reduce((sum, f) => sum + (f.timer_counters[key] ?? 0), 0);
  }

  /** A set's members over every flush. */
  set(key: string): string[] {
    return [...new Set(this.flushes.flatMap((f) => f.sets[key] ?? []))].sort();
  }

  async close(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const exited = new Promise((resolve) => this.#child.once('exit', resolve));
      this.#child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
