/**
 * Test helpers for the CSM suites: a loopback HTTP server that plays AWS STS, a real UDP
 * socket that collects CSM datagrams, and a real STS client (static credentials, endpoint
 * override, the SDK's own ConfiguredRetryStrategy with a 1 ms backoff so retries are fast).
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { STSClient } from '@aws-sdk/client-sts';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';

// The SDK warns once per process that it will require Node 22 next year; tests need no banner.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

export const ACCESS_KEY = 'AKIDEXAMPLE';
export const SESSION_TOKEN = 'session-token-example';

export interface StsAnswer {
  readonly status: number;
  readonly code?: string;
  readonly message?: string;
  readonly headers?: Record<string, string>;
  /** Close the connection without answering. */
  readonly destroy?: boolean;
}

export function identityXml(requestId: string): string {
  return '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
    '<Arn>arn:aws:iam::123456789012:user/Alice</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>' +
    `</GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;
}

export function errorXml(code: string, message: string, requestId: string): string {
  return '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
    `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

/** A loopback STS: request n (0-based) is answered by `respond(n)`; default 200 with an identity. */
export class StsServer {
  requests: Array<{ body: string; headers: IncomingHttpHeaders }> = [];
  respond: (n: number) => StsAnswer = () => ({ status: 200 });
  /** When set, answers wait until this many requests have arrived, then all go out together. */
  holdUntil = 0;
  /** When set, every answer waits until this promise settles (a call kept in flight on purpose). */
  gate: Promise<void> | undefined;
  readonly #held: Array<() => void> = [];
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<StsServer> {
    const server = createServer();
    const sts = new StsServer(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const n = sts.requests.length;
        sts.requests.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
        const reply = (): void => sts.#reply(n, req, res);
        if (sts.gate !== undefined) {
          void sts.gate.then(reply, reply);
          return;
        }
        if (sts.holdUntil > 0) {
          sts.#held.push(reply);
          if (sts.requests.length >= sts.holdUntil) for (const release of sts.#held.splice(0)) release();
          return;
        }
        reply();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return sts;
  }

  #reply(n: number, req: IncomingMessage, res: ServerResponse): void {
    const answer = this.respond(n);
    if (answer.destroy) { req.socket.destroy(); return; }
    const requestId = `req-${n + 1}`;
    res.writeHead(answer.status, { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId, ...answer.headers });
    res.end(answer.status < 300 ? identityXml(requestId) : errorXml(answer.code ?? 'InternalFailure', answer.message ?? 'failed', requestId));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** A real UDP socket on a loopback port 0 that parses every datagram as one JSON event. */
export class UdpCollector {
  readonly events: Array<Record<string, unknown>> = [];
  readonly sizes: number[] = [];
  readonly #socket: Socket;
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('message', (message) => {
      this.sizes.push(message.length);
      this.events.push(JSON.parse(message.toString('utf8')) as Record<string, unknown>);
      this.#waiters = this.#waiters.filter((w) => (this.events.length >= w.count ? (w.resolve(), false) : true));
    });
  }

  static async start(): Promise<UdpCollector> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new UdpCollector(socket);
  }

  get address(): string {
    return `127.0.0.1:${this.#socket.address().port}`;
  }

  get port(): number {
    return this.#socket.address().port;
  }

  /** Resolves once `count` events arrived in total; rejects after `limitMs` real ms. */
  waitFor(count: number, limitMs = 5_000): Promise<void> {
    if (this.events.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${count} CSM events, got ${this.events.length}: ${JSON.stringify(this.events)}`)), limitMs);
      this.#waiters.push({ count, resolve: () => { clearTimeout(timer); resolve(); } });
    });
  }

  /** Takes (and forgets) everything received so far. */
  take(): Array<Record<string, unknown>> {
    const events = this.events.splice(0);
    this.sizes.splice(0);
    return events;
  }

  close(): void {
    this.#socket.close();
  }
}

export interface ClientOptions {
  readonly maxAttempts?: number;
  readonly sessionToken?: string;
  readonly customUserAgent?: string;
}

/** A real STS client pointed at `endpoint`, retrying with a 1 ms backoff. */
export function stsClient(endpoint: string, options: ClientOptions = {}): STSClient {
  return new STSClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'secret-example', sessionToken: options.sessionToken ?? SESSION_TOKEN },
    retryStrategy: new ConfiguredRetryStrategy(options.maxAttempts ?? 3, 1),
    ...(options.customUserAgent === undefined ? {} : { customUserAgent: options.customUserAgent }),
  });
}

/**
 * Checks the fields that vary from run to run (times, the SDK's user agent) for their type
 * and range, then removes them so the rest can be compared exactly.
 */
export function stable(event: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...event };
  const now = Date.now();
  assert.equal(typeof copy['Timestamp'], 'number');
  assert.ok(Math.abs((copy['Timestamp'] as number) - now) < 60_000, `Timestamp ${String(copy['Timestamp'])} is epoch ms`);
  assert.ok(Number.isInteger(copy['Timestamp']));
  delete copy['Timestamp'];
  for (const key of ['Latency', 'AttemptLatency']) {
    if (key in copy) {
      assert.ok(Number.isInteger(copy[key]) && (copy[key] as number) >= 0, `${key} is a non-negative integer ms`);
      delete copy[key];
    }
  }
  if ('UserAgent' in copy) {
    assert.match(copy['UserAgent'] as string, /^aws-sdk-js\/3\.\d+/);
    delete copy['UserAgent'];
  }
  return copy;
}
