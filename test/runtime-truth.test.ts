import assert from 'node:assert/strict';
import { PerformanceObserver, performance, type PerformanceEntry } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { Aggregator, RuntimeMetric, report } from 'hmetrics';
import type { Tags } from 'hmetrics';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { delayProbe } from '../src/runtime/delay-probe.js';

// Real measurements through the whole path: report() with runtime sampling, a real loopback
// Heroku endpoint, real time (short intervals), compared with independent observations.

/** Waits for the shared delay probe to go idle (asking it to check, as its own timer does once a second). */
async function settleIdle(): Promise<void> {
  const probe = delayProbe();
  for (let i = 0; i < 40 && !probe.idle; i++) {
    await new Promise((resolve) => setTimeout(resolve, 60));
    probe.check();
  }
  assert.equal(probe.idle, true, 'the probe went idle between deliveries');
}

function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/**
 * A second gc observer, and an aggregator that asks it what it has seen at the exact moment the
 * sampler writes its GC counters. Both observers are fed by the same enqueue, so at that moment
 * they have been given the same entries. The sampler counts only GCs that began after its
 * enable() (an entry reaches observers a loop turn after its GC, so one from before the start
 * can arrive after it); `between(t0, t1)` applies the same rule for a start time known to lie
 * in [t0, t1], and says how many entries fall in the window, where the answer is ambiguous.
 */
class WitnessedAggregator extends Aggregator {
  /** Entries seen at each write of the GC counters (a copy of the list at that moment). */
  readonly #seenAt: PerformanceEntry[][] = [];
  readonly #entries: PerformanceEntry[] = [];
  readonly #observer = new PerformanceObserver((list) => this.#entries.push(...list.getEntries()));

  constructor() {
    super();
    this.#observer.observe({ type: 'gc' });
  }

  override count(name: string, value: number, tags?: Tags, sampleRate?: number): void {
    if (name === RuntimeMetric.gcCollections) {
      this.#entries.push(...this.#observer.takeRecords());
      this.#seenAt.push([...this.#entries]);
    }
    super.count(name, value, tags, sampleRate);
  }

  /** How many times the GC counters were written. */
  get collects(): number {
    return this.#seenAt.length;
  }

