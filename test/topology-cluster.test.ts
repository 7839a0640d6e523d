import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HerokuEndpoint, type ReceivedPayload } from './helpers/heroku-endpoint.js';
import { createScratchPackage, runCommand, type ScratchPackage } from './helpers/scratch-package.js';

const WORKER_BYTES = 100 * 1024 * 1024;
const SURVIVOR_TICKS = 50;

// The primary reports; two workers record. The victim increments without pause and is killed
// (SIGKILL) the moment its second snapshot reaches the primary: the primary prints how many
// increments that worker had sent in all, and exactly that many must be delivered.
const CLUSTER_APP = `
import cluster from 'node:cluster';
import { increment } from 'hmetrics/onload';
if (cluster.isPrimary) {
  increment('primary.calls');
  const victim = cluster.fork({ ROLE: 'victim' });
  const survivor = cluster.fork({ ROLE: 'survivor' });
  let snapshots = 0;
  let sent = 0;
  cluster.on('message', (worker, message) => {
    if (message && message.app === 'hello') console.log('app message from ' + worker.id);
    if (worker !== victim || message?.tag !== 'hmetrics:cluster:v1' || message.pid !== victim.process.pid) return;
    for (const [name, , value] of message.snapshot.counters) if (name === 'victim.calls') sent += value;
    if (++snapshots === 2) { victim.process.kill('SIGKILL'); console.log('victim sent ' + sent); }
  });
  setTimeout(() => survivor.disconnect(), 3500);
  setTimeout(() => console.log('primary done'), 5500);
} else {
  process.send({ app: 'hello' });
  // Another app's messages that look like ours must not hurt the primary.
  process.send({ tag: 'hmetrics:cluster:v1', pid: 1, snapshot: 'garbage' });
  process.send({ tag: 'hmetrics:cluster:v1', pid: 2, snapshot: { counters: [['evil', [], 'x'], 7], gauges: null } });
  const big = Buffer.alloc(${WORKER_BYTES}, 1);
  if (process.env.ROLE === 'victim') {
    setInterval(() => increment('victim.calls'), 10);
  } else {
    let n = 0;
    const timer = setInterval(() => { increment('survivor.calls'); if (++n === ${SURVIVOR_TICKS}) clearInterval(timer); }, 20);
    setInterval(() => big.length, 1000).unref();
  }
}
`;

// The primary has no hmetrics; its workers preload it: each reports by itself, as before.
const BARE_PRIMARY_APP = `
import cluster from 'node:cluster';
if (cluster.isPrimary) {
  cluster.setupPrimary({ execArgv: ['--import', 'hmetrics/onload'] });
  const workers = [cluster.fork(), cluster.fork()];
  setTimeout(() => workers.forEach((w) => w.kill()), 3600);
} else {
  const { increment } = await import('hmetrics/onload');
  setInterval(() => increment('alone.calls'), 100);
}
`;

// A worker recording after its last interval end is stopped by SIGTERM: it flushes first.
const SIGTERM_APP = `
import cluster from 'node:cluster';
import { increment } from 'hmetrics/onload';
if (cluster.isPrimary) {
  const worker = cluster.fork();
  worker.on('message', (m) => { if (m === 'recorded') worker.process.kill('SIGTERM'); });
  cluster.on('exit', (w, code, signal) => console.log('worker ended by ' + signal));
  setTimeout(() => {}, 3500);
} else {
  increment('early.calls');
  setTimeout(() => { increment('late.calls'); process.send('recorded'); }, 1400);
  setInterval(() => {}, 1000);
}
`;

// Heroku's shutdown: SIGTERM reaches the primary and every worker in the same instant. Each
// worker records 50 increments in a burst after its last interval end, says so, and when all
// three have, the primary signals itself and them at once: all 150 are in partial intervals.
const WORKERS = 3;
const BURST = 50;
const HEROKU_STOP_APP = `
import cluster from 'node:cluster';
import { increment } from 'hmetrics/onload';
if (cluster.isPrimary) {
  const workers = [];
  let ready = 0;
  let done = 0;
  for (let i = 0; i < ${WORKERS}; i++) {
    const worker = cluster.fork();
    workers.push(worker);
    worker.on('message', (m) => {
      if (m === 'ready' && ++ready === ${WORKERS}) setTimeout(() => workers.forEach((w) => w.send('go')), 200);
      if (m === 'done' && ++done === ${WORKERS}) {
        for (const w of workers) w.process.kill('SIGTERM');
        process.kill(process.pid, 'SIGTERM');
      }
    });
  }
  setTimeout(() => {}, 8000);
} else {
  process.on('message', (m) => {
    if (m !== 'go') return;
    let n = 0;
    const burst = setInterval(() => {
      increment('burst.calls');
      if (++n === ${BURST}) { clearInterval(burst); process.send('done'); }
    }, 1);
  });
  process.send('ready');
  setInterval(() => {}, 1000);
}
`;

