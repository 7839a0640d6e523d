import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ContainerWarnings, WARNING_RULES, warningsEnabled } from '../src/container/warnings.js';

const MiB = 1024 * 1024;
const HOUR = 3_600_000;

/** Warnings with their own clock, their own output and their own once-per-hour memory. */
function make(enabled = true) {
  const lines: string[] = [];
  let time = 1_000_000;
  const warnings = new ContainerWarnings({ write: (line) => lines.push(line), now: () => time }, enabled, {});
  return { warnings, lines, advance: (ms: number) => { time += ms; } };
}

describe('heap limit above the container limit', () => {
  test('warns once at start, suggesting 75 % of the limit as --max-old-space-size and saying so', () => {
    const { warnings, lines } = make();
    warnings.checkHeapLimit(259 * MiB, 256 * MiB);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^\[hmetrics\] warning: the V8 heap limit \(259 MiB\) is above the container's memory limit \(256 MiB\)/);
    assert.match(lines[0]!, /--max-old-space-size=192 \(75 % of the limit/);
    assert.match(lines[0]!, /HMETRICS_WARNINGS=0/);
  });

  test('silent when the heap fits, or when there is no limit', () => {
    const { warnings, lines } = make();
    warnings.checkHeapLimit(200 * MiB, 256 * MiB);
    warnings.checkHeapLimit(4096 * MiB, null);
    warnings.checkHeapLimit(4096 * MiB, undefined);
    assert.deepEqual(lines, []);
  });

  test('never more than one line per hour', () => {
    const { warnings, lines, advance } = make();
    warnings.checkHeapLimit(2048 * MiB, 512 * MiB);
    advance(HOUR - 1);
    warnings.checkHeapLimit(2048 * MiB, 512 * MiB);
    assert.equal(lines.length, 1);
    advance(1);
    warnings.checkHeapLimit(2048 * MiB, 512 * MiB);
    assert.equal(lines.length, 2);
  });

  test('HMETRICS_WARNINGS=0 (and false/no/off) turns them off; unset or 1 leaves them on', () => {
    const { warnings, lines } = make(false);
    warnings.checkHeapLimit(2048 * MiB, 512 * MiB);
    warnings.checkInterval(undefined, 500 * MiB, 512 * MiB);
    assert.deepEqual(lines, []);
    for (const value of ['0', 'false', 'NO', ' off ']) assert.equal(warningsEnabled({ HMETRICS_WARNINGS: value }), false, value);
    for (const value of [undefined, '1', 'true', '']) assert.equal(warningsEnabled({ HMETRICS_WARNINGS: value }), true, String(value));
  });
});

describe('heap after full GC growing', () => {
  const feed = (warnings: ContainerWarnings, values: readonly number[]) => { for (const v of values) warnings.checkInterval(v * MiB, undefined, null); };

  test(`warns when it grew by more than ${WARNING_RULES.growthFraction * 100} % and 16 MiB over ${WARNING_RULES.growthIntervals} intervals`, () => {
    const { warnings, lines, advance } = make();
    advance(WARNING_RULES.growthWarmupMs);
    feed(warnings, [100, 104, 108, 112, 116, 120]);
    assert.deepEqual(lines, [], 'six samples cover five intervals: not yet');
    feed(warnings, [125]);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /heap after full GC grew from 100 to 125 MiB over the last 6 intervals/);
  });

  test('no warning for growth under either threshold, or when the heap fell back within the window', () => {
    const [small, slow, sawtooth] = [make(), make(), make()];
    for (const one of [small, slow, sawtooth]) one.advance(WARNING_RULES.growthWarmupMs);
    feed(small.warnings, [10, 11, 12, 13, 14, 15, 20]); // +100 % but only 10 MiB
    feed(slow.warnings, [500, 502, 504, 506, 508, 510, 540]); // +40 MiB but 8 %
    feed(sawtooth.warnings, [100, 140, 90, 140, 100, 140, 140]); // fell below the first sample
    assert.deepEqual([...small.lines, ...slow.lines, ...sawtooth.lines], []);
  });

  test('regression: no warning for the growth of the first ten minutes (caches and code warming up)', () => {
    const { warnings, lines, advance } = make();
    for (const v of [10, 20, 30, 40, 50, 60, 70, 80, 90, 95]) { warnings.checkInterval(v * MiB, undefined, null); advance(60_000); }
    assert.deepEqual(lines, [], 'warm-up growth is no leak');
    for (const v of [100, 110, 120, 130, 140, 150, 160]) { warnings.checkInterval(v * MiB, undefined, null); advance(60_000); }
    assert.equal(lines.length, 1, 'the same growth after warm-up warns');
    assert.match(lines[0]!, /grew from 100 to 160 MiB/);
  });
});

describe('working set near the limit', () => {
  test('warns above 90 % of the limit, once an hour', () => {
    const { warnings, lines, advance } = make();
    warnings.checkInterval(undefined, 460 * MiB, 512 * MiB); // 89.8 %
    assert.deepEqual(lines, []);
    warnings.checkInterval(undefined, 470 * MiB, 512 * MiB);
    warnings.checkInterval(undefined, 480 * MiB, 512 * MiB);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /working set \(470 MiB\) is above 90 % of its memory limit \(512 MiB\)/);
    advance(HOUR);
    warnings.checkInterval(undefined, 480 * MiB, 512 * MiB);
    assert.equal(lines.length, 2);
  });

  test('no limit, no warning', () => {
    const { warnings, lines } = make();
    warnings.checkInterval(undefined, 8000 * MiB, null);
    assert.deepEqual(lines, []);
  });
});
