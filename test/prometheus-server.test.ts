import assert from 'node:assert/strict';
import { request, Agent } from 'node:http';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { InvalidOption, PrometheusListenFailed, servePrometheus, stopPrometheus, type PrometheusServer } from 'hmetrics';
import { tryListenAddress as parseListen } from '../src/config/listen-address.js';
import { notServingReason } from '../src/prometheus/from-env.js';
import { runNode } from './helpers/child.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

const agent = new Agent({ keepAlive: false, maxSockets: 200 });

function get(port: number, path = '/metrics', method = 'GET', headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('servePrometheus()', () => {
  let server: PrometheusServer;
  let port: number;

  before(async () => {
    server = await servePrometheus({ port: 0, host: '127.0.0.1' });
    port = server.address()!.port;
  });
  after(async () => {
    await server.close();
    stopPrometheus();
  });

  test('GET /metrics: text format 0.0.4 by default', async () => {
    const answer = await get(port);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(answer.body, /^# TYPE process_cpu_seconds_total counter$/m);
    assert.doesNotMatch(answer.body, /# EOF/);
    assert.equal(Number(answer.headers['content-length']), Buffer.byteLength(answer.body));
  });

  test('OpenMetrics when the Accept header asks for it, as Prometheus does', async () => {
    const answer = await get(port, '/metrics?x=1', 'GET', { Accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    assert.match(answer.body, /^# TYPE process_cpu_seconds counter\nprocess_cpu_seconds_total /m);
    assert.ok(answer.body.endsWith('# EOF\n'));
  });

  test('HEAD: the headers of a GET and no body', async () => {
    const answer = await get(port, '/metrics', 'HEAD');
    assert.equal(answer.status, 200);
    assert.equal(answer.body, '');
    assert.ok(Number(answer.headers['content-length']) > 1000);
  });

  test('any other path answers 404; other methods answer 405 with Allow', async () => {
    for (const path of ['/', '/metric', '/metrics/', '/favicon.ico']) assert.equal((await get(port, path)).status, 404, path);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const answer = await get(port, '/metrics', method);
      assert.equal(answer.status, 405, method);
      assert.equal(answer.headers['allow'], 'GET, HEAD');
    }
  });

  test('100 concurrent scrapes are all answered, and leave nothing behind', async () => {
    const warm = await Promise.all(Array.from({ length: 100 }, () => get(port)));
    assert.ok(warm.every((a) => a.status === 200 && a.body.includes('nodejs_heap_size_used_bytes')));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const resourcesBefore = process.getActiveResourcesInfo().length;
    const answers = await Promise.all(Array.from({ length: 100 }, () => get(port)));
    assert.equal(answers.filter((a) => a.status === 200).length, 100);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(process.getActiveResourcesInfo().length <= resourcesBefore, 'no sockets or timers left over');
  });

  test('a port in use rejects with PrometheusListenFailed; the running endpoint is unaffected', async () => {
    await assert.rejects(servePrometheus({ port, host: '127.0.0.1' }), (err: Error) => {
      assert.ok(err instanceof PrometheusListenFailed);
      assert.equal((err as PrometheusListenFailed).code, 'ERR_HMETRICS_PROMETHEUS_LISTEN');
      assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}: address already in use`));
      return true;
    });
    assert.equal((await get(port)).status, 200);
  });

  test('bad options reject with InvalidOption', async () => {
    await assert.rejects(servePrometheus({ port: 70_000 }), InvalidOption);
    await assert.rejects(servePrometheus({ port: 1.5 }), InvalidOption);
    await assert.rejects(servePrometheus({ path: 'metrics' }), InvalidOption);
    await assert.rejects(servePrometheus({ host: ' ' }), InvalidOption);
    // Exposition options are checked when they create the exporter.
    stopPrometheus();
    await assert.rejects(servePrometheus({ port: 0, delayResolution: 0 }), /Expected `delayResolution` to be a positive integer of ms up to 2147483647 \(the longest delay a Node timer holds\), got 0$/);
    await assert.rejects(servePrometheus({ port: 0, timerBuckets: [1, 0.5] }), /Expected `timerBuckets` to be finite numbers in increasing order/);
    await assert.rejects(servePrometheus({ port: 0, maxSeries: -1 }), InvalidOption);
    await assert.rejects(servePrometheus({ port: 0, maxSetMembers: 1.5 }), InvalidOption);
    await assert.rejects(servePrometheus({ port: 0, workerTimeout: 0 }), InvalidOption);
  });

  test('close() is idempotent and frees the port', async () => {
    const other = await servePrometheus({ port: 0, host: '127.0.0.1', path: '/custom' });
    const otherPort = other.address()!.port;
    assert.equal((await get(otherPort, '/custom')).status, 200);
    assert.equal((await get(otherPort, '/metrics')).status, 404);
    await Promise.all([other.close(), other.close()]);
    assert.equal(other.address(), undefined);
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(otherPort, '127.0.0.1', resolve));
    probe.close();
  });
});

describe('HMETRICS_PROMETHEUS_LISTEN', () => {
  test('parses port, host:port and [v6]:port (the one listen-address rule)', () => {
    assert.deepEqual(parseListen('9464'), { port: 9464 });
    assert.equal(parseListen(' :9464 '), undefined, 'no empty host: write 9464 or 0.0.0.0:9464');
    assert.deepEqual(parseListen('127.0.0.1:9464'), { host: '127.0.0.1', port: 9464 });
    assert.deepEqual(parseListen('[::1]:9464'), { host: '::1', port: 9464 });
    assert.deepEqual(parseListen('localhost:0'), { host: 'localhost', port: 0 });
    for (const bad of ['', 'abc', '99999', '1.2.3.4', '::1:9464', 'host:port']) assert.equal(parseListen(bad), undefined, bad);
  });

  test('package-manager processes never serve (NODE_OPTIONS reaches them, and they would take the app\'s port)', () => {
    for (const script of ['/usr/lib/node_modules/npm/bin/npm-cli.js', '/usr/lib/node_modules/npm/bin/npx-cli.js', '/usr/share/yarn/bin/yarn.js',
      '/home/u/.local/share/pnpm/pnpm.cjs', '/usr/bin/corepack', 'C:\\nodejs\\node_modules\\npm\\bin\\npm-cli.js']) {
      assert.equal(notServingReason(['node', script]), 'a package-manager process', script);
    }
    for (const script of ['/app/server.js', '/app/npm-tools/index.js', '/app/yarnball.js', '']) assert.equal(notServingReason(['node', script]), undefined, script);
  });

  test('a worker thread (which runs --require hmetrics/onload too) does not try to listen', async () => {
    // Port 0: the main thread says where it serves, and the test hands that port to the app.
    let port = 0;
    let tell: ((text: string) => void) | undefined;
    const result = await runNode({
      args: ['--require', 'hmetrics/onload', '-e', `
        const { Worker } = require('node:worker_threads');
        let port = '';
        process.stdin.setEncoding('utf8').on('data', (text) => { port += text; }).on('end', () => {
          new Worker('require("node:worker_threads").parentPort.postMessage("hi")', { eval: true })
            .on('message', () => fetch('http://127.0.0.1:' + port.trim() + '/metrics').then((r) => console.log(r.status)));
        });`],
      env: { HMETRICS_PROMETHEUS_LISTEN: '127.0.0.1:0', HMETRICS_VERBOSE: '1' },
      onSpawn: (write) => { tell = write; },
      onStderr: (text) => {
        const served = /serving \/metrics on 127\.0\.0\.1:(\d+)/.exec(text);
        if (served && port === 0) { port = Number(served[1]); tell?.(String(port)); }
      },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '200\n');
    // The main thread serves (its verbose story says so); the thread says it is one, and tries nothing.
    assert.match(result.stderr, new RegExp(`^\\[hmetrics\\] prometheus: serving /metrics on 127\\.0\\.0\\.1:${port}$`, 'm'));
    assert.equal(result.stderr.split('\n').filter((line) => line === "[hmetrics] worker thread: its figures go to the main thread's report").length, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /prometheus not started|cannot listen/);
  });

  test('onload serves /metrics with the app\'s own counters; the server never holds the process open', async () => {
    let port = 0; // port 0: read from the verbose line where the server says it serves
    let answer: Answer | undefined;
    const result = await runNode({
      args: ['--import', 'hmetrics/onload', '--input-type=module', '-e', `
        import { increment } from 'hmetrics/onload';
        increment('app.started');
        console.log('ready');
        process.stdin.resume(); process.stdin.on('end', () => process.stdin.pause());`],
      env: { HMETRICS_PROMETHEUS_LISTEN: '127.0.0.1:0', HMETRICS_VERBOSE: '1' },
      onStderr: (text) => { port ||= Number(/serving \/metrics on 127\.0\.0\.1:(\d+)/.exec(text)?.[1] ?? 0); },
      onSpawn: (write) => {
        const poll = async (): Promise<void> => {
          for (let i = 0; i < 100 && answer === undefined; i++) {
            answer = port === 0 ? undefined : await get(port).catch(() => undefined);
            if (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
          }
          write('');
        };
        void poll();
      },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.killedByTest, false, 'the process ended on its own once the app was done');
    assert.equal(answer?.status, 200);
    assert.match(answer?.body ?? '', /^app_started_total 1$/m);
    assert.match(answer?.body ?? '', /^process_start_time_seconds \d+$/m);
  });

  test('with a push endpoint too: both get the numbers, and the scrape keeps the total the push loop drains', async () => {
    const heroku = await HerokuEndpoint.start();
    let port = 0; // port 0: read from the verbose line where the server says it serves
    let page = '';
    try {
      const result = await runNode({
        args: ['--import', 'hmetrics/onload', '--input-type=module', '-e', `
          import { increment } from 'hmetrics/onload';
          increment('orders'); increment('orders');
          process.stdin.resume(); process.stdin.on('end', () => process.stdin.pause());`],
        env: { HMETRICS_URL: heroku.url(), HMETRICS_INTERVAL: '1000', HMETRICS_PROMETHEUS_LISTEN: '127.0.0.1:0', HMETRICS_VERBOSE: '1' },
        onStderr: (text) => { port ||= Number(/serving \/metrics on 127\.0\.0\.1:(\d+)/.exec(text)?.[1] ?? 0); },
        onSpawn: (write) => {
          void heroku.waitForPayloads(2).then(async () => {
            page = (await get(port)).body;
            write('');
          });
        },
      });
      assert.equal(result.code, 0, result.stderr);
    } finally {
      await heroku.close();
    }
    const pushed = heroku.payloads.reduce((sum, p) => sum + (p.body.counters['orders'] ?? 0), 0);
    assert.equal(pushed, 2, 'the push loop delivered the increments once');
    assert.ok('node.gc.collections' in heroku.payloads[0]!.body.counters, 'the push loop still sends its runtime sample');
    assert.match(page, /^orders_total 2$/m, 'after two swaps, the scrape still shows the total');
    assert.match(page, /^# TYPE nodejs_gc_duration_seconds histogram$/m);
    assert.doesNotMatch(page, /^node_gc_/m, 'the push loop\'s runtime names are not repeated');
  });

  test('a port in use: one clear stderr line under HMETRICS_VERBOSE, nothing otherwise; the app runs on', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const app = ['--import', 'hmetrics/onload', '-e', 'setTimeout(() => console.log("app done"), 300)'];
      const verbose = await runNode({ args: app, env: { HMETRICS_PROMETHEUS_LISTEN: `127.0.0.1:${port}`, HMETRICS_VERBOSE: '1' } });
      assert.equal(verbose.code, 0);
      assert.equal(verbose.stdout, 'app done\n');
      // Verbose also tells the start story; of the endpoint it says exactly one thing: why not.
      const lines = verbose.stderr.trim().split('\n').filter((line) => /prometheus( not started)?:/.test(line));
      assert.deepEqual(lines, [`[hmetrics] prometheus not started: Prometheus endpoint cannot listen on 127.0.0.1:${port}: address already in use`]);
      const quiet = await runNode({ args: app, env: { HMETRICS_PROMETHEUS_LISTEN: `127.0.0.1:${port}` } });
      assert.equal(quiet.code, 0);
      assert.equal(quiet.stderr, '');
      const bad = await runNode({ args: app, env: { HMETRICS_PROMETHEUS_LISTEN: 'nope', HMETRICS_VERBOSE: '1' } });
      assert.equal(bad.code, 0);
      assert.match(bad.stderr, /^\[hmetrics\] prometheus not started: Expected `HMETRICS_PROMETHEUS_LISTEN` to be a port, host:port or \[v6\]:port with a port from 0 to 65535, got "nope"$/m);
      assert.equal(bad.stderr.split('\n').filter((line) => /prometheus/.test(line) && !/^\[hmetrics\] (no Heroku|not started:)/.test(line)).length, 1, bad.stderr);
    } finally {
      blocker.close();
    }
  });
});

test('examples/prometheus runs as written and prints what its comment says', async () => {
  const result = await runNode({ args: ['dist/examples/prometheus.js'] });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, [
    'process_cpu_seconds_total …',
    'checkout_latency_seconds_count{region="eu"} …',
    'signups_total …',
    'application/openmetrics-text; version=1.0.0; charset=utf-8',
    '# EOF',
    '',
  ].join('\n'));
});
