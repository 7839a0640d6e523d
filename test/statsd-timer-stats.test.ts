/**
 * Timer statistics checked against the real Etsy statsd server (npm `statsd` 0.9) fed the same
 * lines: its `timer_data` (lib/process_metrics.js) is the oracle for median and `upper_N`.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { Aggregator, StatsdReceiver } from 'hmetrics';
import { summarizeTimer } from '../src/metrics/timer-stats.js';
import { EtsyStatsd } from './helpers/etsy-statsd.js';

const PERCENTILES = [1, 25, 50, 75, 90, 95, 99];
// Odd and even counts, and counts where N/100 × count ends in .5: 2 (p25, p75), 5 (p50, p90),
// 6 (p25, p75), 10 (p95), 50 (p99), 30 (p25, p75, p95), 150 (p99).
const COUNTS = [1, 2, 3, 4, 5, 6, 7, 10, 11, 30, 50, 101, 150];

/** `count` distinct values in a scrambled order, multiples of 0.5 so every sum is exact. */
function valuesFor(count: number): number[] {
  return Array.from({ length: count }, (_, i) => ((i * 37 + 11) % (count * 3 + 1)) / 2);
}

describe('timer median and percentiles equal Etsy statsd\'s timer_data', () => {
  let etsy: EtsyStatsd;
  before(async () => { etsy = await EtsyStatsd.start({ flushInterval: 100, percentThreshold: PERCENTILES }); });
  after(async () => { await etsy.close(); });

  test('even and odd counts, .5 thresholds, a percentile with no value (p1 of few)', async () => {
    // One datagram per timer: Etsy handles a datagram in one go, so a timer never spans two flushes.
    const datagrams = COUNTS.map((count) => valuesFor(count).map((v) => `stats.t${count}:${v}|ms`).join('\n'));
    const aggregator = new Aggregator();
    const receiver = new StatsdReceiver({ aggregator, counterRates: false });
    for (const d of datagrams) receiver.ingest(d);
    await receiver.close();
    const snapshot = aggregator.swap();

    const socket = createSocket('udp4');
    for (const d of datagrams) await new Promise<void>((resolve, reject) => socket.send(d, etsy.port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    socket.close();
    const etsyData = (key: string): Record<string, number> | undefined => etsy.flushes.map((f) => f.timer_data?.[key]).find((t) => t !== undefined && t['count']! > 0);
    await etsy.waitFor(() => COUNTS.every((c) => etsyData(`stats.t${c}`) !== undefined));

    for (const count of COUNTS) {
      const theirs = etsyData(`stats.t${count}`)!;
      const ours = summarizeTimer(snapshot.timers.get(`stats.t${count}`)!, 1000, PERCENTILES);
      const label = `count ${count}`;
      assert.equal(ours.count, theirs['count'], label);
      assert.equal(ours.median, theirs['median'], `${label}: median`);
      assert.equal(ours.mean, theirs['mean'], `${label}: mean`);
      assert.equal(ours.stddev, theirs['std'], `${label}: stddev`);
      assert.equal(ours.min, theirs['lower'], `${label}: min`);
      assert.equal(ours.max, theirs['upper'], `${label}: max`);
      assert.equal(ours.sum, theirs['sum'], `${label}: sum`);
      assert.equal(ours.sumSquares, theirs['sum_squares'], `${label}: sum of squares`);
      const theirPercentiles = PERCENTILES.filter((p) => theirs[`upper_${p}`] !== undefined).map((p) => [p, theirs[`upper_${p}`]]);
      assert.deepEqual(ours.percentiles, theirPercentiles, `${label}: upper_N`);
    }
    // The cases the issue names: [10, 20, 30, 40] has median 25 at both peers.
    const evenFour = etsyData('stats.t4')!;
    assert.equal(evenFour['median'], (valuesFor(4).sort((a, b) => a - b)[1]! + valuesFor(4).sort((a, b) => a - b)[2]!) / 2);
    assert.equal(etsyData('stats.t10')!['upper_1'], undefined, 'Etsy leaves out a threshold holding no value');
  });
});