  /**
   * GCs seen by the last write that began at or after `t1` (surely counted), and those that
   * began in [t0, t1) (counted or not, as the start fell), with the pause of the sure ones.
   */
  between(t0: number, t1: number): { sure: number; ambiguous: number; surePauseMs: number; ambiguousPauseMs: number } {
    const last = this.#seenAt.at(-1) ?? [];
    const sure = last.filter((e) => e.startTime >= t1);
    const ambiguous = last.filter((e) => e.startTime >= t0 && e.startTime < t1);
    const pause = (list: PerformanceEntry[]): number => list.reduce((sum, e) => sum + e.duration, 0);
    return { sure: sure.length, ambiguous: ambiguous.length, surePauseMs: pause(sure), ambiguousPauseMs: pause(ambiguous) };
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
    // The sampler's enable() runs inside report()'s synchronous part: its start lies in [t0, t1].
    const t0 = performance.now();
    const running = report(controller.signal, endpoint.url(), null, { interval: 250, aggregator });
    const t1 = performance.now();
    await churn(1_200);
    controller.abort();
    await running;
    aggregator.stop();
    await endpoint.close();

    const payloads = endpoint.payloads.map((p) => p.body.counters);
    assert.ok(payloads.length >= 4, `${payloads.length} payloads`);
    assert.equal(payloads.length, aggregator.collects, 'one payload per collect');
    const delivered = payloads.reduce((sum, c) => sum + c[RuntimeMetric.gcCollections]!, 0);
    const witnessed = aggregator.between(t0, t1);
    assert.ok(witnessed.sure > 20, `heavy allocation should GC often, saw ${witnessed.sure}`);
    // Exact, but for a GC that began inside report()'s own synchronous start (almost never one).
    assert.ok(delivered >= witnessed.sure && delivered <= witnessed.sure + witnessed.ambiguous,
      `delivered ${delivered}, witnessed ${witnessed.sure} (+${witnessed.ambiguous} during the start)`);
    const deliveredPauseNs = payloads.reduce((sum, c) => sum + c[RuntimeMetric.gcPauseNs]!, 0);
    const surePauseNs = witnessed.surePauseMs * 1e6;
    assert.ok(deliveredPauseNs >= surePauseNs - payloads.length * 2 && deliveredPauseNs <= surePauseNs + witnessed.ambiguousPauseMs * 1e6 + payloads.length * 2,
      `pause ${deliveredPauseNs} ns vs ${surePauseNs} ns`);

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

  test('idle mode: a 50 ms and a 200 ms block that start while the probe is slow read 30-60 and 180-220 ms, each in one interval', async () => {
    const endpoint = await HerokuEndpoint.start();
    const controller = new AbortController();
    const running = report(controller.signal, endpoint.url(), null, { interval: 400, aggregator: new Aggregator() });
    await endpoint.waitForPayloads(1);
    for (const ms of [50, 200]) {
      await settleIdle();
      block(ms);
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(delayProbe().idle, false, `the ${ms} ms block woke the probe`);
      await endpoint.waitForPayloads(endpoint.payloads.length + 2);
    }
    controller.abort();
    await running;
    await endpoint.close();

    const gauges = endpoint.payloads.map((p) => p.body.gauges);
    const maxes = gauges.map((g) => g[RuntimeMetric.eventLoopDelayMax]!);
    const blocks = maxes.filter((max) => max >= 25);
    assert.equal(blocks.length, 2, `each block in exactly one interval: maxes ${maxes.join(', ')}`);
    assert.ok(blocks[0]! >= 30 && blocks[0]! <= 60, `the 50 ms block read as ${blocks[0]} ms`);
    assert.ok(blocks[1]! >= 180 && blocks[1]! <= 220, `the 200 ms block read as ${blocks[1]} ms`);
    for (const g of gauges) assert.ok(g[RuntimeMetric.eventLoopDelayMedian]! < 1, `medians ${gauges.map((x) => x[RuntimeMetric.eventLoopDelayMedian]).join(', ')}`);
  });

  test('idle mode: hmetrics\' own reporting (a delivery every 250 ms) does not wake the probe', async () => {
    const endpoint = await HerokuEndpoint.start();
    const controller = new AbortController();
    const running = report(controller.signal, endpoint.url(), null, { interval: 250, aggregator: new Aggregator() });
    await endpoint.waitForPayloads(2); // the first deliveries load and compile the delivery path
    // A callback the OS preempts for 5 ms is a real block, and wakes the probe as it should: on
    // a loaded machine one window of four deliveries may see one. So up to three windows are
    // watched; at least one must pass without a switch, and its callbacks must stay far under
    // the count that wakes the probe (100 per slow period).
    const outcomes: string[] = [];
    for (let window = 0; window < 3; window++) {
      await settleIdle();
      const probe = delayProbe();
      const switches = probe.switches;
      const callbacks = probe.watchedCallbacks;
      const start = performance.now();
      await endpoint.waitForPayloads(endpoint.payloads.length + 4);
      const switched = probe.switches - switches;
      if (!probe.idle || switched > 0) {
        outcomes.push(`${switched} switch(es)`);
        continue;
      }
      const perSlowPeriod = (probe.watchedCallbacks - callbacks) / ((performance.now() - start) / 250);
      outcomes.push(`idle, ${perSlowPeriod.toFixed(1)} callbacks per 250 ms`);
      assert.ok(perSlowPeriod < 50, `hmetrics' own reporting ran ${perSlowPeriod.toFixed(1)} callbacks per slow period: near the wake limit`);
      break;
    }
    controller.abort();
    await running;
    await endpoint.close();
    assert.ok(outcomes.at(-1)?.startsWith('idle'), `four deliveries switched the probe in every window: ${outcomes.join('; ')}`);
  });
});
