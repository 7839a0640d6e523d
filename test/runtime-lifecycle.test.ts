import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { after, describe, test } from 'node:test';
import { Aggregator, RuntimeMetric, createRuntimeSampler, report } from 'hmetrics';
import { runNode } from './helpers/child.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';

/**
 * Spies on everything the sampler can hold: connected gc observers, enabled event-loop-delay
 * histograms, and timers it created and has not cleared. Restored by `restore()`.
 */
function spy(): { observers: Set<object>; histograms: Set<object>; timers: Set<unknown>; restore(): void } {
  const observers = new Set<object>();
  const histograms = new Set<object>();
  const timers = new Set<unknown>();
  const observerProto = PerformanceObserver.prototype;
  const { observe, disconnect } = observerProto;
  observerProto.observe = function (this: PerformanceObserver, ...args: Parameters<typeof observe>) {
    observers.add(this);
    return observe.apply(this, args);
  };
  observerProto.disconnect = function (this: PerformanceObserver) {
    observers.delete(this);
    return disconnect.call(this);
  };
  const histogramProto = Object.getPrototypeOf(monitorEventLoopDelay()) as { enable(): boolean; disable(): boolean };
  const { enable, disable } = histogramProto;
  histogramProto.enable = function (this: object) {
    histograms.add(this);
    return enable.call(this);
  };
  histogramProto.disable = function (this: object) {
    histograms.delete(this);
    return disable.call(this);
  };
  const { setTimeout: realSetTimeout, clearTimeout: realClearTimeout } = globalThis;
  globalThis.setTimeout = ((...args: Parameters<typeof realSetTimeout>) => {
    const timer = realSetTimeout(...args);
    timers.add(timer);
    return timer;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((timer: Parameters<typeof realClearTimeout>[0]) => {
    timers.delete(timer);
    realClearTimeout(timer);
  }) as typeof clearTimeout;
  return {
    observers,
    histograms,
    timers,
    restore() {
      Object.assign(observerProto, { observe, disconnect });
      Object.assign(histogramProto, { enable, disable });
      Object.assign(globalThis, { setTimeout: realSetTimeout, clearTimeout: realClearTimeout });
    },
  };
}

describe('runtime sampler lifecycle', () => {
  test('enable/disable are idempotent and release observer, histogram and timers; enable works again after', () => {
    const held = spy();
    try {
      const sampler = createRuntimeSampler();
      sampler.enable();
      sampler.enable();
      assert.equal(held.observers.size, 1, 'one gc observer');
      assert.equal(held.histograms.size, 1, 'one event-loop-delay histogram');
      // The delay probe's bridge (one-shot per drain, at the probe period) and its once-a-second
      // idle check (delay-probe.ts): two periods, so two Timeouts.
      assert.equal(held.timers.size, 2, 'two timers: the bridge and the idle check');
      for (const timer of held.timers) assert.equal((timer as NodeJS.Timeout).hasRef(), false, 'every timer is unref\'d');
      sampler.disable();
      sampler.disable();
      assert.deepEqual([held.observers.size, held.histograms.size, held.timers.size], [0, 0, 0]);

      sampler.enable();
      assert.deepEqual([held.observers.size, held.histograms.size, held.timers.size], [1, 1, 2]);
      const aggregator = new Aggregator();
      sampler.collect(aggregator);
      assert.equal(aggregator.swap().counters.get(RuntimeMetric.gcCollections)?.value, 0, 'collects again after a restart');
      sampler.disable();
      assert.deepEqual([held.observers.size, held.histograms.size, held.timers.size], [0, 0, 0]);
    } finally {
      held.restore();
    }
  });

  const child = (body: string): Promise<Awaited<ReturnType<typeof runNode>>> =>
    runNode({ args: ['--input-type=module', '-e', `import { Aggregator, createRuntimeSampler } from 'hmetrics';\n${body}`], limitMs: 10_000 });

  test('a process that enabled and disabled the sampler ends on its own and holds nothing extra', async () => {
    const result = await child(`
      await new Promise((resolve) => setTimeout(resolve, 50)); // module loading's own fs requests settle
      const before = process.getActiveResourcesInfo();
      const sampler = createRuntimeSampler();
      sampler.enable();
      await new Promise((resolve) => setTimeout(resolve, 100));
      sampler.collect(new Aggregator());
      sampler.disable();
      sampler.enable();
      sampler.disable();
      console.log(JSON.stringify({ before, after: process.getActiveResourcesInfo() }));
    `);
    assert.equal(result.killedByTest, false, 'the child did not end on its own');
    assert.equal(result.code, 0, result.stderr);
    const { before, after } = JSON.parse(result.stdout) as { before: string[]; after: string[] };
    assert.deepEqual(after, before);
  });

  test('a sampler left enabled never keeps the process alive (everything unref\'d)', async () => {
    const result = await child(`createRuntimeSampler().enable(); console.log('enabled');`);
    assert.equal(result.killedByTest, false, 'the child did not end on its own');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'enabled');
  });
});

describe('report() restart', () => {
  let endpoint: HerokuEndpoint;
  after(async () => { await endpoint?.close(); });

  test('the first payload after a restart covers only the time since that restart', async () => {
    endpoint = await HerokuEndpoint.start();
    const aggregator = new Aggregator();
    const first = new AbortController();
    const running = report(first.signal, endpoint.url(), null, { interval: 200, aggregator });
    // CPU and loop time spent under the first loop, none of which may show after the restart.
    const start = process.cpuUsage();
    while (process.cpuUsage(start).user < 300_000);
    first.abort();
    await running;
    const stopped = endpoint.payloads.length;

    const second = new AbortController();
    const restartedAt = performance.now();
    const restarted = report(second.signal, endpoint.url(), null, { interval: 200, aggregator });
    await endpoint.waitForPayloads(stopped + 1);
    const wallUs = (performance.now() - restartedAt) * 1000;
    second.abort();
    await restarted;

    const before = endpoint.payloads.slice(0, stopped);
    const cpuBefore = before.reduce((sum, p) => sum + p.body.counters[RuntimeMetric.cpuUserUs]!, 0);
    assert.ok(cpuBefore >= 300_000, `the first loop counted ${cpuBefore} µs`);
    const { counters, gauges } = endpoint.payloads[stopped]!.body;
    const cpu = counters[RuntimeMetric.cpuUserUs]! + counters[RuntimeMetric.cpuSystemUs]!;
    assert.ok(cpu <= wallUs * availableParallelism(), `${cpu} µs of CPU in ${wallUs} µs of wall time`);
    assert.ok(gauges[RuntimeMetric.eventLoopUsage]! < 0.5, `utilisation ${gauges[RuntimeMetric.eventLoopUsage]}`);
  });
});
