import assert from 'node:assert/strict';
import { PerformanceObserver, performance, type PerformanceEntry } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { Aggregator, RuntimeMetric, report } from 'hmetrics';
import type { Tags } from 'hmetrics';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';

// Real measurements through the whole path: report() with runtime sampling, a real loopback
// Heroku endpoint, real time (short intervals), compared with independent observations.

function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/**
 * A second gc observer, and an aggregator that asks it what it has seen at the exact moment the
 * sampler writes its GC counters. Both observers are fed by the same enqueue, so at that moment
 * they have been given the same entries.
 */
class WitnessedAggregator extends Aggregator {
  readonly seen: number[] = [];
  readonly pauseMs: number[] = [];
  readonly #entries: PerformanceEntry[] = [];
  readonly #observer = new PerformanceObserver((list) => this.#entries.push(...list.getEntries()));

  constructor() {
    super();
    this.#observer.observe({ type: 'gc' });
  }

  override count(name: string, value: number, tags?: Tags, sampleRate?: number): void {
    if (name === RuntimeMetric.gcCollections) {
      this.#entries.push(...this.#observer.takeRecords());
      this.seen.push(this.#entries.length);
      this.pauseMs.push(this.#entries.reduce((sum, e) => sum + e.duration, 0));
    }
    super.count(name, value, tags, sampleRate);
  }

  stop(): void {
    this.#observer.disconnect();
  }
}

/** Heavy allocation in slices, so intervals end while it runs: short-lived garbage and a churning retained set (promotions, major GCs). */
async function churn(ms: number): Promise<void> {
  const retained: unknown[] = new Array(20_000);
  let slot = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 5_000; i++) {
      const garbage = { i, text: `item ${i}`, list: [i, i + 1, i + 2] };
      retained[slot++ % retained.length] = i % 4 === 0 ? new Array(64).fill(garbage) : garbage;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('runtime truth through report()', () => {
  test('GC collections delivered (every payload, the final one included) equal an independent observer\'s count', async () => {
    const endpoint = await HerokuEndpoint.start();
    const aggregator = new WitnessedAggregator();
    const controller = new AbortController();
    // Same synchronous run as the witness's observe(): no entry can be enqueued in between.
    const running = report(controller.signal, endpoint.url(), null, { interval: 250, aggregator });
    await churn(1_200);
    controller.abort();
    await running;
    aggregator.stop();
    await endpoint.close();

    const payloads = endpoint.payloads.map((p) => p.body.counters);
    assert.ok(payloads.length >= 4, `${payloads.length} payloads`);
    assert.equal(payloads.length, aggregator.seen.length, 'one payload per collect');
    const delivered = payloads.reduce((sum, c) => sum + c[RuntimeMetric.gcCollections]!, 0);
    const witnessed = aggregator.seen.at(-1)!;
    assert.ok(witnessed > 20, `heavy allocation should GC often, saw ${witnessed}`);
    assert.equal(delivered, witnessed);
    const deliveredPauseNs = payloads.reduce((sum, c) => sum + c[RuntimeMetric.gcPauseNs]!, 0);
    assert.ok(Math.abs(deliveredPauseNs - aggregator.pauseMs.at(-1)! * 1e6) <= payloads.length * 2,
      `pause ${deliveredPauseNs} ns vs ${aggregator.pauseMs.at(-1)! * 1e6} ns`);

    let young = 0;
    let old = 0;
    for (const c of payloads) {
      assert.equal(c[RuntimeMetric.gcYoungCollections]! + c[RuntimeMetric.gcOldCollections]!, c[RuntimeMetric.gcCollections]);
      assert.equal(c[RuntimeMetric.gcYoungPauseNs]! + c[RuntimeMetric.gcOldPauseNs]!, c[RuntimeMetric.gcPauseNs]);
      young += c[RuntimeMetric.gcYoungCollections]!;
      old += c[RuntimeMetric.gcOldCollections]!;
    }
    assert.ok(young > 0 && old > 0, `young ${young}, old ${old}`);
  });

  test('regression: utilisation covers exactly one interval (load in interval 1 only, intervals 3-5 about 0)', async () => {
    const endpoint = await HerokuEndpoint.start();
    const controller = new AbortController();
    const running = report(controller.signal, endpoint.url(), null, { interval: 250, aggregator: new Aggregator() });
    block(180);
    await endpoint.waitForPayloads(5);
    controller.abort();
    await running;
    await endpoint.close();

    const usage = endpoint.payloads.map((p) => p.body.gauges[RuntimeMetric.eventLoopUsage]!);
    assert.ok(usage[0]! > 0.6, `interval 1 read ${usage[0]}`);
    // Computed from the previous delta instead of the previous absolute reading, these read
    // about the cumulative share (0.15 or more) instead of the idle interval's own.
    for (const i of [2, 3, 4]) assert.ok(usage[i]! >= 0 && usage[i]! < 0.1, `intervals read ${usage.join(', ')}`);
  });

  test('idle delay median is below 1 ms; a 200 ms block reads a max of 180-220 ms in its own interval', async () => {
    const endpoint = await HerokuEndpoint.start();
    const controller = new AbortController();
    const running = report(controller.signal, endpoint.url(), null, { interval: 400, aggregator: new Aggregator() });
    await endpoint.waitForPayloads(1);
    // Payload 1 is on its way: the aggregator was swapped, so the block belongs to interval 2.
    block(200);
    await endpoint.waitForPayloads(3);
    controller.abort();
    await running;
    await endpoint.close();

    const [first, second, third] = endpoint.payloads.map((p) => p.body.gauges);
    for (const [label, gauges] of [['interval 1', first], ['interval 3', third]] as const) {
      assert.ok(gauges![RuntimeMetric.eventLoopDelayMedian]! < 1, `${label} median ${gauges![RuntimeMetric.eventLoopDelayMedian]}`);
      assert.ok(gauges![RuntimeMetric.eventLoopDelayMax]! < 100, `${label} max ${gauges![RuntimeMetric.eventLoopDelayMax]}`);
    }
    const max = second![RuntimeMetric.eventLoopDelayMax]!;
    assert.ok(max >= 180 && max <= 220, `the 200 ms block read as ${max} ms`);
    assert.ok(second![RuntimeMetric.eventLoopDelayMedian]! < 1, 'one block moves the max, not the median');
  });
});
