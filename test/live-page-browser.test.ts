import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'puppeteer-core';
import { startReceiver, type Receiver } from '../src/cli/receive.js';
import { findChromium, launchChromium, NO_CHROMIUM } from './helpers/browser.js';
import { httpRequest } from './helpers/http.js';

const chromium = findChromium();
const MIB = 1024 * 1024;

/** Three payloads as an app sends them, the last one's values chosen to print exactly. */
function payload(i: number): { counters: Record<string, number>; gauges: Record<string, number> } {
  return {
    counters: {
      'node.gc.collections': 12 + i, 'node.gc.young.collections': 9 + i, 'node.gc.old.collections': 3,
      'node.gc.pause.ns': 2_500_000 + i * 1_000_000, 'node.gc.young.pause.ns': 1_250_000, 'node.gc.old.pause.ns': 1_250_000 + i * 1_000_000,
      'demo.batches': 39 + i, 'demo.batch_ms.count': 40, 'api.requests': 100 + i * 10,
      'node.http.client.requests.host_example.com': 5, 'node.http.client.latency.ms.host_example.com.count': 5,
      'node.cpu.user.us': 1500,
    },
    gauges: {
      'node.eventloop.delay.ms.median': 0.5 * (i + 1), 'node.eventloop.delay.ms.p95': 3, 'node.eventloop.delay.ms.p99': 12.5, 'node.eventloop.delay.ms.max': 150.2 - (2 - i) * 50,
      'node.eventloop.usage.percent': 0.37, 'node.cpu.utilization': 0.25 * (i + 0), 'node.memory.heap.used.bytes': (48 + i) * MIB,
      'node.memory.heap.total.bytes': 100 * MIB, 'node.memory.rss.bytes': 150 * MIB, 'node.memory.heap.limit.bytes': 4144 * MIB,
      'node.http.client.latency.ms.host_example.com.p95': 80.5, 'demo.retained': 5 + i, 'demo.batch_ms.median': 2.5, 'demo.batch_ms.p95': 4.75, 'api.requests.rate': 2,
    },
  };
}

/** What the page must show for the third payload: panel title, unit, then per series [name, label, latest text]. */
const EXPECTED: Array<[string, string, Array<[string, string, string]>]> = [
  ['Event-loop delay', 'ms', [['node.eventloop.delay.ms.median', 'median', '1.5 ms'], ['node.eventloop.delay.ms.p95', 'p95', '3 ms'], ['node.eventloop.delay.ms.p99', 'p99', '12.5 ms'], ['node.eventloop.delay.ms.max', 'max', '150.2 ms']]],
  ['Event-loop utilisation', '% busy', [['node.eventloop.usage.percent', 'busy', '37%']]],
  ['CPU utilisation', '% of one core', [['node.cpu.utilization', 'cpu', '50%']]],
  ['GC collections', 'per interval', [['node.gc.collections', 'all', '14'], ['node.gc.young.collections', 'young', '11'], ['node.gc.old.collections', 'old', '3']]],
  ['GC pause', 'ms per interval', [['node.gc.pause.ns', 'all', '4.5 ms'], ['node.gc.young.pause.ns', 'young', '1.25 ms'], ['node.gc.old.pause.ns', 'old', '3.25 ms']]],
  ['Heap and RSS', 'MiB', [['node.memory.heap.used.bytes', 'heap used', '50 MiB'], ['node.memory.heap.total.bytes', 'heap total', '100 MiB'], ['node.memory.rss.bytes', 'RSS', '150 MiB']]],
  ['Heap used of limit', '% of limit', [['node.memory.heap.used.bytes', 'heap used', '1.207%']]],
  ['api.requests', 'per interval', [['api.requests', 'count', '120']]],
  ['api.requests.rate', 'per second', [['api.requests.rate', 'value', '2 /s']]],
  ['demo.batch_ms', 'ms', [['demo.batch_ms.count', 'count', '40'], ['demo.batch_ms.median', 'median', '2.5 ms'], ['demo.batch_ms.p95', 'p95', '4.75 ms']]],
  ['demo.batches', 'per interval', [['demo.batches', 'count', '41']]],
  ['demo.retained', 'gauge', [['demo.retained', 'value', '7']]],
  ['node.cpu', 'ms per interval', [['node.cpu.user.us', 'user.us', '1.5 ms']]],
  ['node.http.client.latency.ms · example.com', 'ms', [['node.http.client.latency.ms.host_example.com.count', 'count', '5'], ['node.http.client.latency.ms.host_example.com.p95', 'p95', '80.5 ms']]],
  ['node.http.client.requests · example.com', 'per interval', [['node.http.client.requests.host_example.com', 'count', '5']]],
];
/** A timer's count beside its ms: read in the legend, not drawn. */
const LEGEND_ONLY = new Set(['demo.batch_ms.count', 'node.http.client.latency.ms.host_example.com.count']);
/** Drawn as a share: its legend's value is used ÷ limit. */
const SHARES: Record<string, string> = { 'node.memory.heap.used.bytes': 'node.memory.heap.limit.bytes' };

