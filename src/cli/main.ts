#!/usr/bin/env node
/**
 * The `hmetrics` command. `hmetrics receive [--port N] [--host H] [--json]` runs a local endpoint
 * that prints every Heroku payload it gets and serves live charts of them, for trying an app
 * before it is deployed:
 *   HEROKU_METRICS_URL=http://127.0.0.1:8126/ node --import hmetrics/onload app.js
 */
import { parseArgs } from './args.js';
import { startReceiver } from './receive.js';
import { VERSION } from '../util/version.js';
import { MAIN_USAGE, RECEIVE_USAGE } from './usage.js';

const USAGE = { main: MAIN_USAGE, receive: RECEIVE_USAGE } as const;

async function main(argv: string[]): Promise<void> {
  const request = parseArgs(argv);
  switch (request.kind) {
    case 'help':
      process.stdout.write(USAGE[request.text]);
      return;
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return;
    case 'usage-error':
      process.stderr.write(`hmetrics: ${request.message}\n\n${USAGE[request.text]}`);
      process.exitCode = 2;
      return;
    case 'receive':
      break;
  }
  const { port, host, json } = request;
  const notice = json ? (text: string) => process.stderr.write(text) : (text: string) => process.stdout.write(text);
  const receiver = await startReceiver({ port, host, format: json ? 'json' : 'table' }).catch((err: NodeJS.ErrnoException) => {
    process.stderr.write(`hmetrics: cannot listen on ${host}:${port}: ${listenFailure(err, port)}\n`);
    process.exit(1);
  });
  notice(`hmetrics receiver listening on ${receiver.url}\n` +
    `  live charts:  open ${receiver.url} in a browser\n` +
    `  send from an app:  HEROKU_METRICS_URL=${receiver.url} HMETRICS_INTERVAL=5000 node --import hmetrics/onload app.js\n` +
    `  several apps: add ?app=NAME to each app's URL\n`);
  const shutdown = (): void => {
    void receiver.close().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

void main(process.argv.slice(2));

/** Why a listen failed, with what to do about the usual cause (the port is taken). */
export function listenFailure(err: NodeJS.ErrnoException, port: number): string {
  if (err.code === 'EADDRINUSE') {
    return `port ${port} is already in use (EADDRINUSE; another receiver?); try --port 0 for a free port, or --port ${port === 65_535 ? port - 1 : port + 1}`;
  }
  if (err.code === 'EACCES') return `permission denied (EACCES); ports below 1024 need privileges, try --port 0`;
  return err.code ?? err.message;
}
