/**
 * The live page's Requests panel logic, run in a bare context on payloads flattened by the real
 * Heroku flattening from the incoming-HTTP monitor's tags: rows per method and route, rate from
 * the payload intervals, error share, count-weighted percentiles, time spent order, and the
 * generic panels leaving those series to it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { CHART_SCRIPT } from '../src/cli/live/page-chart-script.js';
import { PANELS_SCRIPT } from '../src/cli/live/page-panels-script.js';
import { REQUESTS_SCRIPT } from '../src/cli/live/page-requests-script.js';
import { Aggregator } from '../src/metrics/aggregator.js';
import { HttpServerMetric } from '../src/metrics/names.js';
import { RouteTags } from '../src/http-server/route-tags.js';
import { flatten } from '../src/sinks/flatten.js';

interface Row { key: string; requests: number; errors: number; rate: number | null; errorShare: number; p50: number; p99: number; spentMs: number }
const page = runInNewContext(`${CHART_SCRIPT}\n${PANELS_SCRIPT}\n${REQUESTS_SCRIPT}\n({ requestRows, planPanels })`) as {
  requestRows(payloads: unknown[]): { rows: Row[]; inFlight: number | null; seconds: number };
  planPanels(kinds: Map<string, boolean>): { core: unknown[]; others: Array<{ title: string }> };
};

/** One 10-second payload as the receiver stores it, from requests recorded through the monitor's tags. */
function payload(time: number, requests: Array<[route: string, method: string, status: number, ms: number, n: number]>, inFlight: number): { time: number; counters: Record<string, number>; gauges: Record<string, number> } {
  let clock = 0;
  const aggregator = new Aggregator({ now: () => clock });
  const tags = new RouteTags(100, false);
  for (const [route, method, status, ms, n] of requests) {
    for (let i = 0; i < n; i++) {
      const t = tags.tags(route, method, status);
      aggregator.count(HttpServerMetric.requests, 1, t);
      if (status >= 500 || status === -1) aggregator.count(HttpServerMetric.errors, 1, t);
      aggregator.timing(HttpServerMetric.durationMs, ms, t);
    }
  }
  aggregator.gauge(HttpServerMetric.activeRequests, inFlight);
  clock = 10_000;
  const flat = flatten(aggregator.swap(), [50, 95, 99]);
  return JSON.parse(JSON.stringify({ time, ...flat }));
}

test('rows per method and route over the last minute, by time spent; rate from the intervals; errors share of requests', () => {
  const payloads = [
    payload(1_000, [['/old', 'GET', 200, 1, 5]], 0), // older than the minute before the newest: left out
    payload(70_000, [['/users/:id', 'GET', 200, 10, 30], ['/orders', 'POST', 201, 50, 8], ['/orders', 'POST', 503, 5, 2]], 1),
    payload(80_000, [['/users/:id', 'GET', 200, 30, 10], ['/orders', 'POST', 201, 50, 10], ['unmatched', 'GET', 404, 1, 4]], 3),
  ];
  const { rows, inFlight, seconds } = JSON.parse(JSON.stringify(page.requestRows(payloads))) as ReturnType<typeof page.requestRows>;
  assert.equal(seconds, 20);
  assert.equal(inFlight, 3, 'the newest in-flight gauge');
  assert.deepEqual(rows.map((r) => r.key), ['POST _orders', 'GET _users__id', 'GET unmatched'], 'by time spent: 910 ms, 600 ms, 4 ms');
  const orders = rows[0]!;
  assert.equal(orders.requests, 20);
  assert.equal(orders.errors, 2);
  assert.equal(orders.errorShare, 0.1);
  assert.equal(orders.rate, 1);
  assert.equal(orders.spentMs, 910);
  const users = rows[1]!;
  assert.equal(users.p50, (10 * 30 + 30 * 10) / 40, 'percentiles weighted by count');
  assert.equal(users.errorShare, 0);
});

test('the generic panels leave http.server.* series to the Requests panel and keep everything else', () => {
  const names = ['c:http.server.requests.method_GET.route__x.status_code_2xx', 'g:http.server.active_requests', 'c:api.calls'];
  const plan = JSON.parse(JSON.stringify(page.planPanels(new Map(names.map((n) => [n, true]))))) as ReturnType<typeof page.planPanels>;
  assert.deepEqual(plan.others.map((p) => p.title), ['api.calls']);
});
