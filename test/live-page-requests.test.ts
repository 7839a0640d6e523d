/**
 * The live page's Requests panel logic, run in a bare context on payloads flattened by the real
 * Heroku flattening from the incoming-HTTP monitor's tags: rows per method and route, shown as
 * recorded (`GET /users/:id`) from the payload's original tags, rate from the payload intervals,
 * error share, count-weighted percentiles, time spent order, and the generic panels leaving
 * those series to it. Then the way the original tags travel: the real Heroku sink posting to the
 * real receiver, which asks for them; an endpoint that does not ask never gets them.
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
import { foldedTags, MAX_FOLDED_TAGS } from '../src/sinks/folded-tags.js';
import { checkPayload } from '../src/cli/payload-shape.js';
import { HerokuSink } from '../src/sinks/heroku.js';
import { startReceiver } from '../src/cli/receive.js';
import type { StoredPayload } from '../src/cli/live/history.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

interface Row { key: string; method: string; route: string; requests: number; errors: number; rate: number | null; errorShare: number; p50: number; p99: number; spentMs: number }
const page = runInNewContext(`${CHART_SCRIPT}\n${PANELS_SCRIPT}\n${REQUESTS_SCRIPT}\n({ requestRows, planPanels })`) as {
  requestRows(payloads: unknown[]): { rows: Row[]; inFlight: number | null; seconds: number };
  planPanels(kinds: Map<string, boolean>): { core: unknown[]; others: Array<{ title: string }> };
};

/** One 10-second payload as the receiver stores it, from requests recorded through the monitor's tags (with the original tags, as hmetrics sends them to the receiver, unless `folded`). */
function payload(time: number, requests: Array<[route: string, method: string, status: number, ms: number, n: number]>, inFlight: number, folded = false): { time: number; counters: Record<string, number>; gauges: Record<string, number>; tags?: Record<string, string> } {
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
  const snapshot = aggregator.swap();
  const flat = flatten(snapshot, [50, 95, 99]);
  return JSON.parse(JSON.stringify(folded ? { time, ...flat } : { time, ...flat, tags: foldedTags(snapshot) }));
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
  assert.deepEqual(rows.map((r) => r.key), ['POST /orders', 'GET /users/:id', 'GET unmatched'], 'by time spent: 910 ms, 600 ms, 4 ms; routes as recorded');
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

test('routes show as recorded once any payload names them, and as their folded names from a sender that does not', () => {
  const first = payload(70_000, [['/api/users/:id', 'GET', 200, 10, 3], ['/a b,c', 'GET', 200, 1, 1]], 0, true);
  const second = payload(80_000, [['/api/users/:id', 'GET', 200, 10, 3]], 0);
  const keys = (payloads: unknown[]): string[] => (JSON.parse(JSON.stringify(page.requestRows(payloads))) as ReturnType<typeof page.requestRows>).rows.map((r) => `${r.method}|${r.route}`).sort();
  assert.deepEqual(keys([first]), ['GET|_a_b_c', 'GET|_api_users__id'], 'no tags sent: the folded names');
  assert.deepEqual(keys([first, second]), ['GET|/api/users/:id', 'GET|_a_b_c'], 'the first payload\'s rows take the name a later one gives');
});

test('the Heroku sink sends the original tags to the receiver from its second delivery on, and never to an endpoint that does not ask', async () => {
  const stored: StoredPayload[] = [];
  const receiver = await startReceiver({ write: () => {}, onPayload: (p) => stored.push(p as StoredPayload) });
  const bodies: string[] = [];
  const plain = http.createServer((req, res) => { let body = ''; req.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => { bodies.push(body); res.end(); }); });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const snapshot = (): ReturnType<Aggregator['swap']> => {
    const aggregator = new Aggregator();
    aggregator.count(HttpServerMetric.requests, 1, new RouteTags(10, false).tags('/api/users/:id', 'GET', 200));
    return aggregator.swap();
  };
  const options = { timeout: 2_000, percentiles: [50, 95, 99] };
  const toReceiver = new HerokuSink(new URL(receiver.url), options);
  const toPlain = new HerokuSink(new URL(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/`), options);
  try {
    for (let i = 0; i < 2; i++) {
      await toReceiver.deliver(snapshot(), AbortSignal.timeout(2_000));
      await toPlain.deliver(snapshot(), AbortSignal.timeout(2_000));
    }
    assert.equal(stored[0]!.tags, undefined, 'the first delivery is a plain Heroku body');
    assert.deepEqual({ ...stored[1]!.tags }, { route__api_users__id: 'route:/api/users/:id' });
    assert.deepEqual(Object.keys(stored[1]!.counters), ['http.server.requests.method_GET.route__api_users__id.status_code_2xx'], 'the names stay folded');
    assert.equal(bodies.length, 2);
    for (const body of bodies) assert.deepEqual(Object.keys(JSON.parse(body) as object), ['counters', 'gauges'], 'Heroku gets its own shape only');
  } finally {
    toReceiver.close();
    toPlain.close();
    await receiver.close();
    plain.closeAllConnections();
    plain.close();
  }
});

test('the receiver keeps only usable tags and never refuses a payload over them; a sender lists at most MAX_FOLDED_TAGS', () => {
  const kept = checkPayload(JSON.stringify({ counters: { a: 1 }, tags: { x: 5, route__y: 'route:/y', long: 'r'.repeat(300) } }));
  assert.ok(kept.ok);
  assert.deepEqual({ ...kept.payload.tags }, { route__y: 'route:/y' });
  const odd = checkPayload(JSON.stringify({ counters: { a: 1 }, tags: [1] }));
  assert.ok(odd.ok && odd.payload.tags === undefined);
  const aggregator = new Aggregator();
  for (let i = 0; i < MAX_FOLDED_TAGS + 50; i++) aggregator.count('c', 1, [`route:/r/${i}`]);
  aggregator.count('c', 1, ['plain_tag', 'route:unmatched']);
  const tags = foldedTags(aggregator.swap());
  assert.equal(Object.keys(tags).length, MAX_FOLDED_TAGS);
  assert.equal(tags['route_unmatched'], undefined, 'a tag that folds to itself is not listed');
});
