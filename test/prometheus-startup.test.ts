import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { runNode } from './helpers/child.js';
import { parseExposition } from './helpers/exposition.js';

// HMETRICS_PROMETHEUS_LISTEN listens on a node:net server and loads node:http at the first
// scrape: its modules were startup CPU and RSS that a process which is never scraped (a short
// job, a test run) paid for nothing (bench/startup.bench.ts).

/** Records, when onload says it serves, whether any node:http module was loaded; prints both facts at stdin's end. */
const APP = `
const http = () => process.moduleLoadList.some((m) => /^NativeModule (https?|_http_\\w+)$/.test(m));
let atListen;
const write = process.stderr.write.bind(process.stderr);
process.stderr.write = (chunk, ...rest) => {
  if (atListen === undefined && String(chunk).includes('prometheus: serving')) atListen = http();
  return write(chunk, ...rest);
};
process.stdin.resume();
process.stdin.on('end', () => { console.log('FACTS=' + JSON.stringify({ atListen, afterScrape: http() })); process.stdin.pause(); });
`;

function scrape(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
}

test('HMETRICS_PROMETHEUS_LISTEN serves without node:http loaded until the first scrape, which it answers in full', async () => {
  let scraped: { status: number; body: string } | undefined;
  let port = 0;
  const result = await runNode({
    args: ['--import', 'hmetrics/onload', '-e', APP],
    env: { HMETRICS_PROMETHEUS_LISTEN: '127.0.0.1:0', HMETRICS_VERBOSE: '1' },
    limitMs: 10_000,
    onStderr: (text) => {
      const match = /prometheus: serving \/metrics on 127\.0\.0\.1:(\d+)/.exec(text);
      if (match) port = Number(match[1]);
    },
    onSpawn: (write) => {
      void (async () => {
        while (port === 0) await new Promise((resolve) => setTimeout(resolve, 10));
        scraped = await scrape(port);
        write('');
      })();
    },
  });
  assert.equal(result.code, 0, result.stderr);
  const facts = JSON.parse(/FACTS=(.*)/.exec(result.stdout)?.[1] ?? 'null') as { atListen: boolean; afterScrape: boolean };
  assert.deepEqual(facts, { atListen: false, afterScrape: true });
  assert.equal(scraped?.status, 200);
  const parsed = parseExposition(scraped.body);
  assert.ok(parsed.samples.some((s) => s.name === 'process_cpu_user_seconds_total'), scraped.body.slice(0, 300));
});

test('close() ends every connection the lazily created HTTP server holds: a keep-alive scraper, an idle one, a half-sent request', async () => {
  const { servePrometheus, stopPrometheus } = await import('hmetrics');
  const { Agent } = await import('node:http');
  const { connect } = await import('node:net');
  const server = await servePrometheus({ port: 0, host: '127.0.0.1' });
  const port = server.address()!.port;
  const agent = new Agent({ keepAlive: true });
  const sockets: import('node:net').Socket[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/metrics', agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject).end();
    });
    const closed: Promise<unknown>[] = [];
    for (const opened of [connect(port, '127.0.0.1'), connect(port, '127.0.0.1', function (this: import('node:net').Socket) { this.write('GET /metrics HTTP/1.1\r\nHost: x\r\n'); })]) {
      opened.on('error', () => undefined);
      sockets.push(opened);
      closed.push(new Promise((resolve) => opened.once('close', resolve)));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Resolves only once the listener has no connection left: each one was ended by close().
    await server.close();
    await Promise.all(closed);
    assert.equal(server.address(), undefined);
  } finally {
    agent.destroy();
    for (const socket of sockets) socket.destroy();
    stopPrometheus();
  }
});
