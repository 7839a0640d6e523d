import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatPayload, type HerokuPayload } from './format-payload.js';
import { bracketHost } from '../util/ipv6.js';

/** Options of the local Heroku-endpoint stand-in. */
export interface ReceiverOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Address to bind. @default '127.0.0.1' */
  readonly host?: string;
  /** Where each formatted payload goes. @default process.stdout */
  readonly write?: (text: string) => void;
  /** Called with each payload as parsed JSON. */
  readonly onPayload?: (payload: HerokuPayload, measuredAt: string | undefined) => void;
}

/** A running receiver: its URL (use it as HEROKU_METRICS_URL) and close(). */
export interface Receiver {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Largest body accepted: far above any real payload, small enough that a stray upload can't hurt. */
const MAX_BODY = 4 * 1024 * 1024;

/**
 * A local endpoint that accepts Heroku metrics payloads and prints each as a table, so a
 * developer sees their numbers before deploying.
 */
export async function startReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  let count = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => {
      if (req.method !== 'POST') {
        res.writeHead(405, { Allow: 'POST' }).end('POST Heroku metrics payloads here\n');
        return;
      }
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        return;
      }
      let payload: HerokuPayload;
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as HerokuPayload;
        if (typeof payload !== 'object' || payload === null) throw new Error('not an object');
      } catch {
        write(`── rejected a body that is not a JSON object (${size} bytes)\n`);
        res.writeHead(400).end('expected {"counters":{…},"gauges":{…}}\n');
        return;
      }
      const measuredAt = req.headers['measurements-time'];
      const time = typeof measuredAt === 'string' ? measuredAt.slice(11, 23) : 'no Measurements-Time';
      write(formatPayload(payload, `payload ${++count} at ${time}`));
      options.onPayload?.(payload, typeof measuredAt === 'string' ? measuredAt : undefined);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = bracketHost(address);
  return {
    url: `http://${host}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
