import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { Aggregator, processAggregator } from '../src/index.js';
import * as api from '../src/index.js';
import * as lazy from '../src/telemetry/lazy-api.js';
import { resetForTests } from '../src/telemetry/api.js';
import { resetDebug } from '../src/util/debug.js';
import { RefusedMetric } from '../src/metrics/names.js';
import { resetToldRefusals } from '../src/metrics/refusals.js';
import type { Snapshot } from '../src/metrics/snapshot.js';

// Every exported recording function accepts any value: it never throws into the app, counts
// what it refuses in hmetrics.dropped.invalid / hmetrics.dropped.non_finite, and in verbose
// mode says why once per key (docs/telemetry.md, "Refusals and finite numbers").

const throwingToString = { toString() { throw new Error('toString'); }, valueOf() { throw new Error('valueOf'); } };
const throwingGetter = { get a() { throw new Error('getter'); } };
const throwingProxy = new Proxy({}, { get() { throw new Error('proxy get'); }, ownKeys() { throw new Error('proxy keys'); }, getPrototypeOf() { throw new Error('proxy proto'); } });
const circular: Record<string, unknown> = {};
circular['self'] = circular;

/** Keys no caller should pass, but `increment(process.env.UNSET)` does. */
const HOSTILE_KEYS: readonly [string, unknown][] = [
  ['undefined', undefined], ['null', null], ['a symbol', Symbol('k')], ['a number', 42], ['NaN', NaN],
  ['an object with a throwing toString', throwingToString], ['a throwing Proxy', throwingProxy], ['a function', () => 1], ['a bigint', 10n],
];
/** Values no JSON buffer can hold. */
const HOSTILE_VALUES: readonly [string, unknown][] = [
  ['undefined', undefined], ['a symbol', Symbol('v')], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity],
  ['a bigint', 10n], ['a function', () => 1], ['an object with a throwing getter', throwingGetter], ['a throwing Proxy', throwingProxy],
  ['a circular object', circular], ['an object with a throwing toString', throwingToString],
];

function refusals(snapshot: Snapshot): { invalid: number; nonFinite: number } {
  return {
    invalid: snapshot.counters.get(RefusedMetric.invalid)?.value ?? 0,
    nonFinite: snapshot.counters.get(RefusedMetric.nonFinite)?.value ?? 0,
  };
}

/** Runs `call` on the process aggregator's fresh interval; returns what it refused. */
function refusedBy(call: () => void): { invalid: number; nonFinite: number } {
  processAggregator.swap();
  assert.doesNotThrow(call);
  return refusals(processAggregator.swap());
}

afterEach(() => {
  resetForTests();
  processAggregator.swap();
});

type Recorder = (key: unknown, value: unknown) => void;
const BUFFER_API: readonly [string, Recorder, Recorder][] = [
  ['set', (k, v) => api.set(k as string, v as never), (k, v) => lazy.set(k as string, v as never)],
  ['setNested', (k, v) => api.setNested(k as string, 'sub', v as never), (k, v) => lazy.setNested(k as string, 'sub', v as never)],
  ['append', (k, v) => api.append(k as string, v as never), (k, v) => lazy.append(k as string, v as never)],
  ['appendUnique', (k, v) => api.appendUnique(k as string, v as never), (k, v) => lazy.appendUnique(k as string, v as never)],
  ['add', (k, v) => api.add(k as string, v as number), (k, v) => lazy.add(k as string, v as number)],
];

