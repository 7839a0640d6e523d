/**
 * The incoming-HTTP monitor's series under each output's names: Prometheus'
 * `http_server_request_duration_seconds` histogram with `method`, `route`, `status_code`, and
 * OTLP's semantic-convention `http.server.request.duration` (seconds, advised buckets,
 * `http.*` attributes), `http.server.active_requests`, body sizes.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, test } from 'node:test';
import Fastify from 'fastify';
import { prometheusText, processAggregator, stopPrometheus } from 'hmetrics';
import { Aggregator } from '../src/metrics/aggregator.js';
import { disableHttpServerMonitor, enableHttpServerMonitor } from '../src/http-server/monitor.js';
import { HTTP_DURATION_BUCKETS } from '../src/http-server/otlp-descriptors.js';
import { buildExport, ExportState } from '../src/otlp/build-request.js';
import type { HistogramPoint } from '../src/otlp/model.js';
import { resolveOtlpOptions } from '../src/otlp/options.js';
import { parseExposition, valueOf } from './helpers/exposition.js';
import { until } from './helpers/wait.js';

afterEach(() => {
  disableHttpServerMonitor();
  stopPrometheus();
  processAggregator.swap();
});

async function fastifyApp(): Promise<{ port: number; close: () => Promise<void> }> {
  const app = Fastify();
  app.get('/orders/:id', async () => 'order');
  app.post('/orders', async () => ({ created: true }));
  app.get('/down', async (_request, reply) => reply.code(503).send('down'));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}

function send(port: number, method: string, path: string, body?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false, headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
}

test('Prometheus: http_server_request_duration_seconds histogram by method, route and status_code; requests and errors as counters', async () => {
  await prometheusText(); // the endpoint keeps its own cumulative view from now on
  let settled = 0;
  const untap = processAggregator.addTap((kind, _k, name) => { if (kind === 'count' && name === 'http.server.requests') settled++; });
  enableHttpServerMonitor();
  const app = await fastifyApp();
  try {
    await send(app.port, 'GET', '/orders/1');
    await send(app.port, 'GET', '/orders/2');
    await send(app.port, 'GET', '/down');
    await until(() => settled === 3, 5_000, 'three requests');
    const text = await prometheusText();
    const page = parseExposition(text);
    assert.equal(page.types.get('http_server_request_duration_seconds'), 'histogram');
    const labels = { method: 'GET', route: '/orders/:id', status_code: '2xx' };
    assert.equal(valueOf(page, 'http_server_request_duration_seconds_count', labels), 2);
    assert.equal(valueOf(page, 'http_server_request_duration_seconds_bucket', { ...labels, le: '+Inf' }), 2);
    const sum = valueOf(page, 'http_server_request_duration_seconds_sum', labels) ?? -1;
    assert.ok(sum > 0 && sum < 5, `durations in seconds: ${sum}`);
    assert.equal(valueOf(page, 'http_server_requests_total', labels), 2);
    assert.equal(valueOf(page, 'http_server_errors_total', { method: 'GET', route: '/down', status_code: '5xx', error_type: '503' }), 1);
  } finally {
    untap();
    await app.close();
  }
});

test('OTLP: http.server.request.duration in seconds with the advised buckets and semantic-convention attributes; counters left out', async () => {
  const aggregator = new Aggregator();
  let settled = 0;
  aggregator.addTap((kind, _k, name) => { if (kind === 'count' && name === 'http.server.requests') settled++; });
  enableHttpServerMonitor({ aggregator, statusCodes: true });
  const app = await fastifyApp();
  try {
    await send(app.port, 'GET', '/orders/7');
    await send(app.port, 'POST', '/orders', '{"item":1}');
    await until(() => settled === 2, 5_000, 'two requests');
  } finally {
    await app.close();
  }
  const built = buildExport(aggregator.swap(), new ExportState(), resolveOtlpOptions({}), [], { name: 'hmetrics', version: '0' });
  const byName = new Map(built.request.metrics.map((m) => [m.name, m]));
  const duration = byName.get('http.server.request.duration');
  assert.ok(duration, `metrics: ${[...byName.keys()].join(', ')}`);
  assert.equal(duration.unit, 's');
  assert.equal(duration.kind, 'histogram');
  const points = duration.points as readonly HistogramPoint[];
  const get = points.find((p) => p.attributes.some(([k, v]) => k === 'http.route' && v === '/orders/:id'));
  assert.ok(get);
  assert.deepEqual(new Map(get.attributes), new Map<string, string | number>([['http.request.method', 'GET'], ['http.route', '/orders/:id'], ['http.response.status_code', 200]]));
  assert.deepEqual(get.bounds, HTTP_DURATION_BUCKETS);
  assert.equal(get.count, 1);
  assert.ok(get.sum > 0 && get.sum < 5 && get.max < 5, `seconds, not ms: ${get.sum}`);
  assert.equal(get.counts.reduce((a, b) => a + b, 0), 1);
  assert.equal(byName.get('http.server.active_requests')?.kind, 'sum');
  assert.ok(byName.has('http.server.request.body.size'), 'declared request body size');
  assert.ok(byName.has('http.server.response.body.size'), 'declared response body size');
  assert.ok(!byName.has('http.server.requests') && !byName.has('http.server.errors'), 'the histogram count carries them');
});