interface ShownPanel {
  title: string;
  unit: string;
  series: Array<{ name: string; label: string; latest: string; value: string | null; points: number; drawn: number }>;
}

/**
 * Reads every panel from the DOM: titles, units, legend entries and how many points each
 * polyline draws. Page code is written as strings: the project compiles without the DOM library.
 */
function readPanels(page: Page): Promise<ShownPanel[]> {
  return inPage(page, `Array.from(document.querySelectorAll('.panel')).map((panel) => ({
    title: panel.querySelector('.title')?.textContent ?? '',
    unit: panel.querySelector('.unit')?.textContent ?? '',
    series: Array.from(panel.querySelectorAll('li.series')).map((item) => {
      const name = item.getAttribute('data-series') ?? '';
      const line = Array.from(panel.querySelectorAll('polyline')).find((l) => l.getAttribute('data-series') === name);
      return {
        name,
        label: item.querySelector('.label')?.textContent ?? '',
        latest: item.querySelector('.latest')?.textContent ?? '',
        value: item.getAttribute('data-value'),
        points: Number(item.getAttribute('data-points')),
        drawn: (line?.getAttribute('points') ?? '').trim().split(/\\s+/).filter(Boolean).length,
      };
    }),
  }))`);
}

/** Evaluates an expression in the page. */
function inPage<T>(page: Page, expression: string): Promise<T> {
  return page.evaluate(expression) as Promise<T>;
}

/** Waits until an expression holds in the page. */
async function until(page: Page, expression: string): Promise<void> {
  await page.waitForFunction(expression, { timeout: 5_000 });
}

/** Posts a payload and resolves when the page shows it: the time from POST to DOM, in ms. */
async function postAndWait(page: Page, url: string, body: unknown, expectedPoints: number, headers: Record<string, string> = {}): Promise<number> {
  const started = performance.now();
  const answer = await httpRequest(url, { body: JSON.stringify(body), headers });
  assert.equal(answer.status, 200, answer.body);
  await until(page, `document.querySelector('.panel li.series')?.getAttribute('data-points') === '${expectedPoints}'`);
  return performance.now() - started;
}

