import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { report, Aggregator } from 'hmetrics';
import { startReceiver } from '../src/cli/receive.js';
import { runNode } from './helpers/child.js';

function post(url: string, body: string, method = 'POST'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
    req.on('error', reject);
    req.end(body);
  });
}

test('the receiver prints each payload as a table of counters and gauges', async () => {
  const printed: string[] = [];
  const receiver = await startReceiver({ write: (text) => printed.push(text) });
  const agg = new Aggregator();
  agg.count('node.gc.collections', 12);
  agg.gauge('node.eventloop.delay.ms.p99', 1.25);
  await report(AbortSignal.abort(), receiver.url, null, { runtime: false, aggregator: agg });
  await receiver.close();
  assert.equal(printed.length, 1);
  assert.match(printed[0]!, /── payload 1 at \d\d:\d\d:\d\d\.\d{3}/);
  assert.match(printed[0]!, /counters\s+gauges/);
  assert.match(printed[0]!, /node\.gc\.collections\s+12\s+node\.eventloop\.delay\.ms\.p99\s+1\.25/);
});

test('the receiver answers garbage with 400 and non-POST with 405, and keeps running', async () => {
  const printed: string[] = [];
  const receiver = await startReceiver({ write: (text) => printed.push(text) });
  assert.equal(await post(receiver.url, '{not json'), 400);
  assert.equal(await post(receiver.url, '42'), 400);
  assert.equal(await post(receiver.url, '', 'GET'), 405);
  assert.equal(await post(receiver.url, '{"counters":{"a":1},"gauges":{}}'), 200);
  await receiver.close();
  assert.match(printed.join(''), /rejected a body that is not a JSON object/);
  assert.match(printed.at(-1)!, /a\s+1/);
});

test('`hmetrics receive --port` rejects a bad port with usage, exit code 2', async () => {
  const result = await runNode({ args: ['dist/src/cli/main.js', 'receive', '--port', 'http'] });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Expected --port to be 0-65535, got http/);
  assert.match(result.stderr, /Usage: hmetrics receive/);
  const unknown = await runNode({ args: ['dist/src/cli/main.js', 'serve'] });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "serve"/);
});

test('`hmetrics receive` prints what an app preloaded with onload sends, and stops on SIGTERM', async () => {
  let app: Promise<unknown> | undefined;
  const result = await runNode({
    args: ['dist/src/cli/main.js', 'receive', '--port', '0'],
    onStdout: (text, child) => {
      const url = /listening on (\S+)/.exec(text)?.[1];
      if (url) {
        app = runNode({ args: ['--import', 'hmetrics/onload', '-e', 'setTimeout(() => {}, 1200)'], env: { HEROKU_METRICS_URL: url, HMETRICS_INTERVAL: '1000' } });
      }
      if (text.includes('payload 1')) child.kill('SIGTERM');
    },
  });
  await app;
  assert.equal(result.code, 0);
  assert.match(result.stdout, /node\.gc\.collections/);
  assert.match(result.stdout, /node\.eventloop\.usage\.percent/);
});
