import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rfc3339 } from '../src/sinks/rfc3339.js';

test('rfc3339 writes what toISOString writes: edges of days, months, leap years and centuries', () => {
  const edges = [
    0, 1, 999, 1_000, 59_999, 86_399_999, 86_400_000,
    Date.UTC(1972, 1, 29, 23, 59, 59, 999), Date.UTC(1972, 2, 1),
    Date.UTC(2000, 1, 29, 12), Date.UTC(2000, 11, 31, 23, 59, 59, 999), Date.UTC(2001, 0, 1),
    Date.UTC(2024, 1, 29), Date.UTC(2026, 11, 8, 1, 2, 3, 4),
    Date.UTC(2100, 1, 28, 23, 59, 59, 999), Date.UTC(2100, 2, 1), Date.UTC(2400, 1, 29),
    Date.UTC(9999, 11, 31, 23, 59, 59, 999),
  ];
  for (const ms of edges) assert.equal(rfc3339(ms), new Date(ms).toISOString(), `at ${ms}`);
});

test('rfc3339 agrees with toISOString on 100 000 random instants from 1970 to 9999', () => {
  let seed = 19;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < 100_000; i++) {
    // Half near now (what deliveries send), half anywhere a four-digit year reaches.
    const ms = i % 2 === 0 ? Math.floor(1.7e12 + random() * 1e11) : Math.floor(random() * 253_402_300_799_999);
    const expected = new Date(ms).toISOString();
    if (rfc3339(ms) !== expected) assert.equal(rfc3339(ms), expected, `at ${ms}`);
  }
});

test('rfc3339 leaves what it does not compute to Date: fractions, before 1970, past 9999, NaN', () => {
  for (const ms of [1.5, -1, -86_400_001, 253_402_300_800_000, 8.64e15]) assert.equal(rfc3339(ms), new Date(ms).toISOString());
  assert.throws(() => rfc3339(Number.NaN), RangeError);
});
