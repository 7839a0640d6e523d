import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatPayload } from '../src/cli/format-payload.js';
import { formatNumber, roundNumber } from '../src/metrics/format-number.js';

describe('formatNumber: the precision a value was measured at, never float noise', () => {
  const cases: Array<[number, string]> = [
    // the value of the issue: an event-loop median in ms
    [0.10316699999999912, '0.1032'],
    [0.1 + 0.2, '0.3'],
    [1e-7, '0.0000001'],
    [0.000123456, '0.0001235'],
    [-0.1234567, '-0.1235'],
    [0.99996, '1'],
    [0.5, '0.5'],
    [12.3456789, '12.346'],
    [123456.7891, '123456.789'],
    [-4.5, '-4.5'],
    [1 / 3, '0.3333'],
    [10 / 3, '3.333'],
    [0, '0'],
    [-0, '0'],
    [42, '42'],
    [-17, '-17'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    [2 ** 53 + 2, '9007199254740994'],
    [2 ** 64, '18446744073709551616'],
    [1e21, '1000000000000000000000'],
    [-1e21, '-1000000000000000000000'],
    // smaller than a nanosecond: reads 0, never "-0" or an exponent
    [5e-324, '0'],
    [-1e-12, '0'],
  ];
  for (const [value, text] of cases) {
    test(`${String(value)} → ${text}`, () => assert.equal(formatNumber(value), text));
  }

  test('NaN and ±Infinity have no text', () => {
    for (const value of [Number.NaN, Infinity, -Infinity]) assert.equal(formatNumber(value), undefined);
  });

  test('never an exponent, never more than 9 decimals, always a number that parses back', () => {
    let seed = 7;
    const random = (): number => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
    for (let i = 0; i < 20_000; i++) {
      const value = (random() - 0.5) * 10 ** Math.floor(random() * 60 - 30);
      const text = formatNumber(value)!;
      assert.match(text, /^-?\d+(\.\d{1,9})?$/, `${value} → ${text}`);
      const back = Number(text);
      if (Math.abs(value) >= 1) assert.ok(Math.abs(back - value) <= 0.0005 * (1 + 1e-9) + Math.abs(value) * 1e-15, `${value} → ${text}`);
      else if (Math.abs(value) >= 1e-6) assert.ok(Math.abs(back - value) <= Math.abs(value) * 5e-4 * (1 + 1e-9), `${value} → ${text}`);
    }
  });

  test('integers stay exact whatever their size', () => {
    for (const value of [1, 999_999, 2 ** 31, 2 ** 52 + 1, 2 ** 70, 1e300]) {
      assert.equal(BigInt(formatNumber(value)!), BigInt(value));
    }
  });

  test('roundNumber gives the number that prints as the text (for JSON bodies)', () => {
    assert.equal(roundNumber(0.10316699999999912), 0.1032);
    assert.equal(JSON.stringify(roundNumber(0.1 + 0.2)), '0.3');
    assert.ok(Number.isNaN(roundNumber(Infinity)));
  });
});

test("the receiver's table prints with the same rule", () => {
  const table = formatPayload({
    counters: { 'node.gc.collections': 12, 'big': 2 ** 64 },
    gauges: { 'node.eventloop.delay.ms.median': 0.10316699999999912, 'node.eventloop.delay.ms.max': 12.3456789, 'node.eventloop.usage.percent': 0.1 + 0.2 },
  }, 'payload');
  const cells = table.split(/\s+/);
  for (const text of ['12', '18446744073709551616', '0.1032', '12.346', '0.3']) assert.ok(cells.includes(text), `${text} in\n${table}`);
  assert.doesNotMatch(table, /0\.1031669|0\.30000000000000004|e\+/);
});
