import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { runNode } from './helpers/child.js';

// With only HMETRICS_TELEMETRY_URL set, the telemetry buffer's pending data is part of "the last
// partial interval, however the process ends" (docs/lifecycle.md): sent at natural exit and on
// a signal, within the emitter's finalTimeout (2 s) + 500 ms.

interface Received { readonly path: string; readonly data: Record<string, unknown> }
const received: Received[] = [];
let server: Server;

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: Record<string, unknown> };
      received.push({ path: req.url ?? '', data: body.data });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"next_update": 3600000000000}'); // an hour: only the exit can send the rest
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const url = (): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}/t`;
const total = (id: string, key: string): number =>
  received.filter((r) => r.path === `/t/${id}`).reduce((sum, r) => sum + (Number(r.data[key]) || 0), 0);

// 60 increments over 600 ms after the first emission has gone: all pending when the job ends.
const JOB = (keepAlive: boolean) => `
import { createServer } from 'node:http';
import { increment } from 'hmetrics/onload';
${keepAlive ? "createServer().listen(0, '127.0.0.1');" : ''}
let n = 0;
const tick = setInterval(() => {
  increment('jobs');
  if (++n === 60) { clearInterval(tick); console.log('done'); }
}, 10);
`;

test('regression: only HMETRICS_TELEMETRY_URL: the pending increments are sent at natural exit', async () => {
  const result = await runNode({
    args: ['--import', 'hmetrics/onload', '--input-type=module', '-e', JOB(false)],
    env: { HMETRICS_TELEMETRY_URL: url(), HMETRICS_INSTANCE_ID: 'natural' },
    limitMs: 10_000,
  });
  assert.equal(result.killedByTest, false);
  assert.equal(result.code, 0);
  assert.equal(total('natural', 'jobs'), 60, `received ${JSON.stringify(received)}`);
});

test('regression: only HMETRICS_TELEMETRY_URL: SIGTERM sends the pending increments, then the process dies by SIGTERM', async () => {
  let sentAt = 0;
  const result = await runNode({
    args: ['--import', 'hmetrics/onload', '--input-type=module', '-e', JOB(true)],
    env: { HMETRICS_TELEMETRY_URL: url(), HMETRICS_INSTANCE_ID: 'sigterm' },
    limitMs: 10_000,
    onStdout: (text, child) => {
      if (!text.includes('done')) return;
      sentAt = performance.now();
      child.kill('SIGTERM');
    },
  });
  const took = performance.now() - sentAt;
  assert.equal(result.signal, 'SIGTERM');
  assert.ok(took < 2_500, `ended ${Math.round(took)} ms after SIGTERM`);
  assert.equal(total('sigterm', 'jobs'), 60, `received ${JSON.stringify(received)}`);
});
