import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, beforeEach, describe, mock, test } from 'node:test';
import {
  append, appendUnique, increment, init, isFatal, processAggregator, set, setNested, startEmitting, stopEmitting,
  TelemetryBadResponse, TelemetryEmissionFailed, TelemetryRefused, TelemetryServerError, type HmetricsError,
} from '../src/index.js';
import { resetForTests } from '../src/telemetry/api.js';
import { TelemetryBuffer } from '../src/telemetry/buffer.js';
import { Emitter } from '../src/telemetry/emitter.js';
import { Aggregator } from '../src/metrics/aggregator.js';
import diagnostics_channel from 'node:diagnostics_channel';
import { TELEMETRY_CHANNELS, type ScheduleReason, type TelemetryScheduleMessage } from '../src/index.js';

/** One request as the loopback telemetry server received it. */
interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: { instance_id: string; timestamp: string; data: Record<string, unknown> };
  readonly remotePort: number;
}

type Answer = { status: number; body?: string | Buffer; headers?: Record<string, string>; hang?: boolean };

/** A real loopback telemetry server on port 0 whose answers each test scripts. */
class TelemetryServer {
  readonly received: Received[] = [];
  respond: (n: number) => Answer = () => ({ status: 200, body: '{}' });
  readonly #server: Server;
  #waiters: Array<() => void> = [];

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const n = this.received.length;
        this.received.push({
          path: req.url ?? '',
          headers: req.headers,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'],
          remotePort: req.socket.remotePort ?? 0,
        });
        for (const wake of this.#waiters.splice(0)) wake();
        const answer = this.respond(n);
        if (answer.hang) return;
        res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
        res.end(answer.body ?? '');
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  url(path = '/v1/update'): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}${path}`;
  }

  async waitFor(count: number): Promise<Received> {
    while (this.received.length < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    return this.received[count - 1]!;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

let server: TelemetryServer;
let errors: HmetricsError[];
let schedules: Array<{ delay: number; reason: ScheduleReason }>;
let posts: number;
let wake: (() => void) | undefined;
const ONE_HOUR = 3_600_000;

// The emitter's public diagnostics channels tell when it arms a timer and when it posts.
const onSchedule = (message: unknown): void => {
  const { delay, reason } = message as TelemetryScheduleMessage;
  schedules.push({ delay, reason });
  wake?.();
};
const onPost = (): void => { posts++; };

before(async () => {
  server = new TelemetryServer();
  await server.listen();
  diagnostics_channel.subscribe(TELEMETRY_CHANNELS.schedule, onSchedule);
  diagnostics_channel.subscribe(TELEMETRY_CHANNELS.post, onPost);
});
after(async () => {
  diagnostics_channel.unsubscribe(TELEMETRY_CHANNELS.schedule, onSchedule);
  diagnostics_channel.unsubscribe(TELEMETRY_CHANNELS.post, onPost);
  await server.close();
});

beforeEach(() => {
  resetForTests();
  processAggregator.swap(); // start from an empty interval (public API: swap drains it)
  server.received.length = 0;
  server.respond = () => ({ status: 200, body: '{}' });
  errors = [];
  schedules = [];
  posts = 0;
  mock.timers.enable({ apis: ['setTimeout'] });
});

afterEach(() => {
  resetForTests();
  mock.timers.reset();
});

/** The next time the emitter arms a timer: how long, and why. */
async function nextSchedule(): Promise<{ delay: number; reason: ScheduleReason }> {
  while (schedules.length === 0) await new Promise<void>((resolve) => { wake = resolve; });
  return schedules.shift()!;
}

/** Lets pending I/O callbacks and promise continuations run (setImmediate is not mocked). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** init + startEmitting, then run the first emission; resolves with what the server got. */
async function startAndEmit(url = server.url(), disabled: string[] = []): Promise<Received> {
  init('instance-1', disabled, { onError: (error) => errors.push(error) });
  startEmitting(url);
  assert.deepEqual(await nextSchedule(), { delay: 0, reason: 'first' });
  mock.timers.tick(0);
  return server.waitFor(1);
}

/**
 * An emitter on a buffer and aggregator of its own (injected), for the tests that follow what the
 * buffer keeps; the process' buffer behind the public API is not reachable from outside.
 */
function ownEmitter(): { buffer: TelemetryBuffer; aggregator: Aggregator; emitter: Emitter } {
  const aggregator = new Aggregator();
  const buffer = new TelemetryBuffer(aggregator);
  buffer.retain = true; // as after init()
  buffer.onError = (error) => errors.push(error);
  const emitter = new Emitter(new URL(server.url()), 'instance-1', buffer, (error) => errors.push(error), { timeout: 10_000, finalTimeout: 2_000, initialDelay: 0 });
  emitter.start();
  return { buffer, aggregator, emitter };
}

/** Fires the armed timer (`delay` ms) and resolves with the request it causes. */
async function emitAfter(delay: number): Promise<Received> {
  const count = server.received.length;
  mock.timers.tick(delay);
  return server.waitFor(count + 1);
}

describe('the payload', () => {
  test('POST {endpoint}/{instanceId} with instance_id, an RFC 3339 UTC timestamp and the data, faithfully', async () => {
    increment('__proto__');
    set('constructor', 'c');
    setNested('db', '__proto__', 1);
    setNested('db', 'driver', 'pg');
    append('latency', 12);
    append('latency', { slow: true });
    appendUnique('ua', 'curl');
    appendUnique('ua', 'curl');
    appendUnique('ua', 7);
    const request = await startAndEmit();
    assert.equal(request.path, '/v1/update/instance-1');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(Object.keys(request.body).sort(), ['data', 'instance_id', 'timestamp']);
    assert.equal(request.body.instance_id, 'instance-1');
    assert.match(request.body.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.ok(Math.abs(Date.parse(request.body.timestamp) - Date.now()) < 60_000);
    const data = request.body.data;
    assert.ok(Object.hasOwn(data, '__proto__'), 'the __proto__ key round-trips as an own key');
    assert.equal(data['__proto__'], 1);
    assert.equal(data['constructor'], 'c');
    const db = data['db'] as Record<string, unknown>;
    assert.ok(Object.hasOwn(db, '__proto__'));
    assert.equal(db['__proto__'], 1);
    assert.equal(db['driver'], 'pg');
    assert.deepEqual(data['latency'], [12, { slow: true }]);
    assert.deepEqual(data['ua'], [{ value: 'curl', count: 2 }, { value: 7, count: 1 }]);
    assert.equal(({} as Record<string, unknown>)['driver'], undefined);
  });

  test('an emission takes what it sends: the next one carries only what came after (regression: a timer firing as an emission settles was lost)', async () => {
    server.respond = () => ({ status: 200, body: JSON.stringify({ next_update: 5e9 }) });
    increment('a');
    await startAndEmit();
    assert.deepEqual(await nextSchedule(), { delay: 5_000, reason: 'next' });
    increment('b');
    const second = await emitAfter(5_000);
    assert.deepEqual(second.body.data, { b: 1 });
  });

  test('the instance id is encoded into the path; the endpoint query string is kept', async () => {
    init('a b/c', [], { onError: (error) => errors.push(error) });
    startEmitting(server.url('/t/?k=v'));
    await nextSchedule();
    mock.timers.tick(0);
    const request = await server.waitFor(1);
    assert.equal(request.path, '/t/a%20b%2Fc?k=v');
  });
});

describe('steering by the answer', () => {
  test('next_update (ns) sets the next emission', async () => {
    server.respond = () => ({ status: 200, body: JSON.stringify({ next_update: 90e9 }) });
    await startAndEmit();
    assert.deepEqual(await nextSchedule(), { delay: 90_000, reason: 'next' });
    mock.timers.tick(89_999);
    await settle();
    assert.equal(posts, 1);
    mock.timers.tick(1);
    await server.waitFor(2);
  });

  test('next_update under 1 s is floored at 1 s', async () => {
    server.respond = () => ({ status: 200, body: JSON.stringify({ next_update: 1 }) });
    await startAndEmit();
    assert.deepEqual(await nextSchedule(), { delay: 1_000, reason: 'next' });
  });

  for (const [name, body] of [['missing', '{}'], ['negative', '{"next_update": -5}'], ['a string', '{"next_update": "1h"}'], ['an empty body', '']] as const) {
    test(`next_update ${name}: 1 h plus up to 1 min of jitter`, async () => {
      server.respond = () => ({ status: 200, body });
      await startAndEmit();
      const { delay, reason } = await nextSchedule();
      assert.equal(reason, 'fallback');
      assert.ok(delay >= ONE_HOUR && delay < ONE_HOUR + 60_000, String(delay));
      assert.deepEqual(errors, []);
    });
  }

  test('stop ends emission: no timer, and stopEmitting() sends nothing more', async () => {
    server.respond = () => ({ status: 200, body: JSON.stringify({ stop: true, next_update: 1e9 }) });
    await startAndEmit();
    await settle();
    assert.deepEqual(schedules, []);
    increment('late');
    assert.equal(await stopEmitting(), undefined);
    assert.equal(server.received.length, 1);
    assert.deepEqual(errors, []);
  });

  test('error is reported (not fatal) and emission goes on', async () => {
    server.respond = () => ({ status: 200, body: JSON.stringify({ error: 'bad instance clock', next_update: 2e9 }) });
    await startAndEmit();
    assert.deepEqual(await nextSchedule(), { delay: 2_000, reason: 'next' });
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof TelemetryServerError);
    assert.equal(errors[0].code, 'ERR_HMETRICS_TELEMETRY_SERVER_ERROR');
    assert.match(errors[0].message, /bad instance clock/);
    assert.equal(isFatal(errors[0]), false);
  });

  test('disable_keys stops collecting a key (by prefix); enable_keys re-enables; disable wins; user keys stay disabled', async () => {
    const answers = [
      { disable_keys: ['ua', 'private', 'both'], enable_keys: ['both', 'private'], next_update: 1e9 },
      { enable_keys: ['ua', 'private'], next_update: 1e9 },
      { next_update: 1e9 },
    ];
    server.respond = (n) => ({ status: 200, body: JSON.stringify(answers[n]) });
    increment('ua:curl');
    await startAndEmit(server.url(), ['private']);
    assert.deepEqual((await nextSchedule()).delay, 1_000);
    increment('ua:curl');
    increment('both');
    increment('private');
    increment('kept');
    const second = await emitAfter(1_000);
    assert.deepEqual(second.body.data, { kept: 1 });
    await nextSchedule();
    increment('ua:curl');
    increment('private');
    const third = await emitAfter(1_000);
    assert.deepEqual(third.body.data, { 'ua:curl': 1 }, 'the server re-enabled ua, but not the user-disabled key');
  });
});

describe('refusals and failures', () => {
  test('410 Gone stops for good with a clear, fatal error; the payload goes nowhere', async () => {
    server.respond = () => ({ status: 410, body: 'this API version is retired' });
    increment('a');
    await startAndEmit();
    await settle();
    assert.deepEqual(schedules, []);
    assert.equal(errors.length, 1);
    const error = errors[0]!;
    assert.ok(error instanceof TelemetryRefused);
    assert.equal(error.status, 410);
    assert.equal(error.code, 'ERR_HMETRICS_TELEMETRY_REFUSED');
    assert.equal(error.fatal(), true);
    assert.match(error.message, /410.*gone.*upgrade.*stopped for good.*retired/s);
    assert.equal(await stopEmitting(), undefined);
    assert.equal(server.received.length, 1, 'no final emission after a refusal');
  });

  test('after a 410 the buffer keeps nothing for the emitter that is gone: each interval end drains it', async () => {
    server.respond = () => ({ status: 410 });
    const { buffer, aggregator, emitter } = ownEmitter();
    buffer.increment('a');
    assert.deepEqual(await nextSchedule(), { delay: 0, reason: 'first' });
    mock.timers.tick(0);
    await server.waitFor(1);
    await settle();
    assert.ok(errors[0] instanceof TelemetryRefused);
    assert.equal(await emitter.stop(), undefined);
    buffer.increment('b');
    aggregator.swap();
    assert.equal(buffer.items, 0);
  });

  test('451 stops for good with a clear, fatal error', async () => {
    server.respond = () => ({ status: 451 });
    await startAndEmit();
    await settle();
    assert.deepEqual(schedules, []);
    assert.ok(errors[0] instanceof TelemetryRefused);
    assert.equal(errors[0].status, 451);
    assert.match(errors[0].message, /451.*legal reasons/);
    assert.equal(errors[0].fatal(), true);
  });

  test('429 waits Retry-After seconds, and the payload goes back into the buffer', async () => {
    server.respond = (n) => (n === 0 ? { status: 429, headers: { 'Retry-After': '120' } } : { status: 200, body: '{"next_update": 1e9}' });
    increment('a');
    append('l', 1);
    await startAndEmit();
    assert.deepEqual(await nextSchedule(), { delay: 120_000, reason: 'too-many-requests' });
    increment('a');
    append('l', 2);
    mock.timers.tick(119_999);
    await settle();
    assert.equal(posts, 1);
    const second = await emitAfter(1);
    assert.deepEqual(second.body.data, { a: 2, l: [1, 2] });
    assert.deepEqual(errors, []);
  });

  test('429 without Retry-After waits next_update', async () => {
    server.respond = () => ({ status: 429, body: '{"next_update": 30e9}' });
    await startAndEmit();
    assert.deepEqual(await nextSchedule(), { delay: 30_000, reason: 'too-many-requests' });
  });

  test('500 ×4 then 200: waits 8, 27, 64 s, then the payload is merged back and delivered with what came later', async () => {
    server.respond = (n) => (n < 4 ? { status: 500, body: 'oops' } : { status: 200, body: '{}' });
    increment('count');
    append('list', 'first');
    appendUnique('set', 'x');
    setNested('map', 'old', 1);
    set('value', 'old');
    await startAndEmit(server.url('/v1?token=s3cret'));
    for (const wait of [8_000, 27_000, 64_000]) {
      assert.deepEqual(await nextSchedule(), { delay: wait, reason: 'retry' });
      mock.timers.tick(wait - 1);
      await settle();
      const before = posts;
      await emitAfter(1);
      assert.equal(posts, before + 1);
    }
    const afterFailure = await nextSchedule();
    assert.equal(afterFailure.reason, 'after-failure');
    assert.ok(afterFailure.delay >= ONE_HOUR && afterFailure.delay < ONE_HOUR + 60_000);
    assert.equal(errors.length, 1);
    const error = errors[0]!;
    assert.ok(error instanceof TelemetryEmissionFailed);
    assert.equal(error.attempts, 4);
    assert.equal(error.fatal(), false);
    assert.match(error.message, /HTTP 500/);
    assert.ok(!error.message.includes('s3cret'), error.message);
    for (const r of server.received) assert.deepEqual(r.body.data, server.received[0]!.body.data, 'each attempt resends the same payload');

    increment('count');
    append('list', 'second');
    appendUnique('set', 'x');
    appendUnique('set', 'y');
    setNested('map', 'new', 2);
    set('value', 'new');
    const delivered = await emitAfter(afterFailure.delay);
    assert.deepEqual(delivered.body.data, {
      count: 2,
      list: ['first', 'second'],
      set: [{ value: 'x', count: 2 }, { value: 'y', count: 1 }],
      map: { old: 1, new: 2 },
      value: 'new',
    });
    assert.equal(server.received.length, 5);
  });

  test('a network failure (nothing listening) retries the same way', async () => {
    const closed = new TelemetryServer();
    await closed.listen();
    const url = closed.url();
    await closed.close();
    init('i', [], { onError: (error) => errors.push(error) });
    startEmitting(url);
    await nextSchedule();
    mock.timers.tick(0);
    assert.deepEqual(await nextSchedule(), { delay: 8_000, reason: 'retry' });
  });

  test('garbage JSON in a 200: reported, default cadence, and the delivered payload is not sent again', async () => {
    server.respond = (n) => (n === 0 ? { status: 200, body: '{"next_update": 5e9,,,' } : { status: 200, body: '{}' });
    increment('once');
    await startAndEmit();
    const { delay, reason } = await nextSchedule();
    assert.equal(reason, 'fallback');
    assert.ok(delay >= ONE_HOUR);
    assert.ok(errors[0] instanceof TelemetryBadResponse);
    assert.equal(errors[0].code, 'ERR_HMETRICS_TELEMETRY_BAD_RESPONSE');
    increment('later');
    const next = await emitAfter(delay);
    assert.deepEqual(next.body.data, { later: 1 });
  });

  test('a 10 MB answer: 64 KB read, the rest drained (the socket is reused), default cadence', async () => {
    const huge = Buffer.alloc(10 * 1024 * 1024, 0x20);
    huge.write('{"next_update": 5e9, "pad": "');
    server.respond = (n) => (n === 0 ? { status: 200, body: huge } : { status: 200, body: '{}' });
    const first = await startAndEmit();
    const { delay, reason } = await nextSchedule();
    assert.equal(reason, 'fallback');
    assert.ok(errors[0] instanceof TelemetryBadResponse);
    assert.match(errors[0].message, /64 KB/);
    const second = await emitAfter(delay);
    assert.equal(second.remotePort, first.remotePort, 'the keep-alive socket was drained and reused');
  });
});

describe('stopEmitting()', () => {
  test('delivers the final payload and resolves to undefined', async () => {
    server.respond = () => ({ status: 200, body: '{"next_update": 60e9}' });
    await startAndEmit();
    await nextSchedule();
    increment('final');
    setNested('m', 'k', 'v');
    assert.equal(await stopEmitting(), undefined);
    assert.equal(server.received.length, 2);
    assert.deepEqual(server.received[1]!.body.data, { final: 1, m: { k: 'v' } });
    mock.timers.tick(60_000);
    await settle();
    assert.equal(server.received.length, 2, 'no emission after stop');
  });

  test('during a retry wait: the wait ends at once and the failed payload goes out with the final one', async () => {
    server.respond = (n) => (n === 0 ? { status: 503 } : { status: 200, body: '{}' });
    increment('a');
    await startAndEmit();
    assert.deepEqual(await nextSchedule(), { delay: 8_000, reason: 'retry' });
    increment('a');
    assert.equal(await stopEmitting(), undefined);
    assert.equal(server.received.length, 2);
    assert.deepEqual(server.received[1]!.body.data, { a: 2 });
  });

  test('with a request in flight: it gets half of finalTimeout to finish, then is abandoned, and nothing is lost', async () => {
    server.respond = (n) => (n === 0 ? { status: 200, hang: true } : { status: 200, body: '{}' });
    append('l', 1);
    await startAndEmit();
    append('l', 2);
    const stopping = stopEmitting();
    mock.timers.tick(999);
    await settle();
    assert.equal(server.received.length, 1, 'the request in flight still has time');
    mock.timers.tick(1);
    assert.equal(await stopping, undefined);
    assert.equal(server.received.length, 2);
    assert.deepEqual(server.received[1]!.body.data, { l: [1, 2] });
    assert.deepEqual(errors, []);
  });

  test('a failed final emission resolves to the error (public API)', async () => {
    server.respond = (n) => (n === 0 ? { status: 200, body: '{"next_update": 60e9}' } : { status: 500 });
    await startAndEmit();
    await nextSchedule();
    increment('kept');
    const error = await stopEmitting();
    assert.ok(error instanceof TelemetryEmissionFailed);
    assert.match(error.message, /HTTP 500/);
  });

  test('a failed final emission keeps the payload in the buffer', async () => {
    server.respond = (n) => (n === 0 ? { status: 200, body: '{"next_update": 60e9}' } : { status: 500 });
    const { buffer, emitter } = ownEmitter();
    assert.deepEqual(await nextSchedule(), { delay: 0, reason: 'first' });
    mock.timers.tick(0);
    await server.waitFor(1);
    await nextSchedule();
    buffer.increment('kept');
    const error = await emitter.stop();
    assert.ok(error instanceof TelemetryEmissionFailed);
    assert.deepEqual(JSON.parse(JSON.stringify(buffer.peek())), { kept: 1 });
  });

  test('without startEmitting it resolves at once', async () => {
    assert.equal(await stopEmitting(), undefined);
  });
});
