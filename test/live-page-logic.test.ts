import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { CHART_SCRIPT } from '../src/cli/live/page-chart-script.js';
import { PANELS_SCRIPT } from '../src/cli/live/page-panels-script.js';

/** The page's pure functions, run in a bare context (no DOM needed), so they are tested without a browser too. */
type Point = [number, number];
interface Panel { id: string; title: string; unit: string; suffix: string; section: string; series: Array<[string, string, string, number, (string | null)?, string?, string?]> }
const page = runInNewContext(`${CHART_SCRIPT}\n${PANELS_SCRIPT}\n({ formatNumber, niceCeiling, thin, planPanels, pointAt, MAX_OTHER_PANELS })`) as {
  formatNumber(value: number): string;
  niceCeiling(value: number): number;
  thin(points: Point[], width: number): Point[];
  planPanels(kinds: Map<string, boolean>): { core: Panel[]; others: Panel[] };
  pointAt(points: Point[], t: number): Point | null;
};

test('numbers read at a glance: four significant digits, grouped thousands, no trailing zeros', () => {
  const cases: Array<[number, string]> = [[0, '0'], [1.5, '1.5'], [12.345, '12.35'], [150.2, '150.2'], [999.95, '1000'], [4144, '4,144'], [1234567.8, '1,234,568'], [0.04567, '0.04567'], [0.0001234, '1.23e-4'], [-2.5, '-2.5']];
  for (const [value, text] of cases) assert.equal(page.formatNumber(value), text, String(value));
});

test('the y axis tops out at a round number at or above the highest value', () => {
  assert.deepEqual([0, 0.3, 1, 7, 12, 26, 150.2, 4144].map((value) => page.niceCeiling(value)), [1, 0.5, 1, 10, 20, 50, 200, 5000]);
});

test('a long line is thinned to two points per pixel column and keeps every peak and trough', () => {
  const points: Point[] = Array.from({ length: 3600 }, (_, i) => [i * 1000, Math.sin(i / 30) * 10 + (i === 1234 ? 500 : 0) - (i === 2345 ? 400 : 0)]);
  const thinned = page.thin(points, 300);
  assert.ok(thinned.length <= 600, `${thinned.length} points`);
  assert.ok(thinned.some((p) => p[1] > 490), 'the spike survives');
  assert.ok(thinned.some((p) => p[1] < -390), 'the dip survives');
  assert.deepEqual(thinned[0], points[0]);
  assert.deepEqual(thinned.at(-1), points.at(-1));
  for (let i = 1; i < thinned.length; i++) assert.ok(thinned[i]![0] >= thinned[i - 1]![0], 'still in time order');
  const short: Point[] = [[0, 1], [1, 2], [2, 3]];
  assert.equal(page.thin(short, 300), short, 'short lines are drawn as they are');
});

test('the point nearest a hovered time is found in a time-ordered line', () => {
  const points: Point[] = [[0, 1], [10, 2], [20, 3]];
  assert.deepEqual(page.pointAt(points, 4), [0, 1]);
  assert.deepEqual(page.pointAt(points, 6), [10, 2]);
  assert.deepEqual(page.pointAt(points, 99), [20, 3]);
  assert.equal(page.pointAt([], 5), null);
});

test('panels: runtime first, then other series grouped by prefix, each timer\'s statistics and derived series in one panel, each runtime family in one, hosts named at the end', () => {
  const names = [
    'g:node.eventloop.delay.ms.p99', 'c:node.gc.young.collections', 'g:node.memory.heap.used.bytes', 'g:node.memory.heap.limit.bytes',
    'g:node.handles.active', 'g:node.handles.refed', 'c:node.cpu.system.us', 'c:demo.batch_ms.count_ps', 'g:demo.batch_ms.sum',
    'c:demo.batch_ms.count', 'g:demo.batch_ms.p95', 'g:demo.batch_ms.median', 'g:demo.batch_ms.max', 'g:demo.batch_ms.sum_squares',
    'g:api.requests.rate', 'c:api.requests', 'g:queue.depth', 'c:node.cpu.user.us', 'g:node.memory.external.bytes',
    'c:node.http.client.requests.host_b.example.com', 'c:node.http.client.requests.host_a.example.com', 'g:node.http.client.latency.ms.host_a.example.com.p99',
    'c:node.container.cpu.periods', 'c:node.container.cpu.throttled.periods', 'g:node.process.fds.open', 'g:node.process.fds.limit',
  ];
  // Through JSON: arrays made in the page's context have another realm's prototype.
  const plan = JSON.parse(JSON.stringify(page.planPanels(new Map(names.map((name) => [name, true]))))) as ReturnType<typeof page.planPanels>;
  assert.deepEqual(plan.core.map((p) => [p.title, p.unit, p.series.map((s) => s[0])]), [
    ['Event-loop delay', 'ms', ['p99']], ['GC collections', 'per interval', ['young']], ['Heap and RSS', 'MiB', ['heap used']], ['Heap used of limit', '% of limit', ['heap used']],
  ]);
  const share = plan.core.find((p) => p.title === 'Heap used of limit')!;
  assert.deepEqual(share.series[0], ['heap used', 'g', 'node.memory.heap.used.bytes', 100, 'node.memory.heap.limit.bytes'], 'drawn as a share of the limit');
  // Series after the panel's unit are legend-only: [label, kind, name, scale, per, suffix, unit].
  const drawn = (p: Panel): string => p.series.map((s) => (s[5] === undefined ? s[0] : `(${s[0]})`)).join(' ');
  assert.deepEqual(plan.others.map((p) => [p.section, p.title, p.unit, drawn(p)]), [
    ['api', 'api.requests', 'per interval', 'count'],
    ['api', 'api.requests.rate', 'per second', 'value'],
    ['demo', 'demo.batch_ms', 'ms', '(count) median p95 max (rate) (sum) (sum²)'],
    ['node.container', 'node.container', 'per interval', 'cpu.periods cpu.throttled.periods'],
    ['node.cpu', 'node.cpu', 'ms per interval', 'system.us user.us'],
    ['node.handles', 'node.handles', 'gauge', 'active refed'],
    ['node.http', 'node.http.client.latency.ms · a.example.com', 'ms', 'p99'],
    ['node.http', 'node.http.client.requests · a.example.com', 'per interval', 'count'],
    ['node.http', 'node.http.client.requests · b.example.com', 'per interval', 'count'],
    ['node.memory', 'node.memory', 'MiB', 'external.bytes'],
    ['node.process', 'node.process', 'gauge', 'fds.limit fds.open'],
    ['queue', 'queue.depth', 'gauge', 'value'],
  ]);
  const cpu = plan.others.find((p) => p.title === 'node.cpu')!;
  assert.equal(cpu.series[0]![3], 1e-3, 'µs are drawn in ms');
  const timer = plan.others.find((p) => p.title === 'demo.batch_ms')!;
  assert.deepEqual(timer.series.filter((s) => s[5] !== undefined).map((s) => [s[0], s[5], s[6]]), [
    ['count', '', 'per interval'], ['rate', ' /s', 'per second'], ['sum', ' ms', 'ms'], ['sum²', ' ms²', 'ms²'],
  ], 'a timer\'s derived series are read in its legend, each in its own unit');
});
