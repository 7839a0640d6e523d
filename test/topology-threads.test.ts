import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HerokuEndpoint, type ReceivedPayload } from './helpers/heroku-endpoint.js';
import { createScratchPackage, runCommand, type ScratchPackage } from './helpers/scratch-package.js';
import { runNode } from './helpers/child.js';

// Two worker threads record for 2.5 s (across at least two interval ends at 1 s, so their
// figures travel both on request and at their exit); the main thread lives on to 4.5 s.
const THREAD_TICKS = 100;
const APP = `
import { Worker, isMainThread } from 'node:worker_threads';
import http from 'node:http';
import dgram from 'node:dgram';
import { increment, add, append } from 'hmetrics/onload';
import { report, listen } from 'hmetrics';
if (isMainThread) {
  increment('main.calls');
  for (let i = 0; i < 2; i++) new Worker(new URL(import.meta.url));
  setTimeout(() => console.log('main done'), 4500);
} else {
  report(undefined, 'log:').then(() => console.log('worker report started'), (e) => console.log('worker report: ' + e.code));
  const statsd = await listen({ port: 0 }); // unref'd: the thread still ends on its own
  const client = dgram.createSocket('udp4');
  const server = http.createServer((req, res) => res.end('ok')).listen(0, '127.0.0.1', () => {
    const port = server.address().port;
    let n = 0;
    const timer = setInterval(() => {
      increment('thread.calls');
      add('thread.items', 3);
      append('thread.work_ms', n % 10);
      if (n % 10 === 0) http.get({ port, host: '127.0.0.1', agent: false }, (res) => res.resume());
      client.send('thread.statsd:2|c', statsd.address().port, '127.0.0.1');
      const until = Date.now() + 5; while (Date.now() < until); // keep the thread's loop visibly busy
      if (++n === ${THREAD_TICKS}) { clearInterval(timer); setTimeout(() => { server.close(); client.close(); }, 100); }
    }, 25);
  });
}
`;

let endpoint: HerokuEndpoint;
let scratch: ScratchPackage;
before(async () => {
  endpoint = await HerokuEndpoint.start();
  scratch = createScratchPackage({ 'app.js': '', 'app.mjs': APP });
});
after(async () => {
  await endpoint.close();
  scratch.remove();
});

function sumOf(payloads: readonly ReceivedPayload[], prefix: string): number {
  let sum = 0;
  for (const p of payloads) {
    for (const [name, value] of Object.entries(p.body.counters)) if (name === prefix || name.startsWith(`${prefix}.`)) sum += value;
  }
  return sum;
}

describe('worker threads report through the main thread', () => {
  test('two workers: one stream; their increments, timers, statsd and HTTP figures arrive summed exactly', async () => {
    const result = await runCommand(process.execPath, ['--import', 'hmetrics/onload', 'app.mjs'], scratch.dir, {
      HMETRICS_URL: endpoint.url('/threads'),
      HMETRICS_INTERVAL: '1000',
      HMETRICS_HTTP_CLIENT: '1',
    });
    assert.equal(result.killedByTest, false);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    // report() refuses in a worker thread, with a stable code.
    assert.equal(result.stdout.match(/worker report: ERR_HMETRICS_WORKER_THREAD/g)?.length, 2, result.stdout);

    const payloads = endpoint.payloads.filter((p) => p.path === '/threads');
    // One loop: about one payload per second of the main thread's 4.5 s (three loops: ~12).
    assert.ok(payloads.length >= 3 && payloads.length <= 5, `one stream expected, got ${payloads.length} payloads`);
    assert.equal(sumOf(payloads, 'thread.calls'), 2 * THREAD_TICKS);
    assert.equal(sumOf(payloads, 'thread.items'), 2 * 3 * THREAD_TICKS);
    assert.equal(sumOf(payloads, 'thread.work_ms.count'), 2 * THREAD_TICKS);
    assert.equal(sumOf(payloads, 'main.calls'), 1);
    assert.equal(sumOf(payloads, 'node.http.client.requests'), 2 * (THREAD_TICKS / 10));
    assert.equal(sumOf(payloads, 'thread.statsd'), 2 * 2 * THREAD_TICKS, 'statsd lines received by a receiver in each thread');

    // Per-thread utilisation, under its own names, while both threads ran across an interval end.
    const withThreads = payloads.filter((p) => p.body.gauges['node.threads.active'] !== undefined);
    assert.ok(withThreads.some((p) => p.body.gauges['node.threads.active'] === 2), 'both threads reported their utilisation');
    for (const p of withThreads) {
      const mean = p.body.gauges['node.threads.eventloop.usage.percent']!;
      const max = p.body.gauges['node.threads.eventloop.usage.max']!;
      assert.ok(mean > 0.05 && mean <= max && max <= 1, `thread utilisation ${mean} / ${max}`);
    }
  });
});

