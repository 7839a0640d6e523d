#!/usr/bin/env node
/**
 * The `hmetrics` command. `hmetrics receive [--port N] [--host H]` runs a local endpoint that
 * prints every Heroku payload it gets, for trying an app before it is deployed:
 *   HEROKU_METRICS_URL=http://127.0.0.1:N node --import hmetrics/onload app.js
 */
import { startReceiver } from './receive.js';

const USAGE = `Usage: hmetrics receive [--port N] [--host ADDRESS]

  Accepts Heroku metrics payloads and prints each one as a table.
  --port N          TCP port to listen on (default 8126; 0 picks a free one)
  --host ADDRESS    address to bind (default 127.0.0.1)

Then, in another terminal:
  HEROKU_METRICS_URL=http://127.0.0.1:8126 METRICS_INTERVAL_OVERRIDE=10000 node --import hmetrics/onload app.js
`;

function fail(message: string): never {
  process.stderr.write(`hmetrics: ${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (command !== 'receive') fail(`unknown command "${command}"`);
  let port = 8126;
  let host = '127.0.0.1';
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = rest[i + 1];
    if (flag === '--port') {
      if (value === undefined || !/^\d+$/.test(value) || Number(value) > 65535) fail(`Expected --port to be 0-65535, got ${value ?? 'nothing'}`);
      port = Number(value);
      i++;
    } else if (flag === '--host') {
      if (value === undefined || value === '') fail('Expected --host to be an address');
      host = value;
      i++;
    } else {
      fail(`unknown option "${flag}"`);
    }
  }
  const receiver = await startReceiver({ port, host }).catch((err: NodeJS.ErrnoException) => fail(`cannot listen on ${host}:${port}: ${err.code ?? err.message}`));
  process.stdout.write(`hmetrics receiver listening on ${receiver.url}\n` +
    `  HEROKU_METRICS_URL=${receiver.url} HMETRICS_INTERVAL=5000 node --import hmetrics/onload app.js\n`);
  const shutdown = (): void => {
    void receiver.close().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

void main(process.argv.slice(2));
