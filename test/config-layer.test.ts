import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createRuntimeSampler, init, prometheusText, report, startEmitting } from 'hmetrics';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readCount } from '../src/config/count.js';
import { parseCsmAddress } from '../src/csm/address.js';
import { checkDuration } from '../src/config/check-duration.js';
import { MAX_DURATION, readDuration } from '../src/config/duration.js';
import { missingSchemeHint } from '../src/config/endpoint.js';
import { describeBind, parseListenAddress } from '../src/config/listen-address.js';
import { endpointFromEnv, intervalFromEnv, otlpIntervalFromEnv, readConfig } from '../src/config/read.js';
import { otlpConfigFromEnv } from '../src/otlp/env-config.js';
import { startStory } from '../src/startup/start-story.js';
import { listenFailure } from '../src/cli/main.js';
import { PACKAGE_ROOT, runNode } from './helpers/child.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';

// The one configuration layer (src/config): every variable read once, through one parser per
// kind of value, with the variable it came from (docs/configuration.md).

const TOO_LONG = '3000000000'; // above 2^31 − 1 ms: Node would fire such a timer after 1 ms

describe('durations: one parser, a floor and a ceiling of 2147483647 ms', () => {
  test('report({ interval: 2**31 }) and every other duration option reject with a clear error', async () => {
    for (const name of ['interval', 'timeout', 'flushTimeout'] as const) {
      await assert.rejects(report(undefined, 'log:', null, { [name]: 2 ** 31 }), {
        name: 'InvalidOption',
        message: `Expected \`${name}\` to be a positive integer of ms up to 2147483647 (the longest delay a Node timer holds), got 2147483648`,
      });
    }
    init('config-layer-test');
    for (const name of ['timeout', 'finalTimeout', 'initialDelay'] as const) {
      assert.throws(() => startEmitting('http://127.0.0.1:9/', { [name]: 2 ** 31 }), new RegExp(`Expected \`${name}\` to be .*up to 2147483647`));
    }
    assert.equal(checkDuration('interval', MAX_DURATION), MAX_DURATION);
    assert.throws(() => checkDuration('interval', 0), /got 0$/);
  });

  test('the sampler\'s delayResolution and Prometheus\' workerTimeout have the same ceiling', async () => {
    assert.throws(() => createRuntimeSampler({ delayResolution: 2 ** 31 }), /Expected `delayResolution` to be a positive integer of ms up to 2147483647/);
    await assert.rejects(prometheusText('text', { workerTimeout: 2 ** 31 }), /Expected `workerTimeout` to be a positive integer of ms up to 2147483647/);
    await assert.rejects(prometheusText('text', { delayResolution: 2 ** 31 }), /Expected `delayResolution` to be a positive integer of ms up to 2147483647/);
  });

  test('each duration variable above the ceiling falls back to its documented default, with a note', () => {
    const interval = intervalFromEnv({ HMETRICS_INTERVAL: TOO_LONG });
    assert.equal(interval.value, 20_000);
    assert.deepEqual(interval.notes, [`HMETRICS_INTERVAL="${TOO_LONG}" ignored: above 2147483647 ms, the longest delay a Node timer holds; using 20000 ms (the default)`]);
    const override = intervalFromEnv({ METRICS_INTERVAL_OVERRIDE: TOO_LONG });
    assert.equal(override.value, 20_000);
    assert.match(override.notes[0]!, /^METRICS_INTERVAL_OVERRIDE="3000000000" ignored: above 2147483647 ms/);
    // The next rule applies: a bad HMETRICS_INTERVAL leaves Heroku's override in charge.
    assert.equal(intervalFromEnv({ HMETRICS_INTERVAL: TOO_LONG, METRICS_INTERVAL_OVERRIDE: '30000' }).value, 30_000);
    assert.equal(intervalFromEnv({ HMETRICS_INTERVAL: String(MAX_DURATION) }).value, MAX_DURATION);

    const warnings: string[] = [];
    const otlp = otlpConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_METRIC_EXPORT_INTERVAL: TOO_LONG, OTEL_EXPORTER_OTLP_TIMEOUT: TOO_LONG }, (m) => warnings.push(m))!;
    assert.equal(otlp.interval.value, 60_000);
    assert.equal(otlp.timeout, 10_000);
    assert.deepEqual(warnings.sort(), [
      `OTEL_EXPORTER_OTLP_TIMEOUT="${TOO_LONG}" ignored: above 2147483647 ms, the longest delay a Node timer holds; using 10000`,
      `OTEL_METRIC_EXPORT_INTERVAL="${TOO_LONG}" ignored: above 2147483647 ms, the longest delay a Node timer holds; using 60000 ms (the default)`,
    ]);
    assert.deepEqual(readDuration('X', ' 1.5 ', { fallback: 'y' }), { value: undefined, note: 'X="1.5" ignored: not a positive integer of milliseconds; using y' });
    assert.deepEqual(readDuration('X', '-5', {}), { value: undefined, note: 'X="-5" ignored: not a positive integer of milliseconds' });
  });

  test('OTLP honours HMETRICS_INTERVAL when OTEL_METRIC_EXPORT_INTERVAL is unset (OpenTelemetry\'s variable wins)', () => {
    assert.deepEqual([otlpIntervalFromEnv({ HMETRICS_INTERVAL: '3000' }).value, otlpIntervalFromEnv({ HMETRICS_INTERVAL: '3000' }).source], [3000, 'HMETRICS_INTERVAL']);
    const both = otlpIntervalFromEnv({ HMETRICS_INTERVAL: '3000', OTEL_METRIC_EXPORT_INTERVAL: '5000' });
    assert.equal(both.value, 5000);
    assert.deepEqual(both.notes, ['HMETRICS_INTERVAL=3000 ignored: OTEL_METRIC_EXPORT_INTERVAL takes precedence']);
    assert.equal(otlpIntervalFromEnv({ METRICS_INTERVAL_OVERRIDE: '30000' }).value, 60_000, "Heroku's override is not OTLP's");
    assert.equal(otlpIntervalFromEnv({ HMETRICS_INTERVAL: '200' }).value, 1000, 'the same 1 s floor');
  });

  test('verbose names the OTLP cadence and the variable it came from', async () => {
    const result = await runNode({
      args: ['--import', 'hmetrics/onload', '-e', '0'],
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', HMETRICS_INTERVAL: '3000', HMETRICS_VERBOSE: '1' },
    });
    assert.match(result.stderr, /\[hmetrics\] OTLP export to otlp\+http:\/\/127\.0\.0\.1:9\/… every 3000 ms \(from HMETRICS_INTERVAL; first export after one interval;/);
  });

  test('regression: HMETRICS_INTERVAL=3000000000 is not a 1 ms loop (no POST storm, no TimeoutOverflowWarning)', async () => {
    const endpoint = await HerokuEndpoint.start();
    try {
      const result = await runNode({
        args: ['--import', 'hmetrics/onload', '-e', 'setTimeout(() => {}, 1000)'],
        env: { HMETRICS_URL: `http://127.0.0.1:${endpoint.port}/`, HMETRICS_INTERVAL: TOO_LONG, HMETRICS_VERBOSE: '1' },
      });
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /TimeoutOverflowWarning/);
      assert.match(result.stderr, /\[hmetrics\] interval 20000 ms \(default\)\n\[hmetrics\] HMETRICS_INTERVAL="3000000000" ignored: above 2147483647 ms/);
      assert.equal(endpoint.requests, 1, 'only the exit flush (before: ~1 300 POSTs in 2 s)');
    } finally {
      await endpoint.close();
    }
  });
});

