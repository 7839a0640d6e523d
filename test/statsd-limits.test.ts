/**
 * The receiver's limits that hold for every input: byte limits on names, tags and set members
 * (checked at parse time, before any hashing), and a series table whose cost does not depend on
 * where names differ.
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'node:test';
import { Aggregator, InternalMetric, InvalidOption, StatsdReceiver } from 'hmetrics';
import { forEachLine, newScan, parseStatsdLine } from '../src/statsd/parse.js';
import { SeriesTable } from '../src/statsd/series-table.js';

// A deterministic full GC without restarting node with --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('a name over 256 UTF-8 bytes is a bad line; the limit counts bytes, not characters', () => {
  assert.ok(parseStatsdLine(`${'a'.repeat(256)}:1|c`), '256 ASCII bytes fit');
  assert.equal(parseStatsdLine(`${'a'.repeat(257)}:1|c`), undefined);
  assert.ok(parseStatsdLine(`${'é'.repeat(128)}:1|c`), '128 × 2 bytes fit');
  assert.equal(parseStatsdLine(`${'é'.repeat(129)}:1|c`), undefined, '129 characters, 258 bytes');
  assert.ok(parseStatsdLine(`${'€'.repeat(85)}:1|c`), '85 × 3 bytes fit');
  assert.equal(parseStatsdLine(`${'€'.repeat(86)}:1|c`), undefined, '86 characters, 258 bytes');
  assert.ok(parseStatsdLine(`${'😀'.repeat(64)}:1|c`), '64 × 4 bytes fit');
  assert.equal(parseStatsdLine(`${'😀'.repeat(64)}a:1|c`), undefined, '257 bytes');
});

test('a tag list over 512 bytes or 64 tags, and a set member over 256 bytes, are bad lines', () => {
  const tags512 = `k:${'v'.repeat(510)}`;
  assert.deepEqual(parseStatsdLine(`x:1|c|#${tags512}`)?.tags, [tags512]);
  assert.equal(parseStatsdLine(`x:1|c|#${tags512}v`), undefined);
  assert.equal(parseStatsdLine(`x:1|c|#${'a:b,'.repeat(130)}`), undefined, 'many short tags add up');
  const tags64 = Array.from({ length: 64 }, (_, i) => `t${i}`).join(',');
  assert.equal(parseStatsdLine(`x:1|c|#${tags64}`)?.tags.length, 64);
  assert.equal(parseStatsdLine(`x:1|c|#${tags64},t64`), undefined, '65 tags');
  assert.ok(parseStatsdLine(`users:${'m'.repeat(256)}|s`));
  assert.equal(parseStatsdLine(`users:${'m'.repeat(257)}|s`), undefined);
  assert.equal(parseStatsdLine(`users:ann:${'m'.repeat(257)}|s`), undefined, 'one long packed member rejects the whole line');
});

test('maxNameBytes and maxTagBytes are options of the receiver, validated', () => {
  const aggregator = new Aggregator();
  const receiver = new StatsdReceiver({ aggregator, maxNameBytes: 10, maxTagBytes: 8, counterRates: false });
  receiver.ingest('abcdefghij:1|c\nabcdefghijk:1|c\nt:1|c|#a:1,b:22\nt:1|c|#a:1,b:222');
  assert.deepEqual(receiver.stats, { packets: 1, lines: 4, badLines: 2, droppedSeries: 0 });
  void receiver.close();
  for (const bad of [0, -1, 1.5, 8193, '256']) {
    assert.throws(() => new StatsdReceiver({ aggregator, maxNameBytes: bad as number }), InvalidOption);
    assert.throws(() => new StatsdReceiver({ aggregator, maxTagBytes: bad as number }), InvalidOption);
  }
});

// Regression: with no limit, 10 000 datagrams of unique 60 KB names kept ~575 MB of heap for the
// interval (and V8 hashes strings over ~16 K characters by length alone, so each lookup also
// walked every earlier name).
test('10 000 unique 60 KB names: heap stays bounded and every one is counted as a bad line', () => {
  const aggregator = new Aggregator();
  const receiver = new StatsdReceiver({ aggregator, counterRates: false });
  const filler = 'n'.repeat(60 * 1024);
  gc();
  const before = process.memoryUsage().heapUsed;
  const bound = 32 * 1024 * 1024;
  let peak = 0;
  for (let i = 0; i < 10_000; i++) {
    receiver.ingest(Buffer.from(`${i}.${filler}:1|c`));
    if (i % 500 === 499) {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      // Fail early rather than grow to hundreds of MB on a shared machine.
      assert.ok(peak < bound, `heap grew by ${(peak / 1048576).toFixed(1)} MB after ${i + 1} names`);
    }
  }
  assert.deepEqual(receiver.stats, { packets: 10_000, lines: 10_000, badLines: 10_000, droppedSeries: 0 });
  const snapshot = aggregator.swap();
  assert.equal(snapshot.counters.get(InternalMetric.statsdBadLines)?.value, 10_000);
  assert.equal(snapshot.counters.size, 4, 'only the receiver\'s own counters: no 60 KB series');
  void receiver.close();
});

const SHAPES: ReadonlyArray<readonly [string, (i: number) => string]> = [
  ['start', (i) => `${i}.app.requests.count:1|c`],
  ['middle', (i) => `app.${i}.requests.count:1|c`],
  ['end', (i) => `app.requests.count.${i}:1|c`],
  ['tag', (i) => `app.requests.count:1|c|#id:${i}`],
];

// Regression: the table hashed only the length, the first 4 and the last 12 characters, so names
// differing in the middle shared one chain (~5 000 comparisons per line for 10 000 series).
test('10 000 series of every name shape cost the same comparisons per line (within 1.5×)', () => {
  const perLine = new Map<string, number>();
  for (const [shape, line] of SHAPES) {
    const table = new SeriesTable(10_000);
    const scan = newScan();
    const counts = { lines: 0, badLines: 0 };
    const text = Array.from({ length: 10_000 }, (_, i) => line(i)).join('\n');
    let found = 0;
    for (let round = 0; round < 3; round++) forEachLine(text, scan, (s, t) => { if (table.lookup(t, s)) found++; }, counts);
    assert.equal(found, 30_000, `${shape}: every line found its series`);
    assert.equal(table.dropped, 0);
    perLine.set(shape, table.comparisons / counts.lines);
  }
  const costs = [...perLine.values()];
  const ratio = Math.max(...costs) / Math.min(...costs);
  assert.ok(ratio <= 1.5, `comparisons per line by shape: ${JSON.stringify(Object.fromEntries(perLine))}`);
  assert.ok(Math.max(...costs) < 2, `a lookup is about one comparison: ${JSON.stringify(Object.fromEntries(perLine))}`);
});

test('colliding hashes cost at most a bounded chain: every series still found and counted right', () => {
  // A mask of 0 puts every spelling under one hash: the worst crafted collisions could do.
  const table = new SeriesTable(10_000, 0);
  const scan = newScan();
  const counts = { lines: 0, badLines: 0 };
  const text = Array.from({ length: 10_000 }, (_, i) => `app.${i}.requests:1|c`).join('\n');
  for (let round = 0; round < 3; round++) forEachLine(text, scan, (s, t) => { table.lookup(t, s)!.value++; }, counts);
  const cells = [...table.counters()];
  assert.equal(cells.length, 10_000);
  assert.ok(cells.every((c) => c.value === 3), 'each series got its three lines');
  const perLine = table.comparisons / counts.lines;
  assert.ok(perLine <= 9, `comparisons per line ${perLine}: the chain is capped at 8 spellings`);
});