describe('the live page in a real browser', { skip: chromium ? false : NO_CHROMIUM }, () => {
  let browser: Browser;
  let receiver: Receiver;
  let page: Page;
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];
  const folder = mkdtempSync(join(tmpdir(), 'hmetrics-live-page-'));

  before(async () => {
    receiver = await startReceiver({ write: () => {} });
    browser = await launchChromium(chromium!);
  });
  after(async () => {
    await browser?.close();
    await receiver?.close();
  });

  async function openPage(width: number, height: number): Promise<Page> {
    const opened = await browser.newPage();
    opened.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    opened.on('pageerror', (err) => consoleErrors.push(String(err)));
    opened.on('request', (request) => { if (!request.url().startsWith(receiver.url) && !request.url().startsWith('data:')) foreignRequests.push(request.url()); });
    await opened.setViewport({ width, height });
    await opened.goto(receiver.url, { waitUntil: 'load' });
    await opened.waitForSelector('#status.live', { timeout: 5_000 });
    return opened;
  }

  test('three payloads: every panel has its title, unit, one point per payload and the latest values posted', async (t) => {
    page = await openPage(1280, 800);
    assert.equal(await inPage(page, `document.getElementById('empty').hidden`), false, 'the empty page says how to send');
    const latencies: number[] = [];
    const start = Date.now() - 20_000;
    for (let i = 0; i < 3; i++) {
      latencies.push(await postAndWait(page, receiver.url, payload(i), i + 1, { 'Measurements-Time': new Date(start + i * 5_000).toISOString() }));
    }
    t.diagnostic(`POST to DOM update over server-sent events: ${latencies.map((ms) => ms.toFixed(1)).join(', ')} ms`);
    const panels = await readPanels(page);
    const last = payload(2);
    assert.deepEqual(panels.map((p) => [p.title, p.unit]), EXPECTED.map(([title, unit]) => [title, unit]));
    for (const [title, , series] of EXPECTED) {
      const shown = panels.find((p) => p.title === title)!;
      assert.deepEqual(shown.series.map((s) => [s.name, s.label, s.latest]), series, title);
      for (const s of shown.series) {
        assert.equal(s.points, 3, `${s.name}: one point per payload`);
        assert.equal(s.drawn, LEGEND_ONLY.has(s.name) ? 0 : 3, `${s.name}: three points drawn`);
        const posted = last.counters[s.name] ?? last.gauges[s.name]!;
        const per = title === 'Heap used of limit' ? SHARES[s.name] : undefined;
        assert.equal(Number(s.value), per === undefined ? posted : posted / last.gauges[per]!, `${s.name}: the posted value`);
      }
    }
    assert.match(await inPage<string>(page, `document.getElementById('status').textContent`), /^live · 3 payloads · last measured \d+ s ago$/);
    assert.equal(await inPage(page, `document.getElementById('notice').hidden`), true);
    const shot = join(folder, 'live-page-1280.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, 'a screenshot of the page');
    t.diagnostic(`screenshot: ${shot}`);
  });

  test('hovering a chart shows the values of the payload under the pointer, leaving it the latest again', async () => {
    const chart = (await page.$('.panel[data-panel="eventloop-delay"] svg'))!;
    const box = (await chart.boundingBox())!;
    const latest = `Array.from(document.querySelectorAll('.panel[data-panel="eventloop-delay"] .latest')).map((n) => n.textContent)`;
    await page.mouse.move(box.x + 50, box.y + box.height / 2);
    await until(page, `document.querySelector('.panel[data-panel="eventloop-delay"] .latest').textContent === '0.5 ms'`);
    assert.deepEqual(await inPage(page, latest), ['0.5 ms', '3 ms', '12.5 ms', '50.2 ms']);
    await page.mouse.move(box.x + box.width / 2, box.y - 40);
    await until(page, `document.querySelector('.panel[data-panel="eventloop-delay"] .latest').textContent === '1.5 ms'`);
    assert.deepEqual(await inPage(page, latest), ['1.5 ms', '3 ms', '12.5 ms', '150.2 ms']);
  });

  test('payloads of several apps stay apart; the buttons switch between them', async () => {
    await httpRequest(`${receiver.url}?app=worker`, { body: JSON.stringify({ gauges: { 'queue.depth': 9 } }) });
    await until(page, `document.querySelectorAll('#apps button').length === 2`);
    assert.deepEqual(await inPage(page, `Array.from(document.querySelectorAll('#apps button')).map((b) => [b.textContent, b.getAttribute('aria-pressed')])`), [['default', 'true'], ['worker', 'false']]);
    await page.click('#apps button:nth-child(2)');
    await until(page, `document.querySelector('.panel .title')?.textContent === 'queue.depth'`);
    const panels = await readPanels(page);
    assert.deepEqual(panels.map((p) => p.title), ['queue.depth']);
    assert.equal(panels[0]!.series[0]!.latest, '9');
    await page.click('#apps button:nth-child(1)');
    await until(page, `document.querySelector('.panel .title')?.textContent === 'Event-loop delay'`);
  });

  test('bad input leaves the page as it was', async () => {
    const before = await readPanels(page);
    assert.equal((await httpRequest(receiver.url, { body: '{"gauges":{"node.eventloop.delay.ms.p99":"high"}}' })).status, 400);
    assert.equal((await httpRequest(receiver.url, { body: 'not json' })).status, 400);
    assert.equal((await httpRequest(receiver.url, { body: Buffer.alloc(10 * 1024 * 1024, 0x7b) })).status, 413);
    await inPage(page, `new Promise((resolve) => requestAnimationFrame(resolve))`);
    assert.deepEqual(await readPanels(page), before);
  });

  test('before its first event the page says "connecting…" and already draws the stored history', async () => {
    const held = await browser.newPage();
    // The event stream is held back: the page must not claim a reconnect, and must draw what is stored.
    await held.setRequestInterception(true);
    held.on('request', (request) => { if (request.url().endsWith('/events')) return; void request.continue(); });
    await held.setViewport({ width: 1280, height: 800 });
    await held.goto(receiver.url, { waitUntil: 'load' });
    await until(held, `document.querySelectorAll('.panel').length > 0`);
    assert.match(await inPage<string>(held, `document.getElementById('status').textContent`), /^connecting… · \d+ payloads/);
    assert.ok((await readPanels(held)).some((p) => p.title === 'Event-loop delay'));
    await held.close();
  });

  test('1 000 distinct series: panels are capped, the notice says how many were left out, the filter finds them', async (t) => {
    const many: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) many[`load.series_${String(i).padStart(4, '0')}`] = i;
    const app = `${receiver.url}?app=load`;
    await httpRequest(app, { body: JSON.stringify({ gauges: many }) });
    await until(page, `document.querySelectorAll('#apps button').length === 3`);
    const started = performance.now();
    await page.click('#apps button:nth-child(3)');
    await until(page, `!document.getElementById('notice').hidden`);
    t.diagnostic(`switch to an app of 1 000 series and draw it: ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(await inPage(page, `document.querySelectorAll('#others .panel').length`), 48);
    assert.equal(await inPage(page, `document.getElementById('notice').textContent`), '952 more panels (952 series) left out: at most 48 are drawn. Type in the filter to find them.');
    const update = performance.now();
    for (const name in many) many[name]! += 1;
    await httpRequest(app, { body: JSON.stringify({ gauges: many }) });
    await until(page, `document.querySelector('#others li.series')?.getAttribute('data-points') === '2'`);
    t.diagnostic(`next payload of 1 000 series drawn ${(performance.now() - update).toFixed(0)} ms after its POST`);
    await page.type('#filter', 'series_0999');
    await until(page, `document.querySelectorAll('#others .panel').length === 1`);
    assert.equal(await inPage(page, `document.querySelector('#others .panel .latest').textContent`), '1,000');
    assert.equal(await inPage(page, `document.getElementById('notice').hidden`), true);
  });

  test('light and dark schemes follow the browser, the phone width has one column, and no console error or outside request happened', async (t) => {
    await page.click('#filter', { count: 3 });
    await page.keyboard.press('Backspace');
    await page.click('#apps button:nth-child(1)');
    const background = () => inPage<string>(page, `getComputedStyle(document.body).backgroundColor`);
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    const light = await background();
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    const dark = await background();
    assert.notEqual(light, dark);
    await page.screenshot({ path: join(folder, 'live-page-dark.png'), fullPage: true });
    const phone = await openPage(390, 844);
    await phone.waitForSelector('.panel');
    const columns = await inPage(phone, `getComputedStyle(document.getElementById('core')).gridTemplateColumns.split(' ').length`);
    assert.equal(columns, 1);
    const overflow = await inPage(phone, `document.documentElement.scrollWidth - document.documentElement.clientWidth`);
    assert.equal(overflow, 0, 'nothing wider than the phone');
    await phone.screenshot({ path: join(folder, 'live-page-phone.png') });
    t.diagnostic(`screenshots in ${folder}`);
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(foreignRequests, []);
  });
});
