import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { Aggregator, report } from 'hmetrics';
import { backoffDelay, POLICIES } from '../src/delivery/backoff.js';
import { retryWait } from '../src/delivery/retry.js';
import { parseRetryAfter } from '../src/delivery/retry-after.js';
import { OtlpSink } from '../src/otlp/sink.js';
import { retryAfterToDelay } from '../src/telemetry/steering.js';
import { runNode } from './helpers/child.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';

// One delivery policy (src/delivery): one Retry-After parser, one backoff, each area's policy as
// data. An answer that says "retry now" never gets an immediate retry.

const NOW = Date.parse('2026-01-01T00:00:00Z');
/** Values a collector may send that ask for no wait at all, or that RFC 9110 does not allow. */
const RETRY_NOW = ['0', '-5', '1.5', 'Wed, 31 Dec 2025 23:00:00 GMT'];

describe('Retry-After (RFC 9110)', () => {
  test('delay-seconds or an HTTP-date (all three forms); anything else invalid', () => {
    assert.deepEqual(parseRetryAfter('120', NOW), { valid: true, ms: 120_000 });
    assert.deepEqual(parseRetryAfter(' 0 ', NOW), { valid: true, ms: 0 });
    assert.deepEqual(parseRetryAfter(['30', '60'], NOW), { valid: true, ms: 30_000 });
    assert.deepEqual(parseRetryAfter('Thu, 01 Jan 2026 00:02:00 GMT', NOW), { valid: true, ms: 120_000 });
    assert.deepEqual(parseRetryAfter('Thursday, 01-Jan-26 00:02:00 GMT', NOW), { valid: true, ms: 120_000 });
    assert.deepEqual(parseRetryAfter('Thu Jan  1 00:02:00 2026', NOW), { valid: true, ms: 120_000 });
    assert.deepEqual(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', NOW), { valid: true, ms: -3_600_000 });
    for (const bad of ['-5', '1.5', '+3', 'soon', '2026-01-01T00:02:00Z', '1e3', '', 'Thu, 01 Jan 2026 00:02:00 PST']) {
      assert.deepEqual(parseRetryAfter(bad, NOW), { valid: false }, bad);
    }
    assert.equal(parseRetryAfter(undefined, NOW), undefined);
  });

  test('0, past dates and invalid values wait the policy minimum; a long one is capped by the interval', () => {
    for (const value of RETRY_NOW) {
      assert.equal(retryWait(POLICIES.otlp, value, 1, NOW).ms, 1_000, value);
      assert.equal(retryWait(POLICIES.telemetry, value, 1, NOW).ms, 1_000, value);
    }
    assert.deepEqual(retryWait(POLICIES.otlp, '3600', 1, NOW, 20_000), { ms: 20_000, source: 'retry-after' });
    assert.deepEqual(retryWait(POLICIES.otlp, '86400', 1, NOW), { ms: 600_000, source: 'retry-after' });
    assert.deepEqual(retryWait(POLICIES.otlp, '5', 1, NOW, 500), { ms: 1_000, source: 'retry-after' }, 'the cap never goes under the minimum');
    assert.deepEqual(retryWait(POLICIES.otlp, 'soon', 1, NOW), { ms: 1_000, source: 'retry-after-invalid' });
    assert.deepEqual(retryWait(POLICIES.otlp, undefined, 3, NOW, Infinity, () => 0.5), { ms: 4_000, source: 'backoff' });
  });

  test('the telemetry emitter and the OTLP sink accept and reject the same values', () => {
    for (const value of ['0', '7', '-5', '1.5', 'soon', 'Thu, 01 Jan 2026 00:02:00 GMT', 'Wed, 31 Dec 2025 23:00:00 GMT', '']) {
      assert.equal(retryAfterToDelay(value, NOW), retryWait(POLICIES.otlp, value, 1, NOW, 600_000).ms, value);
    }
  });

  test('one backoff, the policies as data', () => {
    assert.deepEqual([1, 2, 3, 30, 31].map((n) => backoffDelay(POLICIES.supervisor.backoff, n)), [10_000, 20_000, 30_000, 300_000, 300_000]);
    assert.deepEqual([1, 2, 3, 4, 9].map((n) => backoffDelay(POLICIES.telemetry.backoff, n)), [8_000, 27_000, 64_000, 64_000, 64_000]);
    assert.deepEqual([1, 2, 3, 8].map((n) => backoffDelay(POLICIES.otlp.backoff, n, () => 0.5)), [1_000, 2_000, 4_000, 60_000]);
    assert.equal(backoffDelay(POLICIES.otlp.backoff, 1, () => 0), 800, '−20 % jitter');
    assert.equal(backoffDelay(POLICIES.otlp.backoff, 1, () => 1), 1_200, '+20 % jitter');
  });
});

describe('against a real collector answering 503 to everything', () => {
  test('a "retry now" Retry-After costs one retry after the minimum wait, never a storm', async () => {
    // Before: Retry-After 0, -5 and past dates were retried at once (2 438 requests in 6.5 s).
    await Promise.all(RETRY_NOW.map(async (value) => {
      const collector = await HerokuEndpoint.start();
      collector.respond = () => ({ status: 503, headers: { 'Retry-After': value } });
      const sink = new OtlpSink(new URL(`otlp+http://127.0.0.1:${collector.port}/v1/metrics`), { timeout: 1_500, interval: 60_000, percentiles: [] });
      const aggregator = new Aggregator();
      aggregator.count('hits', 1);
      try {
        await assert.rejects(sink.deliver(aggregator.swap(), new AbortController().signal), /HTTP 503/);
        assert.equal(collector.requests, 2, `Retry-After ${value}: the first attempt and one after the 1 s minimum`);
        // The wait asked for holds the next delivery back too.
        aggregator.count('hits', 1);
        await assert.rejects(sink.deliver(aggregator.swap(), new AbortController().signal), /waiting 1 s more/);
        assert.equal(collector.requests, 2);
      } finally {
        sink.close();
        await collector.close();
      }
    }));
  });

  test('report() sends at most a few requests per interval', async () => {
    const collector = await HerokuEndpoint.start();
    collector.respond = () => ({ status: 503, headers: { 'Retry-After': '0' } });
    const controller = new AbortController();
    const aggregator = new Aggregator();
    const started = Date.now();
    const running = report(controller.signal, `otlp+http://127.0.0.1:${collector.port}/v1/metrics`, () => undefined, { interval: 250, flushTimeout: 300, aggregator });
    const ticker = setInterval(() => aggregator.count('hits', 1), 20);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    clearInterval(ticker);
    controller.abort();
    await running;
    const intervals = (Date.now() - started) / 250;
    await collector.close();
    // One request per 1 s minimum wait at most, plus the final flush.
    assert.ok(collector.requests >= 1 && collector.requests <= 4, `${collector.requests} requests in ${intervals.toFixed(1)} intervals`);
  });
});

describe('a short job exits promptly (issue 19)', () => {
  test('an OTLP endpoint that resets every connection costs one attempt at exit, not retries until flushTimeout', async () => {
    let connections = 0;
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.resetAndDestroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as import('node:net').AddressInfo).port;
    try {
      const timed = async (env: Record<string, string>, args: string[]): Promise<number> => {
        const started = performance.now();
        const result = await runNode({ args: [...args, '-e', '0'], env });
        assert.equal(result.code, 0, result.stderr);
        return performance.now() - started;
      };
      const bare = await timed({}, []);
      const resetting = await timed({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }, ['--import', 'hmetrics/onload']);
      assert.equal(connections, 1, 'one attempt at exit');
      // flushTimeout is 2 s; before, the job took it all (+2 044 ms wall over bare node).
      assert.ok(resetting - bare < 1_000, `+${Math.round(resetting - bare)} ms over bare node`);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // Now nothing listens: a refused connection, also one attempt.
      const refused = await timed({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }, ['--import', 'hmetrics/onload']);
      assert.ok(refused - bare < 1_000, `+${Math.round(refused - bare)} ms over bare node`);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });
});
