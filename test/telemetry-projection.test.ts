import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, mock, test } from 'node:test';
import { add, Aggregator, append, appendUnique, increment, processAggregator, report, set, setNested } from '../src/index.js';
import { flatten } from '../src/sinks/flatten.js';
import { resetForTests } from '../src/telemetry/api.js';
import { TelemetryBuffer } from '../src/telemetry/buffer.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';

/*
 * The buffer's numbers reach a real report() loop delivering to a loopback Heroku endpoint.
 * Time is mocked: the test waits until the loop has armed its interval timer, then ticks it
 * by exactly that timer's delay.
 */
const INTERVAL = 60_000;
let endpoint: HerokuEndpoint;
let controller: AbortController;
let loop: Promise<void>;
let armed = 0;
let armedDelay = 0;
let onArmed: (() => void) | undefined;

before(async () => {
  endpoint = await HerokuEndpoint.start();
});
after(async () => {
  await endpoint.close();
});

beforeEach(() => {
  resetForTests();
  processAggregator.swap(); // start from an empty interval (public API: swap drains it)
  endpoint.payloads.length = 0;
  endpoint.respond = () => ({ status: 200 });
  mock.timers.enable({ apis: ['setTimeout'] });
  // Count the loop's interval timers (the only long ones) as they are armed.
  const mocked = globalThis.setTimeout;
  armed = 0;
  globalThis.setTimeout = ((fn: () => void, ms?: number, ...rest: unknown[]) => {
    const timer = (mocked as (...args: unknown[]) => ReturnType<typeof setTimeout>)(fn, ms, ...rest);
    if ((ms ?? 0) > INTERVAL / 2) { armed++; armedDelay = ms ?? 0; onArmed?.(); }
    return timer;
  }) as typeof setTimeout;
  controller = new AbortController();
  loop = report(controller.signal, endpoint.url(), null, { interval: INTERVAL, timeout: 1_000, runtime: false });
});

afterEach(async () => {
  controller.abort();
  await loop;
  mock.timers.reset();
});

/** Ends the current interval and resolves with the payload it produced. */
async function nextInterval(): Promise<{ counters: Record<string, number>; gauges: Record<string, number> }> {
  const count = endpoint.payloads.length;
  while (armed === 0) await new Promise<void>((resolve) => { onArmed = resolve; });
  const armedNow = armed;
  // The loop keeps its schedule on the real clock, so its next sleep is not exactly INTERVAL.
  mock.timers.tick(armedDelay);
  await endpoint.waitForPayloads(count + 1);
  // Deliveries run beside the loop's schedule: let the client read the answer before the next
  // tick, or the mocked clock would time the accepted delivery out and send it again.
  while (endpoint.responded < endpoint.requests) await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  // Wait for the loop to arm the next interval, so the next tick lands on it.
  while (armed === armedNow) await new Promise<void>((resolve) => { onArmed = resolve; });
  return endpoint.payloads[count]!.body;
}

