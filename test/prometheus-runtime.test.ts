import assert from 'node:assert/strict';
import { stat } from 'node:fs';
import { after, describe, test } from 'node:test';
import { prometheusText, stopPrometheus } from 'hmetrics';
import { parseExposition, valueOf } from './helpers/exposition.js';
import { EventLoopLag } from '../src/prometheus/event-loop-lag.js';
import { FamilyList } from '../src/prometheus/family.js';

function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

async function scrape(): Promise<ReturnType<typeof parseExposition>> {
  return parseExposition(await prometheusText());
}

describe('runtime figures at scrape time', () => {
  after(() => stopPrometheus());

  test('regression: a block that ends in the same poll phase as the scrape is not lost to the histogram reset', async () => {
    await scrape(); // resets the delay statistics
    await new Promise((resolve) => setTimeout(resolve, 120)); // a few probe ticks
    const page = await new Promise<ReturnType<typeof parseExposition>>((resolve, reject) => {
      // An I/O callback (poll phase) blocks, then the scrape starts in that same callback, as
      // when a scrape request waited behind the block.
      stat('.', () => { block(200); scrape().then(resolve, reject); });
    });
    const max = valueOf(page, 'nodejs_eventloop_lag_max_seconds')!;
    assert.ok(max >= 0.14 && max < 1, `max ${max} s after a 200 ms block (probe period 50 ms)`);
  });

  test('a scrape waits for the timers phase only when the probe\'s tick is overdue', async () => {
    const lag = new EventLoopLag(50);
    lag.enable();
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(lag.tickOverdue(), false, 'idle, ticking: read at once');
      lag.collect(new FamilyList());
      assert.equal(lag.tickOverdue(), false, 'just reset');
      await new Promise((resolve) => setTimeout(resolve, 300));
      block(200);
      assert.equal(lag.tickOverdue(), true, 'blocked for 200 ms since the last tick');
    } finally {
      lag.disable();
    }
  });

  test('delay is what lies beyond the probe period: an idle loop reads about 0, not the period', async () => {
    await scrape();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const page = await scrape();
    const p50 = valueOf(page, 'nodejs_eventloop_lag_p50_seconds')!;
    assert.ok(p50 >= 0 && p50 < 0.01, `p50 ${p50} s on an idle loop`);
    assert.equal(valueOf(page, 'nodejs_eventloop_lag_seconds'), valueOf(page, 'nodejs_eventloop_lag_mean_seconds'));
  });

  test('counters are monotonic across scrapes; utilisations and pause max cover the time since the previous scrape', async () => {
    const first = await scrape();
    block(100);
    const second = await scrape();
    for (const name of ['process_cpu_seconds_total', 'process_cpu_user_seconds_total']) {
      assert.ok(valueOf(second, name)! > valueOf(first, name)!, name); // CPU spent in the block (less than 100 ms on a busy machine)
    }
    const busy = valueOf(second, 'nodejs_eventloop_utilization_ratio')!;
    assert.ok(busy > 0.5 && busy <= 1, `utilisation ${busy} over a window that was mostly a block`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const idle = valueOf(await scrape(), 'nodejs_eventloop_utilization_ratio')!;
    assert.ok(idle < 0.5, `utilisation ${idle} over an idle window`);
  });

  test('process figures are read at scrape time', async () => {
    const before = await scrape();
    const ballast = Buffer.alloc(64 * 1024 * 1024, 1);
    const afterAlloc = await scrape();
    assert.ok(valueOf(afterAlloc, 'nodejs_external_memory_bytes')! >= valueOf(before, 'nodejs_external_memory_bytes')! + 60e6);
    assert.ok(ballast.length > 0);
    const fds = valueOf(afterAlloc, 'process_open_fds');
    if (process.platform === 'linux') assert.ok(fds !== undefined && fds > 3, `open fds ${fds}`);
  });
});