describe('listen addresses: one parser for every listener', () => {
  test('port, host:port and [v6]:port; anything else a clear error with a hint', () => {
    assert.deepEqual(parseListenAddress('8125'), { port: 8125 });
    assert.deepEqual(parseListenAddress('0.0.0.0:8125'), { host: '0.0.0.0', port: 8125 });
    assert.deepEqual(parseListenAddress('localhost:0'), { host: 'localhost', port: 0 });
    assert.deepEqual(parseListenAddress('[::1]:8125'), { host: '::1', port: 8125 });
    assert.throws(() => parseListenAddress('::1:8125', 'HMETRICS_STATSD_LISTEN'), { name: 'InvalidOption', message: 'Expected `HMETRICS_STATSD_LISTEN` to be a port, host:port or [v6]:port: bracket an IPv6 host, as in [::1]:8125, got "::1:8125"' });
    assert.throws(() => parseListenAddress(':8125'), { message: 'Expected `address` to be a port, host:port or [v6]:port: write 8125 (default host) or 0.0.0.0:8125 (every interface), got ":8125"' });
    for (const bad of ['', 'abc', '[::1]', '[::1]8125', '[127.0.0.1]:1', '8125x', '99999', 'host:', '-1', 'a:b:c']) {
      assert.throws(() => parseListenAddress(bad), { name: 'InvalidOption' }, bad);
    }
    // CSM addresses: the same rule, with a host and a port ≥ 1 required.
    assert.deepEqual(parseCsmAddress('[::1]:31000'), { host: '::1', port: 31000, family: 'udp6' });
    assert.deepEqual(parseCsmAddress('127.0.0.1:31000'), { host: '127.0.0.1', port: 31000, family: 'udp4' });
    for (const bad of ['::1:31000', ':31000', '31000', '127.0.0.1:0']) assert.throws(() => parseCsmAddress(bad), { name: 'InvalidOption' }, bad);
    assert.equal(describeBind('::', 9464), 'port 9464 on all interfaces');
    assert.equal(describeBind('0.0.0.0', 9464), 'port 9464 on all interfaces');
    assert.equal(describeBind('::1', 9464), '[::1]:9464');
  });

  test('statsd and Prometheus refuse both ambiguous shapes the same way, each with its hint', async () => {
    for (const [statsd, prometheus] of [['::1:8125', ':9464'], [':8125', '::1:9464']] as const) {
      const result = await runNode({
        args: ['--import', 'hmetrics/onload', '-e', 'setTimeout(() => {}, 100)'],
        env: { HMETRICS_STATSD_LISTEN: statsd, HMETRICS_PROMETHEUS_LISTEN: prometheus, HMETRICS_VERBOSE: '1' },
      });
      assert.equal(result.code, 0, result.stderr);
      const hint = (value: string): RegExp => value.startsWith('::')
        ? new RegExp(`bracket an IPv6 host, as in \\[::1\\]:${value.slice(4)}, got "${value}"`)
        : new RegExp(`write ${value.slice(1)} \\(default host\\) or 0\\.0\\.0\\.0:${value.slice(1)} \\(every interface\\), got "${value}"`);
      assert.match(result.stderr, new RegExp(`statsd receiver not started: Expected \`HMETRICS_STATSD_LISTEN\`.*${hint(statsd).source}`));
      assert.match(result.stderr, new RegExp(`prometheus not started: Expected \`HMETRICS_PROMETHEUS_LISTEN\`.*${hint(prometheus).source}`));
    }
  });

  test('statsd and Prometheus both bind [v6]:port and host:port', async () => {
    const result = await runNode({
      args: ['--import', 'hmetrics/onload', '-e', 'setTimeout(() => {}, 600)'],
      env: { HMETRICS_STATSD_LISTEN: '[::1]:0', HMETRICS_PROMETHEUS_LISTEN: '127.0.0.1:0', HMETRICS_VERBOSE: '1' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /statsd receiver listening on \[::1\]:\d+/);
    assert.match(result.stderr, /prometheus: serving \/metrics on 127\.0\.0\.1:\d+/);
    const again = await runNode({
      args: ['--import', 'hmetrics/onload', '-e', 'setTimeout(() => {}, 600)'],
      env: { HMETRICS_STATSD_LISTEN: '127.0.0.1:0', HMETRICS_PROMETHEUS_LISTEN: '[::1]:0', HMETRICS_VERBOSE: '1' },
    });
    assert.match(again.stderr, /statsd receiver listening on 127\.0\.0\.1:\d+/);
    assert.match(again.stderr, /prometheus: serving \/metrics on \[::1\]:\d+/);
  });
});

describe('counts', () => {
  test('a positive safe integer, else an error naming the variable', () => {
    assert.deepEqual(readCount('N', ' 500 '), { value: 500 });
    assert.deepEqual(readCount('N', undefined), { value: undefined });
    for (const bad of ['0', '-1', '1.5', '1e3', 'lots', '9007199254740993']) {
      assert.equal(readCount('N', bad).error, `N must be a positive integer, got ${JSON.stringify(bad)}`, bad);
    }
  });
});

describe('the endpoint rule, written once', () => {
  test('HMETRICS_URL first, then HEROKU_METRICS_URL', () => {
    assert.deepEqual(endpointFromEnv({ HMETRICS_URL: ' log: ', HEROKU_METRICS_URL: 'http://h/' }), { value: 'log:', variable: 'HMETRICS_URL', shadowed: true });
    assert.deepEqual(endpointFromEnv({ HMETRICS_URL: '  ', HEROKU_METRICS_URL: 'http://h/' }), { value: 'http://h/', variable: 'HEROKU_METRICS_URL', shadowed: false });
    assert.deepEqual(endpointFromEnv({}), { value: '', variable: undefined, shadowed: false });
    assert.equal(readConfig({ HEROKU_METRICS_URL: 'udp://x:1' }).endpoint.variable, 'HEROKU_METRICS_URL');
  });

  test('an endpoint without a scheme: "did you mean http://…?", from report() and first in verbose', async () => {
    await assert.rejects(report(undefined, '127.0.0.1:8126'), { name: 'InvalidEndpoint', message: /is not a URL \(14 characters\) \(did you mean http:\/\/127\.0\.0\.1:8126\?\)$/ });
    await assert.rejects(report(undefined, 'localhost:8126'), { name: 'InvalidEndpoint', message: /has no scheme \(did you mean http:\/\/localhost:8126\?\)$/ });
    assert.equal(missingSchemeHint('bob:pa55word@host:1'), '', 'never echoes credentials');
    assert.equal(missingSchemeHint('[::1]:8126/x?token=1'), ' (did you mean http://[::1]:8126?)');
    const story = startStory({ HMETRICS_URL: 'localhost:8126', HMETRICS_PROMETHEUS_LISTEN: '9464' });
    assert.equal(story[0], 'stopped: Invalid metrics endpoint: endpoint 1 has no scheme (did you mean http://localhost:8126?)');
    assert.equal(story[1], 'HMETRICS_PROMETHEUS_LISTEN=9464: Prometheus listens on port 9464 on all interfaces (write 127.0.0.1:9464 for this host only)');
    const result = await runNode({ args: ['--import', 'hmetrics/onload', '-e', 'setTimeout(() => {}, 100)'], env: { HMETRICS_URL: '127.0.0.1:8126', HMETRICS_VERBOSE: '1' } });
    const told = result.stderr.split('\n').filter(Boolean);
    assert.equal(told[0], '[hmetrics] stopped: Invalid metrics endpoint: endpoint 1 is not a URL (14 characters) (did you mean http://127.0.0.1:8126?)');
    assert.equal(told.filter((line) => line.includes('did you mean')).length, 1, 'said once');
  });

  test('hmetrics receive on a busy port suggests --port 0 or another port', async () => {
    const busy = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    assert.equal(listenFailure(busy, 8126), 'port 8126 is already in use (EADDRINUSE; another receiver?); try --port 0 for a free port, or --port 8127');
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const result = await runNode({ args: ['dist/src/cli/main.js', 'receive', '--port', String(port)] });
      assert.equal(result.code, 1);
      assert.equal(result.stderr, `hmetrics: cannot listen on 127.0.0.1:${port}: port ${port} is already in use (EADDRINUSE; another receiver?); try --port 0 for a free port, or --port ${port + 1}\n`);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});

describe('nothing reads process.env outside the configuration layer', () => {
  test('src/ names process.env only in src/config/', () => {
    const root = join(PACKAGE_ROOT, 'src');
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) { if (path !== join(root, 'config')) walk(path); continue; }
        if (!name.endsWith('.ts')) continue;
        readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
          // Doc comments may show users `process.env.X`; code may not read it.
          if (/process\.env\b/.test(line) && !/^\s*(\*|\/\/)/.test(line)) offenders.push(`${path.slice(root.length + 1)}:${i + 1}`);
        });
      }
    };
    walk(root);
    assert.deepEqual(offenders, []);
  });
});

