import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AlreadyStarted, Aggregator, HerokuMetricsURLUnset, InvalidEndpoint, InvalidOption, isFatal, isHmetricsError, isReporting, report,
} from 'hmetrics';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { until } from './helpers/wait.js';

let endpoint: HerokuEndpoint;
before(async () => { endpoint = await HerokuEndpoint.start(); });
after(async () => { await endpoint.close(); });

const quiet = { runtime: false, interval: 50 } as const;

describe('report() lock', () => {
  test('a second call while one runs rejects with AlreadyStarted (not fatal); after abort it starts again', async () => {
    const first = new AbortController();
    const running = report(first.signal, endpoint.url(), null, quiet);
    assert.equal(isReporting(), true);
    const second = report(undefined, endpoint.url(), null, quiet);
    await assert.rejects(second, (err: unknown) => {
      assert.ok(err instanceof AlreadyStarted);
      assert.equal((err as AlreadyStarted).code, 'ERR_HMETRICS_ALREADY_STARTED');
      assert.equal((err as AlreadyStarted).fatal(), false);
      assert.equal(isFatal(err), false);
      return true;
    });
    first.abort();
    await running;
    assert.equal(isReporting(), false);

    const again = new AbortController();
    const before = endpoint.payloads.length;
    const restarted = report(again.signal, endpoint.url(), null, quiet);
    await endpoint.waitForPayloads(before + 1);
    again.abort();
    await restarted;
  });
});

describe('report() configuration errors', () => {
  for (const empty of [undefined, '', '   ']) {
    test(`endpoint ${JSON.stringify(empty)} rejects with HerokuMetricsURLUnset (fatal)`, async () => {
      await assert.rejects(report(undefined, empty, null, quiet), (err: unknown) => {
        assert.ok(err instanceof HerokuMetricsURLUnset);
        assert.equal((err as HerokuMetricsURLUnset).code, 'ERR_HMETRICS_URL_UNSET');
        assert.equal(isFatal(err), true);
        return true;
      });
      assert.equal(isReporting(), false, 'a rejected start holds no lock');
    });
  }

  const invalid: Array<[string, RegExp]> = [
    ['not a url at all', /not a URL/],
    ['ftp://user:secret@example.com/path?token=abc', /scheme ftp:/],
    ['udp://statsd.local', /needs a port/],
    ['http://:8080', /not a URL|no host/],
  ];
  for (const [value, message] of invalid) {
    test(`endpoint ${JSON.stringify(value)} rejects with InvalidEndpoint (fatal), without its secrets`, async () => {
      await assert.rejects(report(undefined, value, null, quiet), (err: unknown) => {
        assert.ok(err instanceof InvalidEndpoint);
        assert.equal((err as InvalidEndpoint).code, 'ERR_HMETRICS_INVALID_ENDPOINT');
        assert.equal((err as InvalidEndpoint).fatal(), true);
        assert.match((err as Error).message, message);
        assert.doesNotMatch((err as Error).message, /secret|token=abc|user/);
        assert.doesNotMatch(String((err as Error).stack), /secret|token=abc/);
        return true;
      });
    });
  }

  test('one bad endpoint among several rejects the whole call', async () => {
    await assert.rejects(report(undefined, `${endpoint.url()} gopher://x`, null, quiet), InvalidEndpoint);
  });

  for (const [option, value] of [['interval', 0], ['interval', 1.5], ['timeout', -1], ['flushTimeout', Number.NaN], ['percentiles', [0]], ['percentiles', [101]]] as const) {
    test(`option ${option}=${JSON.stringify(value)} rejects with InvalidOption naming it`, async () => {
      await assert.rejects(report(undefined, endpoint.url(), null, { [option]: value } as never), (err: unknown) => {
        assert.ok(err instanceof InvalidOption);
        assert.match((err as Error).message, new RegExp(`\`${option}\``));
        assert.equal(isFatal(err), true);
        return true;
      });
    });
  }

  for (const [what, args, message] of [
    ['a signal that is not an AbortSignal', [{ aborted: false }, 'log:', null, {}], /Expected `signal` to be an AbortSignal or undefined, got Object/],
    ['an errHandler that is not a function', [undefined, 'log:', 'print it', {}], /Expected `errHandler` to be a function, null or undefined, got "print it"/],
    ['options that are not an object', [undefined, 'log:', null, 5], /Expected `options` to be an object, got 5/],
  ] as const) {
    test(`${what} rejects with InvalidOption at once`, async () => {
      await assert.rejects((report as (...a: unknown[]) => Promise<void>)(...args), (err: unknown) => {
        assert.ok(err instanceof InvalidOption);
        assert.match((err as Error).message, message);
        return true;
      });
      assert.equal(isReporting(), false);
    });
  }

  test('an endpoint that is not a string rejects with InvalidEndpoint', async () => {
    await assert.rejects((report as (...a: unknown[]) => Promise<void>)(undefined, 8125, null, quiet), (err: unknown) => {
      assert.ok(err instanceof InvalidEndpoint);
      assert.match((err as Error).message, /expected a string of URLs separated by spaces, got number/);
      return true;
    });
  });

  test('isHmetricsError works on an error from another copy of the package (brand, not instanceof)', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('hmetrics.error')]: true, fatal: () => true });
    assert.equal(isHmetricsError(foreign), true);
    assert.equal(isFatal(foreign), true);
    assert.equal(isHmetricsError(new Error('plain')), false);
  });
});

