import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { explainInterval } from '../src/startup/start-story.js';
import { runNode } from './helpers/child.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';

// Verbose mode tells the whole story once: at start the endpoints (redacted), the interval and
// why, what was left off and why; then one line per delivery; each problem once. Child
// processes, reading their stderr.

const ONLOAD = ['--import', 'hmetrics/onload'];
const SECRETS = ['bob', 'pa55word', 'token-abc123', 'qwerty'];

/** The `[hmetrics]` lines a child wrote, without the prefix. */
function lines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('[hmetrics] ')).map((line) => line.slice('[hmetrics] '.length));
}

describe('verbose mode', () => {
  let endpoint: HerokuEndpoint;
  before(async () => { endpoint = await HerokuEndpoint.start(); });
  after(() => endpoint.close());

  const secretUrl = (): string => `http://bob:pa55word@127.0.0.1:${endpoint.port}/token-abc123?key=qwerty`;

  test('start: redacted endpoint and sink, interval and its variable, areas left off; then one line per delivery', async () => {
    endpoint.respond = () => ({ status: 200 });
    const result = await runNode({
      args: [...ONLOAD, '-e', 'setTimeout(() => {}, 3000)'],
      env: { HEROKU_METRICS_URL: secretUrl(), HMETRICS_INTERVAL: '1000', HMETRICS_VERBOSE: '1' },
    });
    assert.equal(result.code, 0);
    const told = lines(result.stderr);
    assert.deepEqual(told.slice(0, 3), [
      `endpoints (from HEROKU_METRICS_URL): http://127.0.0.1:${endpoint.port}/… → heroku sink`,
      'interval 1000 ms (from HMETRICS_INTERVAL)',
      'not started: telemetry emitter (HMETRICS_TELEMETRY_URL unset), statsd receiver (HMETRICS_STATSD_LISTEN unset), AWS CSM (AWS_CSM_ENABLED unset), HTTP client monitor (HMETRICS_HTTP_CLIENT unset), Prometheus endpoint (HMETRICS_PROMETHEUS_LISTEN unset)',
    ]);
    const deliveries = told.filter((line) => line.startsWith('delivered '));
    assert.ok(deliveries.length >= 1, result.stderr);
    for (const line of deliveries) assert.match(line, new RegExp(`^delivered \\d+ series to http://127\\.0\\.0\\.1:${endpoint.port}/… in \\d+ ms$`));
    for (const secret of SECRETS) assert.ok(!result.stderr.includes(secret), `${secret} leaked`);
  });

  test('each failed delivery is told once, in one line, without credentials (NODE_DEBUG=hmetrics too)', async () => {
    endpoint.respond = () => ({ status: 500 });
    for (const env of [{ HMETRICS_VERBOSE: '1' }, { NODE_DEBUG: 'http2,hmetrics' }]) {
      const before = endpoint.rejected.length;
      const result = await runNode({
        args: [...ONLOAD, '-e', 'setTimeout(() => {}, 3000)'],
        env: { HEROKU_METRICS_URL: secretUrl(), HMETRICS_INTERVAL: '1000', ...env },
      });
      assert.equal(result.code, 0);
      const told = lines(result.stderr);
      const failures = told.filter((line) => line.includes('HTTP 500'));
      // A failing endpoint retries every interval (it never restarts the loop): one line per
      // delivery that failed, never two, and nothing else about it.
      const attempts = endpoint.rejected.length - before;
      assert.ok(attempts >= 2, `${attempts} deliveries`);
      assert.equal(failures.length, attempts, `each failure is told once:\n${result.stderr}`);
      for (const failure of failures) {
        assert.match(failure, new RegExp(`^delivery to http://127\\.0\\.0\\.1:${endpoint.port}/… failed: HTTP 500 \\(\\d+ ms; \\d+ series kept for the next delivery\\)$`));
      }
      assert.ok(!told.some((line) => line.startsWith('restarting')), result.stderr);
      for (const secret of SECRETS) assert.ok(!told.join('\n').includes(secret), `${secret} leaked`);
    }
  });

  test('an invalid or clamped METRICS_INTERVAL_OVERRIDE is named, with the interval used', async () => {
    const story = async (env: Record<string, string>): Promise<string[]> => {
      const result = await runNode({ args: [...ONLOAD, '-e', '0'], env: { HMETRICS_URL: 'log:', HMETRICS_VERBOSE: '1', ...env } });
      assert.equal(result.code, 0);
      return lines(result.stderr);
    };
    const invalid = await story({ METRICS_INTERVAL_OVERRIDE: 'abc' });
    assert.equal(invalid[0], 'endpoints (from HMETRICS_URL): log: → log sink');
    assert.equal(invalid[1], 'interval 20000 ms (default)');
    assert.equal(invalid[2], 'METRICS_INTERVAL_OVERRIDE="abc" ignored: not a positive integer of milliseconds; using 20000 ms (the default)');
    const clamped = await story({ METRICS_INTERVAL_OVERRIDE: '5000' });
    assert.equal(clamped[1], "interval 10000 ms (METRICS_INTERVAL_OVERRIDE=5000 clamped up to Heroku's floor of 10000 ms)");
  });

  test('nothing to report, both URLs set, an invalid endpoint: each said once', async () => {
    const none = await runNode({ args: [...ONLOAD, '-e', '0'], env: { HMETRICS_VERBOSE: '1' } });
    assert.equal(lines(none.stderr)[0], 'no report loop: neither HMETRICS_URL nor HEROKU_METRICS_URL is set');

    const both = await runNode({ args: [...ONLOAD, '-e', '0'], env: { HMETRICS_VERBOSE: '1', HMETRICS_URL: 'log:', HEROKU_METRICS_URL: secretUrl() } });
    assert.equal(lines(both.stderr)[0], 'endpoints (from HMETRICS_URL; HEROKU_METRICS_URL ignored): log: → log sink');

    const invalid = await runNode({ args: [...ONLOAD, '-e', 'setTimeout(() => {}, 100)'], env: { HMETRICS_VERBOSE: '1', HMETRICS_URL: 'ftp://bob:pa55word@host/token-abc123' } });
    const told = lines(invalid.stderr);
    assert.equal(told.filter((line) => line.includes('ftp:')).length, 1, invalid.stderr);
    assert.match(told.find((line) => line.includes('ftp:'))!, /^stopped: .*ftp:\/\/host\/… has scheme ftp:/);
    assert.ok(!told.some((line) => line.startsWith('interval')), 'no interval for a loop that never runs');
    for (const secret of SECRETS) assert.ok(!invalid.stderr.includes(secret), `${secret} leaked`);
  });

  test('silent unless asked', async () => {
    const result = await runNode({ args: [...ONLOAD, '-e', '0'], env: { HMETRICS_URL: 'log:', METRICS_INTERVAL_OVERRIDE: 'abc' } });
    assert.equal(result.stderr, '');
  });
});