describe('the buffer API (hmetrics and hmetrics/onload) refuses hostile keys and values, counted, never thrown', () => {
  for (const [name, direct, viaOnload] of BUFFER_API) {
    for (const [label, record] of [['hmetrics', direct], ['hmetrics/onload', viaOnload]] as const) {
      test(`regression: ${label} ${name}(hostile key, 1): each refused once in hmetrics.dropped.invalid`, () => {
        for (const [what, key] of HOSTILE_KEYS) {
          assert.deepEqual(refusedBy(() => record(key, 1)), { invalid: 1, nonFinite: 0 }, `${name}(${what}, 1)`);
        }
      });
      test(`${label} ${name}('key', hostile value): each refused once in hmetrics.dropped.invalid`, () => {
        for (const [what, value] of HOSTILE_VALUES) {
          assert.deepEqual(refusedBy(() => record('key', value)), { invalid: 1, nonFinite: 0 }, `${name}('key', ${what})`);
        }
      });
    }
  }

  test('regression: increment(undefined) and increment(hostile) never throw, before or after a good key, and are counted', () => {
    for (const increment of [api.increment, lazy.increment]) {
      for (const [what, key] of HOSTILE_KEYS) {
        // The first call (empty memo) was the one that threw: undefined === undefined.
        resetForTests();
        assert.deepEqual(refusedBy(() => increment(key as string)), { invalid: 1, nonFinite: 0 }, `increment(${what}) first`);
        assert.deepEqual(refusedBy(() => { increment('good'); increment(key as string); }), { invalid: 1, nonFinite: 0 }, `increment(${what}) after a good key`);
      }
    }
  });

  test('regression: add(undefined, 1) and set(undefined, 1) on an empty memo never throw', () => {
    resetForTests();
    assert.deepEqual(refusedBy(() => api.add(undefined as never, 1)), { invalid: 1, nonFinite: 0 });
    resetForTests();
    assert.deepEqual(refusedBy(() => api.set(undefined as never, 1)), { invalid: 1, nonFinite: 0 });
  });

  test('a hostile subkey of setNested is refused and counted', () => {
    for (const [what, subkey] of HOSTILE_KEYS) {
      assert.deepEqual(refusedBy(() => api.setNested('k', subkey as string, 1)), { invalid: 1, nonFinite: 0 }, `setNested('k', ${what}, 1)`);
    }
  });

  test('good calls around the refused ones still record', () => {
    processAggregator.swap();
    api.increment('kept');
    api.increment(undefined as never);
    api.increment('kept');
    const snapshot = processAggregator.swap();
    assert.equal(snapshot.counters.get('kept')?.value, 2);
    assert.equal(refusals(snapshot).invalid, 1);
  });
});

describe('fastHash accepts anything', () => {
  test('regression: fastHash(hostile) returns the hash of no bytes and counts the refusal', () => {
    const empty = api.fastHash('');
    for (const [what, input] of [...HOSTILE_KEYS, ['an array', [1, 2]], ['a number array', { length: 3 }]] as [string, unknown][]) {
      let hash: string | undefined;
      assert.deepEqual(refusedBy(() => { hash = api.fastHash(input as string); }), { invalid: 1, nonFinite: 0 }, `fastHash(${what})`);
      assert.equal(hash, empty);
    }
    assert.equal(api.fastHash('foobar'), 'bf9cf968', 'good input unchanged');
  });
});