describe('report() delivery', () => {
  test('sends counters, gauges and timers of the aggregator, with the Heroku headers', async () => {
    const aggregator = new Aggregator();
    aggregator.count('orders.placed', 3);
    aggregator.count('orders.placed', 4, ['region:eu']);
    aggregator.gauge('queue.depth', -2);
    for (const v of [10, 20, 30, 40]) aggregator.timing('db.query', v);
    const controller = new AbortController();
    const before = endpoint.payloads.length;
    const done = report(controller.signal, endpoint.url('/v1/token-in-path'), null, { ...quiet, aggregator });
    await endpoint.waitForPayloads(before + 1);
    controller.abort();
    await done;
    const payload = endpoint.payloads[before]!;
    assert.equal(payload.path, '/v1/token-in-path');
    assert.equal(payload.headers['content-type'], 'application/json');
    assert.equal(Number(payload.headers['content-length']), Buffer.byteLength(payload.raw));
    assert.match(String(payload.headers['measurements-time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.deepEqual(payload.body.counters, { 'orders.placed': 3, 'orders.placed.region_eu': 4, 'db.query.count': 4 });
    assert.equal(payload.body.gauges['queue.depth'], -2);
    assert.equal(payload.body.gauges['db.query.min'], 10);
    assert.equal(payload.body.gauges['db.query.max'], 40);
    assert.equal(payload.body.gauges['db.query.mean'], 25);
    assert.equal(payload.body.gauges['db.query.median'], 25, 'mean of the two middle values');
    assert.equal(payload.body.gauges['db.query.p99'], 40);
  });

  test('every endpoint of a space-separated list gets the same snapshot; a failing one does not hold back the other', async () => {
    const other = await HerokuEndpoint.start();
    other.respond = () => ({ status: 503 });
    const aggregator = new Aggregator();
    aggregator.count('both', 1);
    const controller = new AbortController();
    const errors: Error[] = [];
    const before = endpoint.payloads.length;
    const done = report(controller.signal, `${endpoint.url()}  ${other.url()}`, (e) => { errors.push(e); }, { ...quiet, aggregator });
    await endpoint.waitForPayloads(before + 1);
    await until(() => errors.length > 0, 5_000, 'the failing endpoint to be reported');
    controller.abort();
    await done;
    await other.close();
    assert.equal(endpoint.payloads[before]!.body.counters['both'], 1);
    assert.match(errors[0]!.message, /HTTP 503/);
    assert.equal((errors[0] as { status?: number }).status, 503);
  });

  test('abort ends the loop with one final delivery of the partial interval, then resolves', async () => {
    const aggregator = new Aggregator();
    const controller = new AbortController();
    const before = endpoint.payloads.length;
    const done = report(controller.signal, endpoint.url(), null, { ...quiet, interval: 60_000, aggregator });
    aggregator.count('partial.interval', 42);
    controller.abort();
    await done;
    assert.equal(endpoint.payloads.length, before + 1, 'exactly one final delivery');
    assert.equal(endpoint.payloads[before]!.body.counters['partial.interval'], 42);
    assert.equal(isReporting(), false);
  });

  test('an already-aborted signal still makes one final delivery and resolves', async () => {
    const aggregator = new Aggregator();
    aggregator.count('already.aborted', 1);
    const before = endpoint.payloads.length;
    await report(AbortSignal.abort(), endpoint.url(), null, { ...quiet, aggregator });
    assert.equal(endpoint.payloads.length, before + 1);
    assert.equal(endpoint.payloads[before]!.body.counters['already.aborted'], 1);
  });

  test('the final delivery is bounded by flushTimeout when the endpoint hangs', async () => {
    const hanging = await HerokuEndpoint.start();
    hanging.respond = () => ({ status: 200, hang: true });
    const started = performance.now();
    await report(AbortSignal.abort(), hanging.url(), null, { ...quiet, interval: 60_000, flushTimeout: 200 });
    const took = performance.now() - started;
    await hanging.close();
    // Not a speed claim: an unbounded flush would wait for the 10 s request timeout.
    assert.ok(took < 5_000, `flush took ${took} ms`);
  });
});
