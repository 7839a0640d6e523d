import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { runNode, type ChildResult } from './helpers/child.js';

/*
 * onload starts the emitter from HMETRICS_TELEMETRY_URL / HMETRICS_INSTANCE_ID, re-exports the
 * buffer API, and never harms the host. Real child processes against a loopback server.
 */

interface Request { path: string; body: { instance_id: string; data: Record<string, unknown> } }
const received: Request[] = [];
let hang = false;
let onRequest: (() => void) | undefined;
let server: Server;

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Request['body'] });
      onRequest?.();
      if (hang) return;
      if (req.url?.startsWith('/fail/')) {
        res.writeHead(500);
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"next_update": 3600000000000}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const url = (path: string): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;

/** Runs node in a clean environment (the shared helper), killed if it has not exited within 10 s. */
function run(args: string[], env: Record<string, string>, onSpawn?: (write: (text: string) => void) => void): Promise<ChildResult> {
  return runNode({ args, env, limitMs: 10_000, ...(onSpawn ? { onSpawn } : {}) });
}

const ESM_APP = `
import { increment, appendUnique, stopEmitting, fastHash } from 'hmetrics/onload';
increment('boot');
appendUnique('hash', fastHash('a'));
const error = await stopEmitting();
console.log(error === undefined ? 'stopped' : error.message);
`;

describe('onload and the telemetry emitter', () => {
  test('HMETRICS_TELEMETRY_URL + HMETRICS_INSTANCE_ID: emits as that instance; the API is importable from hmetrics/onload', async () => {
    const result = await run(['--import', 'hmetrics/onload', '--input-type=module', '-e', ESM_APP], {
      HMETRICS_TELEMETRY_URL: url('/env'),
      HMETRICS_INSTANCE_ID: 'web.1',
    });
    assert.equal(result.killedByTest, false);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'stopped\n');
    assert.equal(result.stderr, '', 'silent unless verbose');
    // The first emission (delay 0) may fire while the app module is still loading: then it is
    // empty, and the final one carries everything. Either way, everything arrives exactly once.
    const mine = received.filter((r) => r.path === '/env/web.1');
    assert.ok(mine.length >= 1 && mine.length <= 2, String(mine.length));
    for (const request of mine) assert.equal(request.body.instance_id, 'web.1');
    for (const early of mine.slice(0, -1)) assert.deepEqual(early.body.data, {});
    assert.deepEqual(mine.at(-1)!.body.data, { boot: 1, hash: [{ value: 'e40c292c', count: 1 }] });
  });

  test('without HMETRICS_INSTANCE_ID: a random UUID per process', async () => {
    const env = { HMETRICS_TELEMETRY_URL: url('/uuid') };
    for (let i = 0; i < 2; i++) {
      const result = await run(['--import', 'hmetrics/onload', '--input-type=module', '-e', ESM_APP], env);
      assert.equal(result.code, 0, result.stderr);
    }
    const ids = [...new Set(received.filter((r) => r.path.startsWith('/uuid/')).map((r) => r.body.instance_id))];
    assert.equal(ids.length, 2);
    for (const r of received.filter((q) => q.path.startsWith('/uuid/'))) assert.equal(r.path, `/uuid/${r.body.instance_id}`);
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(ids[0], ids[1]);
  });

  test('--require hmetrics/onload loads (no top-level await) and exposes the API to CommonJS', async () => {
    const app = `const t = require('hmetrics/onload'); t.increment('cjs'); t.stopEmitting().then((e) => console.log(e ? e.message : 'stopped'));`;
    const result = await run(['--require', 'hmetrics/onload', '-e', app], { HMETRICS_TELEMETRY_URL: url('/cjs'), HMETRICS_INSTANCE_ID: 'cjs' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'stopped\n');
    assert.deepEqual(received.find((r) => r.path === '/cjs/cjs')?.body.data, { cjs: 1 });
  });

  test('a telemetry server that never answers does not hold the process open', async () => {
    hang = true;
    try {
      // The app stays alive until the server holds the emitter's request, then lets go.
      const app = `process.stdin.on('data', () => {}).on('end', () => console.log('app done'));`;
      const result = await run(['--import', 'hmetrics/onload', '-e', app], { HMETRICS_TELEMETRY_URL: url('/hang'), HMETRICS_INSTANCE_ID: 'h' }, (write) => {
        onRequest = () => { onRequest = undefined; write('bye'); };
      });
      assert.equal(result.killedByTest, false, 'the emitter kept the process alive');
      assert.equal(result.code, 0);
      assert.equal(result.stdout, 'app done\n');
      assert.ok(received.some((r) => r.path === '/hang/h'), 'the request was in flight when the app ended');
    } finally {
      hang = false;
    }
  });

  test('a retry wait after a failed emission does not hold the process open', async () => {
    const app = `process.stdin.on('data', () => {}).on('end', () => console.log('app done'));`;
    const result = await run(['--import', 'hmetrics/onload', '-e', app], { HMETRICS_TELEMETRY_URL: url('/fail'), HMETRICS_INSTANCE_ID: 'f' }, (write) => {
      onRequest = () => { onRequest = undefined; setImmediate(() => write('bye')); };
    });
    assert.equal(result.killedByTest, false, 'the 8 s retry wait kept the process alive');
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'app done\n');
    // No retry (the process ended first); the one other request is the final emission at exit.
    assert.equal(received.filter((r) => r.path === '/fail/f').length, 2, 'the failed emission, then the final one at exit');
  });

  for (const [name, env, message] of [
    ['an unparseable URL', { HMETRICS_TELEMETRY_URL: 'not a url' }, /telemetry not started: .*not a URL/],
    ['a non-http scheme', { HMETRICS_TELEMETRY_URL: 'udp://127.0.0.1:9' }, /telemetry not started: .*must be http/],
    ['an all-zero instance id', { HMETRICS_TELEMETRY_URL: 'http://127.0.0.1:9/', HMETRICS_INSTANCE_ID: '00000000-0000-0000-0000-000000000000' }, /telemetry not started: .*instanceId/],
  ] as const) {
    test(`${name}: the app runs, nothing starts, and verbose mode says why`, async () => {
      const quiet = await run(['--import', 'hmetrics/onload', '-e', 'console.log("app ok")'], { ...env });
      assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, 'app ok\n', '']);
      const verbose = await run(['--import', 'hmetrics/onload', '-e', 'console.log("app ok")'], { ...env, HMETRICS_VERBOSE: '1' });
      assert.equal(verbose.code, 0);
      assert.equal(verbose.stdout, 'app ok\n');
      assert.match(verbose.stderr, message);
    });
  }
});