let endpoint: HerokuEndpoint;
let scratch: ScratchPackage;
before(async () => {
  endpoint = await HerokuEndpoint.start();
  scratch = createScratchPackage({ 'app.js': '', 'cluster.mjs': CLUSTER_APP, 'bare.mjs': BARE_PRIMARY_APP, 'sigterm.mjs': SIGTERM_APP, 'heroku-stop.mjs': HEROKU_STOP_APP });
});
after(async () => {
  await endpoint.close();
  scratch.remove();
});

function counterSum(payloads: readonly ReceivedPayload[], name: string): number {
  return payloads.reduce((sum, p) => sum + (p.body.counters[name] ?? 0), 0);
}

describe('cluster: the primary reports for the dyno', () => {
  test('one delivery per interval; worker increments summed exactly; a killed worker loses nothing it sent', async () => {
    const result = await runCommand(process.execPath, ['--import', 'hmetrics/onload', 'cluster.mjs'], scratch.dir, {
      HMETRICS_URL: endpoint.url('/cluster'),
      HMETRICS_INTERVAL: '1000',
    });
    assert.equal(result.killedByTest, false);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.equal(result.stdout.match(/app message from/g)?.length, 2, 'the app\'s own IPC messages still arrive');
    const sent = Number(/victim sent (\d+)/.exec(result.stdout)?.[1]);
    assert.ok(sent > 0, result.stdout);

    const payloads = endpoint.payloads.filter((p) => p.path === '/cluster');
    // The primary lives 5.5 s: about five deliveries. Three reporters would post about fifteen.
    assert.ok(payloads.length >= 4 && payloads.length <= 6, `one delivery per interval expected, got ${payloads.length}`);
    assert.equal(counterSum(payloads, 'victim.calls'), sent, 'what the killed worker sent is all delivered, once');
    assert.equal(counterSum(payloads, 'survivor.calls'), SURVIVOR_TICKS);
    assert.equal(counterSum(payloads, 'primary.calls'), 1);
    assert.equal(counterSum(payloads, 'evil'), 0);

    // Runtime figures of every process: memory summed (each worker holds 100 MB), processes counted.
    const merged = payloads.filter((p) => p.body.gauges['node.cluster.processes'] === 3);
    assert.ok(merged.length >= 1, 'a payload merged the primary and both workers');
    for (const p of merged) assert.ok(p.body.gauges['node.memory.rss.bytes']! >= 2 * WORKER_BYTES, 'RSS is the sum over processes');
    assert.equal(payloads.at(-1)!.body.gauges['node.cluster.processes'], undefined, 'gone workers no longer count');
    for (const p of payloads) {
      const usage = p.body.gauges['node.eventloop.usage.percent']!;
      assert.ok(usage >= 0 && usage <= 1, `merged utilisation ${usage} stays a fraction`);
    }
  });

  test('a worker whose primary has no hmetrics reports by itself', async () => {
    const result = await runCommand(process.execPath, ['bare.mjs'], scratch.dir, {
      HMETRICS_URL: endpoint.url('/bare'),
      HMETRICS_INTERVAL: '1000',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const payloads = endpoint.payloads.filter((p) => p.path === '/bare');
    // Two workers for ~3.4 s each at 1 s: two streams of about three payloads.
    assert.ok(payloads.length >= 4 && payloads.length <= 8, `two streams expected, got ${payloads.length}`);
    assert.ok(counterSum(payloads, 'alone.calls') > 0);
    for (const p of payloads) assert.equal(p.body.gauges['node.cluster.processes'], undefined);
  });

  test('a worker stopped by SIGTERM sends its last partial interval, then dies by the signal', async () => {
    const result = await runCommand(process.execPath, ['--import', 'hmetrics/onload', 'sigterm.mjs'], scratch.dir, {
      HMETRICS_URL: endpoint.url('/sigterm'),
      HMETRICS_INTERVAL: '1000',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /worker ended by SIGTERM/);
    const payloads = endpoint.payloads.filter((p) => p.path === '/sigterm');
    assert.equal(counterSum(payloads, 'early.calls'), 1);
    assert.equal(counterSum(payloads, 'late.calls'), 1, 'recorded after the last interval end, flushed on SIGTERM');
  });

  test('SIGTERM to the primary and every worker at once (Heroku\'s shutdown): every worker increment is delivered, exactly', async () => {
    const result = await runCommand(process.execPath, ['--import', 'hmetrics/onload', 'heroku-stop.mjs'], scratch.dir, {
      HMETRICS_URL: endpoint.url('/heroku-stop'),
      HMETRICS_INTERVAL: '5000', // no interval ends during the test: only the final deliveries carry the burst
    });
    assert.equal(result.signal ?? undefined, 'SIGTERM', `the primary ends by the signal (code ${result.code}): ${result.stderr}`);
    const payloads = endpoint.payloads.filter((p) => p.path === '/heroku-stop');
    assert.equal(counterSum(payloads, 'burst.calls'), 150, 'each worker\'s last partial interval reached the primary\'s final delivery');
  });
});
