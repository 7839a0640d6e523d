import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { runNode } from './helpers/child.js';

// A short job whose endpoints all fail at exit (each connection is closed before any answer,
// the failure a refusal or a crashed collector gives) must cost one attempt per endpoint, not
// retries until flushTimeout: Heroku, OTLP/HTTP and the telemetry emitter each, over hmetrics'
// own HTTP client (src/transport/http.ts). Counted as requests received, not as time.

const requests: string[] = [];
const sockets = new Set<Socket>();
const server = createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => undefined);
  let head = '';
  socket.on('data', (chunk) => {
    head += chunk.toString('latin1');
    const line = /^POST (\S+) HTTP\/1\.1\r\n/.exec(head);
    if (line === null || !head.includes('\r\n\r\n')) return;
    requests.push(line[1]!);
    socket.destroy(); // no answer
  });
});
let base = '';
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  for (const socket of sockets) socket.destroy();
  server.close();
});

test('a job ending at once with every endpoint failing: one request per endpoint, then a natural exit', async () => {
  const result = await runNode({
    args: ['--import', 'hmetrics/onload', '-e', "import('hmetrics/onload').then((m) => m.increment('job.done'))"],
    env: {
      HEROKU_METRICS_URL: `${base}/heroku`,
      OTEL_EXPORTER_OTLP_ENDPOINT: base,
      HMETRICS_TELEMETRY_URL: `${base}/telemetry`,
    },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  // The telemetry emitter also emits once as it starts (initialDelay 0); its first retry would
  // wait 8 s. So: its start emission and one final attempt, and one final attempt for the others.
  const paths = requests.map((path) => path.replace(/^\/telemetry\/[\w-]+$/, '/telemetry/<instance>')).sort();
  assert.deepEqual(paths, ['/heroku', '/telemetry/<instance>', '/telemetry/<instance>', '/v1/metrics']);
});