describe('explainInterval', () => {
  test('says which variable chose the interval, and why any other was ignored or clamped', () => {
    assert.deepEqual(explainInterval({}), ['interval 20000 ms (default)']);
    assert.deepEqual(explainInterval({ METRICS_INTERVAL_OVERRIDE: '30000' }), ['interval 30000 ms (from METRICS_INTERVAL_OVERRIDE)']);
    assert.deepEqual(explainInterval({ METRICS_INTERVAL_OVERRIDE: '0' }), ['interval 20000 ms (default)', 'METRICS_INTERVAL_OVERRIDE="0" ignored: not a positive integer of milliseconds; using 20000 ms (the default)']);
    assert.deepEqual(explainInterval({ HMETRICS_INTERVAL: '200' }), ['interval 1000 ms (HMETRICS_INTERVAL=200 clamped up to the floor of 1000 ms)']);
    assert.deepEqual(explainInterval({ HMETRICS_INTERVAL: '5000', METRICS_INTERVAL_OVERRIDE: '30000' }), [
      'interval 5000 ms (from HMETRICS_INTERVAL)',
      'METRICS_INTERVAL_OVERRIDE=30000 ignored: HMETRICS_INTERVAL takes precedence',
    ]);
    assert.deepEqual(explainInterval({ HMETRICS_INTERVAL: '1.5', METRICS_INTERVAL_OVERRIDE: '12000' }), [
      'interval 12000 ms (from METRICS_INTERVAL_OVERRIDE)',
      'HMETRICS_INTERVAL="1.5" ignored: not a positive integer of milliseconds; using 12000 ms from METRICS_INTERVAL_OVERRIDE',
    ]);
  });
});