describe('projection into report intervals', () => {
  test('each kind reaches the Heroku payload under the names of the issue', async () => {
    increment('requests');
    increment('requests');
    add('requests', 1);
    add('bytes', 10);
    set('temperature', 21.5);
    set('label', 'not a number');
    setNested('db', 'pool', 4);
    setNested('db', 'driver', 'pg');
    for (const ms of [10, 20, 30, 40]) append('latency', ms);
    append('latency', 'not a number');
    appendUnique('users', 'a');
    appendUnique('users', 'b');
    appendUnique('users', 'a');
    const { counters, gauges } = await nextInterval();
    assert.equal(counters['requests'], 3);
    assert.equal(counters['bytes'], 10);
    assert.equal(gauges['temperature'], 21.5);
    assert.equal(gauges['label'], undefined);
    assert.equal(gauges['db.pool'], 4);
    assert.equal(gauges['db.driver'], undefined);
    assert.equal(counters['latency.count'], 4);
    assert.deepEqual(
      [gauges['latency.min'], gauges['latency.max'], gauges['latency.mean'], gauges['latency.median'], gauges['latency.p95'], gauges['latency.p99']],
      [10, 40, 25, 25, 40, 40],
    );
    assert.equal(gauges['users.unique'], 2);
  });

  test('counters add up across intervals; gauges and distinct counts are per interval', async () => {
    increment('hits');
    increment('hits');
    set('depth', 5);
    appendUnique('users', 'a');
    appendUnique('users', 'b');
    const first = await nextInterval();
    assert.equal(first.counters['hits'], 2);
    increment('hits');
    appendUnique('users', 'a');
    const second = await nextInterval();
    assert.equal(second.counters['hits'], 1);
    assert.equal(second.gauges['depth'], undefined, 'a gauge appears in the intervals it was set in');
    assert.equal(second.gauges['users.unique'], 1, 'distinct values of this interval, not since start');
    increment('hits');
    await nextInterval();
    assert.equal(endpoint.counterTotal('hits'), 4);
  });

  test('a failed delivery loses no buffer counts: they arrive with the next one', async () => {
    let failures = 0;
    endpoint.respond = () => (failures++ === 0 ? { status: 500 } : { status: 200 });
    increment('orders');
    add('orders', 2);
    // The first interval's delivery fails (no payload accepted); wait for the loop to re-arm.
    const target = armed;
    mock.timers.tick(armedDelay);
    while (armed === target) await new Promise<void>((resolve) => { onArmed = resolve; });
    // The loop re-arms at once; the failed delivery settles beside it.
    while (failures === 0 || endpoint.responded < endpoint.requests) await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    increment('orders');
    await nextInterval();
    assert.equal(endpoint.counterTotal('orders'), 4);
  });

  test('names are sanitised to [A-Za-z0-9_.-]', async () => {
    increment('http requests/sec:GET');
    setNested('pool size', 'db#1', 3);
    append('résumé', 1);
    const { counters, gauges } = await nextInterval();
    assert.equal(counters['http_requests_sec_GET'], 1);
    assert.equal(gauges['pool_size.db_1'], 3);
    assert.equal(counters['r_sum_.count'], 1);
    for (const name of [...Object.keys(counters), ...Object.keys(gauges)]) assert.match(name, /^[A-Za-z0-9_.-]+$/);
  });

  // These two follow the buffer's own state, so they run on an instance with its own aggregator
  // (both injected) rather than on the process' buffer.
  test('an emission between two ticks costs the interval nothing, and a payload put back is not counted twice', () => {
    const aggregator = new Aggregator();
    const buffer = new TelemetryBuffer(aggregator);
    buffer.retain = true; // as after init(): content is kept for emission
    buffer.increment('jobs');
    buffer.append('took', 5);
    buffer.setNested('q', 'len', 7);
    const taken = buffer.take(); // what an emission does
    buffer.increment('jobs');
    buffer.restore(taken); // what a failed emission does
    const { counters, gauges } = flatten(aggregator.swap(), [50, 95, 99]);
    assert.equal(counters['jobs'], 2);
    assert.equal(counters['took.count'], 1);
    assert.equal(gauges['q.len'], 7);
    assert.deepEqual(JSON.parse(JSON.stringify(buffer.peek())), { jobs: 2, took: [5], q: { len: 7 } }, 'still held for emission');
  });

  test('without init (no telemetry server) each interval drains the buffer: memory follows the interval', () => {
    const aggregator = new Aggregator();
    const buffer = new TelemetryBuffer(aggregator);
    for (let i = 0; i < 100; i++) buffer.append('sizes', i);
    assert.equal(buffer.items, 100);
    const { counters } = flatten(aggregator.swap(), [50, 95, 99]);
    assert.equal(counters['sizes.count'], 100);
    assert.equal(buffer.items, 0);
  });
});
