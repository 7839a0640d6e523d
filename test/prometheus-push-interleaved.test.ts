import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { processAggregator, prometheusText, report, stopPrometheus } from 'hmetrics';
import { parseExposition, valueOf } from './helpers/exposition.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { until } from './helpers/wait.js';

after(() => stopPrometheus());

async function scraped(): Promise<number | undefined> {
  return valueOf(parseExposition(await prometheusText()), 'interleaved_hits_total');
}

/**
 * Prometheus reads the aggregator through a tap of its own; the push loop drains it with swap().
 * Scrapes before, during and between report loops never take an increment from the push loop,
 * and the push loop never takes one from Prometheus: both see all 9, exactly.
 */
test('scrapes interleaved with the push loop: each sees every increment exactly once', async () => {
  const endpoint = await HerokuEndpoint.start();
  try {
    await prometheusText(); // the store starts: it counts from here
    processAggregator.count('interleaved.hits', 3);
    assert.equal(await scraped(), 3, 'scrape before any report loop');
    assert.equal(await scraped(), 3, 'a second scrape changes nothing');
    const controller = new AbortController();
    // A generous timeout: a delivery timed out on a loaded machine is resent (carry-over), and the
    // endpoint, which did receive it, would count it twice.
    const loop = report(controller.signal, endpoint.url(), null, { interval: 40, timeout: 5_000, runtime: false });
    processAggregator.count('interleaved.hits', 2);
    assert.equal(await scraped(), 5, 'scrape while the loop runs');
    const seen = endpoint.payloads.length;
    await until(() => endpoint.payloads.length > seen + 1, 10_000, 'two deliveries');
    processAggregator.count('interleaved.hits', 4);
    assert.equal(await scraped(), 9);
    controller.abort();
    await loop;
    assert.equal(await scraped(), 9, 'Prometheus keeps its total');
    const pushed = endpoint.payloads.reduce((sum, p) => sum + (p.body.counters['interleaved.hits'] ?? 0), 0);
    assert.equal(pushed, 9, 'the push loop delivered every increment, including those recorded before it started');
  } finally {
    await endpoint.close();
  }
});
