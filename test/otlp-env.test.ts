import assert from 'node:assert/strict';
import { test } from 'node:test';
import { otlpConfigFromEnv } from '../src/otlp/env-config.js';

function read(env: Record<string, string>): { config: ReturnType<typeof otlpConfigFromEnv>; warnings: string[] } {
  const warnings: string[] = [];
  const config = otlpConfigFromEnv(env, (message) => warnings.push(message));
  return { config, warnings };
}

const BASE = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };

test('nothing starts without an endpoint variable, silently', () => {
  assert.deepEqual(read({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), { config: undefined, warnings: [] });
});

test('defaults: protobuf, cumulative, 60 s interval, 10 s timeout; the generic endpoint gets /v1/metrics', () => {
  const { config, warnings } = read(BASE);
  assert.deepEqual(warnings, []);
  assert.deepEqual(config, { endpoint: 'otlp+http://collector:4318/v1/metrics', interval: { value: 60_000, source: 'default', why: 'default', notes: [] }, timeout: 10_000, options: { protocol: 'http/protobuf' } });
  assert.equal(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://x.example/otlp/' }).config?.endpoint, 'otlp+https://x.example/otlp/v1/metrics');
});

test('the metrics endpoint is used as is and wins over the generic one', () => {
  const { config } = read({ ...BASE, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'https://ingest.example:443/custom/path?k=1' });
  assert.equal(config?.endpoint, 'otlp+https://ingest.example/custom/path?k=1');
  assert.equal(read({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://c:4318' }).config?.endpoint, 'otlp+http://c:4318/');
});

test('every variable read, specific ones winning over generic ones', () => {
  const { config, warnings } = read({
    ...BASE,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_HEADERS: 'api-key=generic,x-team=core',
    OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'api-key=specific%20key, x-tenant = a%2Cb ',
    OTEL_EXPORTER_OTLP_TIMEOUT: '5000',
    OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '2500',
    OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
    OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'GZIP',
    OTEL_METRIC_EXPORT_INTERVAL: '1500',
    OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'LowMemory',
    OTEL_SERVICE_NAME: 'checkout',
    OTEL_RESOURCE_ATTRIBUTES: 'service.name=ignored,deployment.environment=prod,team=a%3Db',
  });
  assert.deepEqual(warnings, []);
  assert.deepEqual(config, {
    endpoint: 'otlp+http://collector:4318/v1/metrics',
    interval: { value: 1500, source: 'OTEL_METRIC_EXPORT_INTERVAL', why: 'from OTEL_METRIC_EXPORT_INTERVAL', notes: [] }, // honoured as given: not clamped like Heroku's interval
    timeout: 2500,
    options: {
      protocol: 'http/json',
      headers: { 'api-key': 'specific key', 'x-team': 'core', 'x-tenant': 'a,b' },
      compression: 'gzip',
      temporality: 'lowmemory',
      resourceAttributes: { 'service.name': 'ignored', 'deployment.environment': 'prod', team: 'a=b' },
      serviceName: 'checkout',
    },
  });
});

test('grpc: one clear line, nothing started', () => {
  const { config, warnings } = read({ ...BASE, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
  assert.equal(config, undefined);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported/);
  assert.equal(read({ ...BASE, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json' }).config?.options.protocol, 'http/json');
});

test('OTEL_SDK_DISABLED=true turns it off; other values do not', () => {
  const off = read({ ...BASE, OTEL_SDK_DISABLED: 'TRUE' });
  assert.equal(off.config, undefined);
  assert.match(off.warnings[0]!, /OTEL_SDK_DISABLED=true/);
  assert.ok(read({ ...BASE, OTEL_SDK_DISABLED: 'false' }).config);
  assert.ok(read({ ...BASE, OTEL_SDK_DISABLED: '1' }).config, 'the spec reads only "true"');
});

test('an endpoint that is not an http(s) URL: one line, nothing started, no credentials printed', () => {
  for (const bad of ['not a url', 'udp://c:4318', 'grpc://user:secretpass@c:4317/path']) {
    const { config, warnings } = read({ OTEL_EXPORTER_OTLP_ENDPOINT: bad });
    assert.equal(config, undefined, bad);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /OTLP export not started: OTEL_EXPORTER_OTLP_ENDPOINT/);
    assert.ok(!warnings[0]!.includes('secretpass'));
  }
});

test('malformed values: one line each and the documented fallback', () => {
  const cases: [Record<string, string>, RegExp, (c: NonNullable<ReturnType<typeof otlpConfigFromEnv>>) => void][] = [
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/xml' }, /must be http\/protobuf or http\/json.*using http\/protobuf/, (c) => assert.equal(c.options.protocol, undefined)],
    [{ OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli' }, /must be gzip or none.*uncompressed/, (c) => assert.equal(c.options.compression, undefined)],
    [{ OTEL_EXPORTER_OTLP_TIMEOUT: '-5' }, /OTEL_EXPORTER_OTLP_TIMEOUT="-5" ignored: not a positive integer of milliseconds; using 10000/, (c) => assert.equal(c.timeout, 10_000)],
    [{ OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '1e3' }, /OTEL_EXPORTER_OTLP_METRICS_TIMEOUT="1e3" ignored/, (c) => assert.equal(c.timeout, 10_000)],
    [{ OTEL_METRIC_EXPORT_INTERVAL: '0' }, /OTEL_METRIC_EXPORT_INTERVAL="0" ignored: not a positive integer of milliseconds; using 60000 ms \(the default\)/, (c) => assert.equal(c.interval.value, 60_000)],
    [{ OTEL_METRIC_EXPORT_INTERVAL: 'soon' }, /OTEL_METRIC_EXPORT_INTERVAL/, (c) => assert.equal(c.interval.value, 60_000)],
    [{ OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'both' }, /cumulative, delta or lowmemory.*using cumulative/, (c) => assert.equal(c.options.temporality, undefined)],
    [{ OTEL_RESOURCE_ATTRIBUTES: 'ok=1,broken,=novalue,bad=%E0%A4%A' }, /OTEL_RESOURCE_ATTRIBUTES: entry 2 .*skipped/, (c) => assert.deepEqual(c.options.resourceAttributes, { ok: '1' })],
  ];
  for (const [env, message, check] of cases) {
    const { config, warnings } = read({ ...BASE, ...env });
    assert.ok(config, JSON.stringify(env));
    assert.match(warnings[0]!, message);
    check(config);
  }
  assert.equal(read({ ...BASE, OTEL_RESOURCE_ATTRIBUTES: 'ok=1,broken,=novalue,bad=%E0%A4%A' }).warnings.length, 3);
});

test('a malformed header entry is skipped without printing it', () => {
  const { config, warnings } = read({ ...BASE, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20tok,secret-token-without-equals,x=%ZZsecret' });
  assert.deepEqual(config?.options.headers, { authorization: 'Bearer tok' });
  assert.equal(warnings.length, 2);
  for (const warning of warnings) assert.ok(!/secret|tok/.test(warning), warning);
  assert.match(warnings[0]!, /OTEL_EXPORTER_OTLP_HEADERS: entry 2 is not key=value/);
});
