import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Aggregator, isReporting, report } from 'hmetrics';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { until } from './helpers/wait.js';

// The request timeout otherwise defaults to the interval (20 ms): on a loaded machine a delivery
// could time out instead of meeting the status these tests are about.
const SLOW_MACHINE_TIMEOUT = 5_000;

let endpoint: HerokuEndpoint;
before(async () => { endpoint = await HerokuEndpoint.start(); });
after(async () => { await endpoint.close(); });

test('an Error returned by the handler stops the loop and report() rejects with it', async () => {
  endpoint.respond = () => ({ status: 500 });
  const stopWith = new Error('give up');
  let calls = 0;
  await assert.rejects(
    report(undefined, endpoint.url(), (err) => {
      calls++;
      assert.match(err.message, /HTTP 500/);
      return calls === 3 ? stopWith : undefined;
    }, { runtime: false, interval: 20, timeout: SLOW_MACHINE_TIMEOUT }),
    (err: unknown) => err === stopWith,
  );
  assert.equal(calls, 3);
  assert.equal(isReporting(), false, 'the lock is released');
  endpoint.respond = () => ({ status: 200 });
});

test('a handler that resolves to an Error stops the loop the same way', async () => {
  endpoint.respond = () => ({ status: 502 });
  const stopWith = new Error('async give up');
  await assert.rejects(report(undefined, endpoint.url(), async () => stopWith, { runtime: false, interval: 20, timeout: SLOW_MACHINE_TIMEOUT }), (err: unknown) => err === stopWith);
  endpoint.respond = () => ({ status: 200 });
});

test('a handler that throws stops the loop with what it threw, never as an unhandled rejection', async () => {
  endpoint.respond = () => ({ status: 500 });
  await assert.rejects(report(undefined, endpoint.url(), () => { throw new TypeError('handler bug'); }, { runtime: false, interval: 20, timeout: SLOW_MACHINE_TIMEOUT }), /handler bug/);
  endpoint.respond = () => ({ status: 200 });
});

test('a slow async handler is never called concurrently, and delays lose no counters', async () => {
  const aggregator = new Aggregator();
  let failuresLeft = 4;
  endpoint.respond = () => (failuresLeft-- > 0 ? { status: 503 } : { status: 200 });
  let active = 0;
  let maxActive = 0;
  let calls = 0;
  let counted = 0;
  const producer = setInterval(() => { aggregator.count('slow.handler', 1); counted++; }, 2);
  const controller = new AbortController();
  const before = endpoint.payloads.length;
  const done = report(controller.signal, endpoint.url(), async () => {
    calls++;
    active++;
    maxActive = Math.max(maxActive, active);
    // Slower than several intervals: deliveries wait for it.
    await new Promise((resolve) => setTimeout(resolve, 60));
    active--;
  }, { runtime: false, interval: 10, timeout: SLOW_MACHINE_TIMEOUT, aggregator });
  await until(() => endpoint.payloads.length >= before + 2, 10_000, 'recovery');
  clearInterval(producer);
  controller.abort();
  await done;
  assert.equal(calls, 4);
  assert.equal(maxActive, 1);
  const delivered = endpoint.payloads.slice(before).reduce((sum, p) => sum + (p.body.counters['slow.handler'] ?? 0), 0);
  assert.equal(delivered, counted);
});

test('a nil handler is allowed: failures are skipped and counters carried', async () => {
  const aggregator = new Aggregator();
  let failuresLeft = 2;
  endpoint.respond = () => (failuresLeft-- > 0 ? { status: 500 } : { status: 200 });
  aggregator.count('nil.handler', 5);
  const controller = new AbortController();
  const before = endpoint.payloads.length;
  const done = report(controller.signal, endpoint.url(), undefined, { runtime: false, interval: 15, timeout: SLOW_MACHINE_TIMEOUT, aggregator });
  await endpoint.waitForPayloads(before + 1);
  controller.abort();
  await done;
  assert.equal(endpoint.payloads[before]!.body.counters['nil.handler'], 5);
});

test('what a stopped loop could not deliver goes out first when report() starts again', async () => {
  const aggregator = new Aggregator();
  endpoint.respond = () => ({ status: 500 });
  aggregator.count('carried.across.restart', 7);
  await assert.rejects(report(undefined, endpoint.url('/restart'), () => new Error('stop'), { runtime: false, interval: 10, timeout: SLOW_MACHINE_TIMEOUT, aggregator }), /stop/);
  endpoint.respond = () => ({ status: 200 });
  aggregator.count('carried.across.restart', 1);
  const before = endpoint.payloads.length;
  await report(AbortSignal.abort(), endpoint.url('/restart'), null, { runtime: false, interval: 10, timeout: SLOW_MACHINE_TIMEOUT, aggregator });
  assert.equal(endpoint.payloads.slice(before).reduce((s, p) => s + (p.body.counters['carried.across.restart'] ?? 0), 0), 8);
});

test('regression: a handler whose promise never settles cannot hold report() past flushTimeout after abort()', async () => {
  endpoint.respond = () => ({ status: 500 });
  const controller = new AbortController();
  let calls = 0;
  const flushTimeout = 300;
  const done = report(controller.signal, endpoint.url(), () => { calls++; return new Promise<never>(() => undefined); }, { runtime: false, interval: 20, timeout: SLOW_MACHINE_TIMEOUT, flushTimeout });
  await until(() => calls >= 1);
  controller.abort();
  // Bounded real wait: before the fix it was still pending after 8 s.
  let limit: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    done.then(() => 'resolved', () => 'rejected'),
    new Promise<string>((resolve) => { limit = setTimeout(() => resolve('still pending'), flushTimeout + 2_000); }),
  ]);
  clearTimeout(limit);
  assert.equal(outcome, 'resolved');
  assert.equal(isReporting(), false, 'the lock is released');
  endpoint.respond = () => ({ status: 200 });
});
