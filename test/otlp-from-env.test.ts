/** How onload's OTLP starter picks its mode (a fake supervisor records what it was asked to run). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startOtlpFromEnv, type SupervisorLike } from '../src/otlp/from-env.js';
import { runtimeExportLoop } from '../src/otlp/runtime-loop.js';

function fakeSupervise() {
  const calls: { endpoint: string; options: Record<string, unknown> }[] = [];
  const supervise = (endpoint: string, options: Record<string, unknown>): SupervisorLike => {
    calls.push({ endpoint, options });
    return { done: Promise.resolve(), stop: async () => undefined };
  };
  return { calls, supervise: supervise as Parameters<typeof startOtlpFromEnv>[1] };
}

const OTEL = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_METRIC_EXPORT_INTERVAL: '15000', OTEL_EXPORTER_OTLP_TIMEOUT: '3000' };

test('alone: the OTLP endpoint is the report loop, at the OTEL interval and timeout', () => {
  const { calls, supervise } = fakeSupervise();
  const result = startOtlpFromEnv(OTEL, supervise, undefined);
  assert.ok(result);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]!.endpoint, 'otlp+http://collector:4318/v1/metrics');
  assert.equal(calls[0]!.options['interval'], 15_000);
  assert.equal(calls[0]!.options['run'], undefined, 'report() itself');
  assert.deepEqual(calls[0]!.options['reportOptions'], { timeout: 3000, otlp: { protocol: 'http/protobuf' } });
});

test('beside a report loop: a second, runtime-only loop; stopping the result stops both', async () => {
  const { calls, supervise } = fakeSupervise();
  let primaryStopped = false;
  const primary: SupervisorLike = { done: Promise.resolve(), stop: async () => { primaryStopped = true; } };
  const result = startOtlpFromEnv({ ...OTEL, HEROKU_METRICS_URL: 'https://heroku.example/metrics' }, supervise, primary);
  assert.notEqual(result, primary);
  assert.equal(calls[0]!.options['run'], runtimeExportLoop);
  await result!.stop();
  assert.equal(primaryStopped, true);
  await result!.done;
});

test('an otlp+ endpoint already in HMETRICS_URL wins: no second OTLP export', () => {
  const { calls, supervise } = fakeSupervise();
  const primary: SupervisorLike = { done: Promise.resolve(), stop: async () => undefined };
  assert.equal(startOtlpFromEnv({ ...OTEL, HMETRICS_URL: 'log: otlp+http://c:4318/v1/metrics' }, supervise, primary), primary);
  assert.equal(calls.length, 0);
});

test('nothing to start: the primary is returned untouched', () => {
  const { calls, supervise } = fakeSupervise();
  assert.equal(startOtlpFromEnv({ ...OTEL, OTEL_SDK_DISABLED: 'true' }, supervise, undefined), undefined);
  assert.equal(calls.length, 0);
});