// Regression: the final delivery at SIGTERM did not wait for the worker threads, so what they
// recorded since the last interval's end (here: everything, the interval never ends) was lost.
const SIGTERM_APP = `
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { increment } from 'hmetrics/onload';
if (isMainThread) {
  let ready = 0;
  for (let i = 0; i < 2; i++) {
    new Worker(new URL(import.meta.url)).on('message', () => { if (++ready === 2) console.log('ready'); });
  }
} else {
  for (let i = 0; i < 50; i++) increment('thread.calls');
  parentPort.postMessage('done');
  setInterval(() => {}, 1000); // alive until the process ends
}
`;

describe('worker threads at SIGTERM', () => {
  test('the final delivery carries what the threads recorded since the last interval', async () => {
    const dir = createScratchPackage({ 'app.js': '', 'app.mjs': SIGTERM_APP });
    try {
      const result = await runNode({
        args: ['--import', 'hmetrics/onload', 'app.mjs'],
        cwd: dir.dir,
        env: { HMETRICS_URL: endpoint.url('/threads-sigterm') }, // default interval: none ends
        onStdout: (text, child) => { if (text.includes('ready')) setTimeout(() => child.kill('SIGTERM'), 200); },
      });
      assert.equal(result.killedByTest, false);
      assert.equal(result.signal, 'SIGTERM');
      const payloads = endpoint.payloads.filter((p) => p.path === '/threads-sigterm');
      assert.equal(payloads.length, 1);
      assert.equal(sumOf(payloads, 'thread.calls'), 2 * 50);
    } finally {
      dir.remove();
    }
  });
});

// The main thread attaches its thread receiver (and loads node:worker_threads) only once a
// thread can exist. An app that loads worker_threads late, after the report loop started, and
// whose thread records and exits at once must still have its figures merged.
const LATE_THREAD_APP = `
import { increment } from 'hmetrics/onload';
if (process.moduleLoadList.includes('NativeModule worker_threads') === false) {
  setTimeout(async () => {
    const { Worker } = await import('node:worker_threads');
    new Worker(new URL(import.meta.url)).on('exit', () => console.log('thread gone'));
  }, 300);
} else {
  for (let i = 0; i < 50; i++) increment('late.calls');
}
`;

describe('a worker thread created after the report started', () => {
  test('its figures reach the final delivery although worker_threads loaded late', async () => {
    const dir = createScratchPackage({ 'app.js': '', 'app.mjs': LATE_THREAD_APP });
    try {
      const result = await runCommand(process.execPath, ['--import', 'hmetrics/onload', 'app.mjs'], dir.dir, {
        HMETRICS_URL: endpoint.url('/threads-late'), // default interval: only the final delivery
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /thread gone/);
      const payloads = endpoint.payloads.filter((p) => p.path === '/threads-late');
      assert.equal(payloads.length, 1);
      assert.equal(sumOf(payloads, 'late.calls'), 50);
    } finally {
      dir.remove();
    }
  });
});