describe('the exported aggregator refuses hostile input and non-finite numbers', () => {
  const cases: readonly [string, (a: Aggregator) => void, 'invalid' | 'nonFinite'][] = [
    ['count(undefined, 1)', (a) => a.count(undefined as never, 1), 'invalid'],
    ['count(symbol, 1)', (a) => a.count(Symbol('x') as never, 1), 'invalid'],
    ["count('x', undefined)", (a) => a.count('x', undefined as never), 'invalid'],
    ["count('x', '1')", (a) => a.count('x', '1' as never), 'invalid'],
    ["count('x', 1, null)", (a) => a.count('x', 1, null as never), 'invalid'],
    ["count('x', 1, 'a:b')", (a) => a.count('x', 1, 'a:b' as never), 'invalid'],
    ["count('x', 1, [symbol])", (a) => a.count('x', 1, [Symbol('t')] as never), 'invalid'],
    ["count('x', 1, [throwing toString])", (a) => a.count('x', 1, [throwingToString] as never), 'invalid'],
    ["count('x', 1, [], 0)", (a) => a.count('x', 1, [], 0), 'invalid'],
    ["count('x', 1, [], '1')", (a) => a.count('x', 1, [], '1' as never), 'invalid'],
    ["count('x', NaN)", (a) => a.count('x', NaN), 'nonFinite'],
    ["count('x', Infinity)", (a) => a.count('x', Infinity), 'nonFinite'],
    ["count('x', 1, [], 1e-320)", (a) => a.count('x', 1, [], 1e-320), 'nonFinite'],
    ["count('x', 1e308) twice (the sum)", (a) => { a.count('x', 1e308); a.count('x', 1e308); }, 'nonFinite'],
    ["gauge('x', NaN)", (a) => a.gauge('x', NaN), 'nonFinite'],
    ["gauge('x', -Infinity)", (a) => a.gauge('x', -Infinity), 'nonFinite'],
    ["gauge(null, 1)", (a) => a.gauge(null as never, 1), 'invalid'],
    ["gauge('x', {})", (a) => a.gauge('x', {} as never), 'invalid'],
    ["timing('x', Infinity)", (a) => a.timing('x', Infinity), 'nonFinite'],
    ["timing('x', 1e200) (its square)", (a) => a.timing('x', 1e200), 'nonFinite'],
    ["timing('x', 1, [], 1e-320)", (a) => a.timing('x', 1, [], 1e-320), 'nonFinite'],
    ["timing('x', 1e154) twice (the sum of squares)", (a) => { a.timing('x', 1.2e154); a.timing('x', 1.2e154); }, 'nonFinite'],
    ["timing(undefined, 1)", (a) => a.timing(undefined as never, 1), 'invalid'],
    ["setMember('x', 5)", (a) => a.setMember('x', 5 as never), 'invalid'],
    ["setMember(undefined, 'm')", (a) => a.setMember(undefined as never, 'm'), 'invalid'],
    ["mergeTimer(undefined, …)", (a) => a.mergeTimer(undefined as never, { count: 1, min: 1, max: 1, sum: 1, sumSquares: 1, values: [1] }), 'invalid'],
  ];
  for (const [what, call, kind] of cases) {
    test(`${what}: refused once as ${kind}, never thrown, and no series holds a non-finite number`, () => {
      const aggregator = new Aggregator();
      assert.doesNotThrow(() => call(aggregator));
      const snapshot = aggregator.swap();
      assert.deepEqual(refusals(snapshot), kind === 'invalid' ? { invalid: 1, nonFinite: 0 } : { invalid: 0, nonFinite: 1 });
      for (const point of snapshot.counters.values()) assert.ok(Number.isFinite(point.value), `${point.name} = ${point.value}`);
      for (const point of snapshot.gauges.values()) assert.ok(Number.isFinite(point.value), `${point.name} = ${point.value}`);
      for (const point of snapshot.timers.values()) {
        assert.ok([point.count, point.sum, point.sumSquares, point.min, point.max].every(Number.isFinite), `${point.name}: ${JSON.stringify(point)}`);
      }
      for (const key of [...snapshot.counters.keys(), ...snapshot.gauges.keys(), ...snapshot.timers.keys(), ...snapshot.sets.keys()]) assert.equal(typeof key, 'string');
    });
  }

  test('regression: count(1e308) twice keeps the first (finite) value', () => {
    const aggregator = new Aggregator();
    aggregator.count('x', 1e308);
    aggregator.count('x', 1e308);
    assert.equal(aggregator.swap().counters.get('x')?.value, 1e308);
  });

  test('processAggregator, as exported, refuses the same way', () => {
    assert.deepEqual(refusedBy(() => processAggregator.count(undefined as never, 1)), { invalid: 1, nonFinite: 0 });
    assert.deepEqual(refusedBy(() => processAggregator.gauge('g', NaN)), { invalid: 0, nonFinite: 1 });
  });
});

describe('verbose mode says why, once per key', () => {
  test('a hot loop of refused calls writes one line per key, and every call is counted', (t) => {
    resetDebug(true);
    resetToldRefusals();
    const lines: string[] = [];
    t.mock.method(process.stderr, 'write', (chunk: string | Uint8Array) => { lines.push(String(chunk)); return true; });
    const counted = refusedBy(() => {
      for (let i = 0; i < 100; i++) {
        api.increment(undefined as never);
        api.set('bad', Symbol('v') as never);
        processAggregator.count(undefined as never, 1);
        api.fastHash(undefined as never);
      }
    });
    t.mock.restoreAll();
    resetDebug();
    assert.equal(counted.invalid, 400);
    assert.equal(lines.length, 4, lines.join(''));
    assert.ok(lines.some((line) => /"bad"/.test(line) && /rejected/.test(line)), lines.join(''));
    assert.ok(lines.some((line) => /fastHash\(undefined/.test(line)), lines.join(''));
  });
});
