import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { CHART_SCRIPT } from '../src/cli/live/page-chart-script.js';
import { PANELS_SCRIPT } from '../src/cli/live/page-panels-script.js';
import { startReceiver } from '../src/cli/receive.js';
import { findChromium, launchChromium, NO_CHROMIUM } from './helpers/browser.js';
import { httpRequest } from './helpers/http.js';

const MIB = 1024 * 1024;

interface Panel { id: string; title: string; section: string; unit: string; series: Array<[string, string, string, number, (string | null)?, (string | null)?, (string | null)?, string?]> }
const page = runInNewContext(`${CHART_SCRIPT}\n${PANELS_SCRIPT}\n({ planPanels })`) as {
  planPanels(kinds: Map<string, boolean>): { core: Panel[]; others: Panel[] };
};
const plan = (names: string[]) => JSON.parse(JSON.stringify(page.planPanels(new Map(names.map((name) => [name, true]))))) as { core: Panel[]; others: Panel[] };

test('Container panels: memory under its limit drawn as a line, CPU in cores against the quota with throttling as a band', () => {
  const { core } = plan([
    'g:node.memory.rss.bytes', 'g:node.memory.heap.used.bytes', 'g:node.cpu.utilization',
    'g:node.container.memory.limit.bytes', 'g:node.container.memory.working_set.bytes', 'g:node.memory.heap.after_gc.bytes',
    'g:node.container.cpu.quota.cores', 'g:node.container.cpu.throttled.ratio',
  ]);
  const memory = core.find((p) => p.id === 'container-memory')!;
  const cpu = core.find((p) => p.id === 'container-cpu')!;
  assert.equal(memory.section, 'container');
  assert.deepEqual(memory.series.map((s) => [s[0], s[7] ?? null]), [['limit', 'limit'], ['working set', null], ['RSS', null], ['heap used', null], ['heap after full GC', null]]);
  assert.equal(cpu.unit, 'cores');
  assert.deepEqual(cpu.series.map((s) => [s[0], s[2], s[7] ?? null]), [
    ['quota', 'node.container.cpu.quota.cores', 'limit'], ['used', 'node.cpu.utilization', null], ['throttled periods', 'node.container.cpu.throttled.ratio', 'band']]);
  assert.ok(core.filter((p) => p.section === 'runtime').some((p) => p.id === 'memory'), 'the runtime panels stay');
});

test('no container figure, no Container panel (RSS, heap and CPU alone keep their runtime panels)', () => {
  const { core, others } = plan(['g:node.memory.rss.bytes', 'g:node.memory.heap.used.bytes', 'g:node.cpu.utilization']);
  assert.deepEqual(core.filter((p) => p.section === 'container'), []);
  assert.deepEqual(others, []);
});

const chromium = findChromium();
test('in a real browser: the limit is a dashed line, throttling shades the intervals it covers, its legend reads a percentage', { skip: chromium ? false : NO_CHROMIUM }, async () => {
  const receiver = await startReceiver({ write: () => {} });
  const browser = await launchChromium(chromium!);
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    await page.goto(receiver.url, { waitUntil: 'load' });
    const ratios = [0, 0.9, 0, 0.25]; // above the 0.2-core axis: a band must not stretch it
    for (const [i, ratio] of ratios.entries()) {
      const answer = await httpRequest(receiver.url, { body: JSON.stringify({ counters: {}, gauges: {
        'node.container.memory.limit.bytes': 256 * MIB, 'node.container.memory.working_set.bytes': (100 + i) * MIB, 'node.memory.rss.bytes': 120 * MIB,
        'node.container.cpu.quota.cores': 0.2, 'node.cpu.utilization': 0.15, 'node.container.cpu.throttled.ratio': ratio,
      } }) });
      assert.equal(answer.status, 200);
    }
    await page.waitForFunction(`document.querySelector('[data-panel="container-cpu"] li.series')?.getAttribute('data-points') === '${ratios.length}'`, { timeout: 5_000 });
    const shown = await page.evaluate(`(() => {
      const cpu = document.querySelector('[data-panel="container-cpu"]');
      const memory = document.querySelector('[data-panel="container-memory"]');
      return {
        bands: cpu.querySelectorAll('g.band rect').length,
        cpuLimit: cpu.querySelector('polyline[data-series="node.container.cpu.quota.cores"]').getAttribute('class'),
        memoryLimit: memory.querySelector('polyline[data-series="node.container.memory.limit.bytes"]').getAttribute('class'),
        bandAsLine: cpu.querySelector('polyline[data-series="node.container.cpu.throttled.ratio"]') !== null,
        throttledLegend: cpu.querySelector('li.band .latest').textContent,
        topTick: Array.from(cpu.querySelectorAll('svg text')).map((t) => t.textContent)[2],
      };
    })()`) as Record<string, unknown>;
    assert.deepEqual(shown, { bands: 2, cpuLimit: 'line s0 limit', memoryLimit: 'line s0 limit', bandAsLine: false, throttledLegend: '25 %', topTick: '0.2' });
  } finally {
    await browser.close();
    await receiver.close();
  }
});
