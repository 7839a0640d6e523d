import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { Aggregator, isFatal, processAggregator, type HmetricsError, type TelemetryValue, type UniqueValue } from '../src/index.js';
import * as api from '../src/index.js';
import {
  fastHash, init, startEmitting,
  TelemetryAlreadyEmitting, TelemetryAlreadyInitialized, TelemetryBufferFull, TelemetryInvalidValue,
  TelemetryNotInitialized, TelemetryTypeClash, InvalidEndpoint, InvalidOption,
} from '../src/index.js';
import { resetForTests } from '../src/telemetry/api.js';
import { BUFFER_DEFAULTS, TelemetryBuffer } from '../src/telemetry/buffer.js';
import { InternalMetric } from '../src/metrics/names.js';

// The buffer's semantics are tested on an instance of its own class with its own aggregator
// (both injected), configured as init() configures the process' buffer; the module API's wiring
// (init's options reaching that buffer) is tested through the public API at the end.
let errors: HmetricsError[] = [];
let aggregator: Aggregator;
let buffer: TelemetryBuffer;
const data = (): Record<string, unknown> => JSON.parse(JSON.stringify(buffer.peek())) as Record<string, unknown>;

function start(options: { maxItems?: number; maxStringLength?: number } = {}, disabled: string[] = []): void {
  buffer.configure({ maxItems: options.maxItems ?? BUFFER_DEFAULTS.maxItems, maxStringLength: options.maxStringLength ?? BUFFER_DEFAULTS.maxStringLength });
  buffer.onError = (error) => errors.push(error);
  buffer.disable(disabled, 'user');
  buffer.retain = true;
}

const set = (key: string, value: TelemetryValue): void => buffer.set(key, value);
const setNested = (key: string, subkey: string, value: TelemetryValue): void => buffer.setNested(key, subkey, value);
const append = (key: string, value: TelemetryValue): void => buffer.append(key, value);
const appendUnique = (key: string, value: UniqueValue): void => buffer.appendUnique(key, value);
const add = (key: string, n: number): void => buffer.add(key, n);
const increment = (key: string): void => buffer.increment(key);
const reset = (): void => buffer.reset();

beforeEach(() => {
  resetForTests();
  aggregator = new Aggregator();
  buffer = new TelemetryBuffer(aggregator);
  errors = [];
});

describe('buffer semantics', () => {
  test('set overwrites, setNested builds a one-level map, append a list, appendUnique a counting set, add/increment a counter', () => {
    start();
    set('version', 'v1');
    set('version', 'v2');
    setNested('db', 'pool', 4);
    setNested('db', 'driver', 'pg');
    setNested('db', 'pool', 5);
    append('latency', 10);
    append('latency', 'slow');
    append('latency', 30);
    appendUnique('ua', 'curl');
    appendUnique('ua', 'firefox');
    appendUnique('ua', 'curl');
    add('bytes', 10);
    add('bytes', -3);
    increment('hits');
    increment('hits');
    assert.deepEqual(data(), {
      version: 'v2',
      db: { pool: 5, driver: 'pg' },
      latency: [10, 'slow', 30],
      ua: [{ value: 'curl', count: 2 }, { value: 'firefox', count: 1 }],
      bytes: 7,
      hits: 2,
    });
    assert.deepEqual(errors, []);
  });

  test('set replaces a key of any kind, as Caddy does', () => {
    start();
    append('k', 1);
    set('k', 'now a string');
    increment('c');
    set('c', 3);
    assert.deepEqual(data(), { k: 'now a string', c: 3 });
    assert.equal(buffer.items, 2);
  });

  test('structures are copied at record time: a later mutation by the caller changes nothing', () => {
    start();
    const value = { a: [1, 2], when: new Date(0) };
    set('config', value);
    value.a.push(3);
    assert.deepEqual(data(), { config: { a: [1, 2], when: '1970-01-01T00:00:00.000Z' } });
  });

  test('reset empties the buffer', () => {
    start();
    increment('a');
    append('b', 1);
    reset();
    assert.deepEqual(data(), {});
    assert.equal(buffer.items, 0);
    increment('a');
    assert.deepEqual(data(), { a: 1 });
  });
});

describe('the last-key memo of the hot path', () => {
  test('regression guard: after an emission took a counter, the same key counts again (and is an item again)', () => {
    start();
    increment('a');
    increment('a');
    assert.deepEqual(buffer.take().map((t) => [t.key, t.content]), [['a', 2]]);
    increment('a');
    add('a', 2);
    assert.deepEqual(data(), { a: 3 });
    assert.equal(buffer.items, 1);
  });

  test('regression guard: a memoised counter replaced by set() is not updated behind the Map', () => {
    start();
    increment('a');
    set('a', 5);
    increment('a'); // now a clash: the key holds a value
    assert.deepEqual(data(), { a: 5 });
    assert.ok(errors[0] instanceof TelemetryTypeClash);
  });

  test('regression guard: a memoised gauge that becomes a structure is not overwritten by the fast path', () => {
    start();
    set('g', 1);
    set('g', { a: 1 });
    set('g', 2);
    assert.deepEqual(data(), { g: 2 });
    assert.equal(buffer.items, 1);
  });

  test('regression guard: reset() and disabling clear the memo', () => {
    start();
    increment('a');
    reset();
    increment('a');
    assert.deepEqual(data(), { a: 1 });
    buffer.disable(['a'], 'server');
    increment('a');
    assert.deepEqual(data(), {});
  });
});

describe('type clashes change nothing and are reported, never thrown', () => {
  const cases: Array<[string, () => void, () => void, string, string]> = [
    ['append on a counter', () => increment('k'), () => append('k', 1), 'list', 'counter'],
    ['append on a value', () => set('k', 5), () => append('k', 1), 'list', 'value'],
    ['append on a counting set', () => appendUnique('k', 'x'), () => append('k', 1), 'list', 'counting set'],
    ['appendUnique on a list', () => append('k', 1), () => appendUnique('k', 'x'), 'counting set', 'list'],
    ['appendUnique on a nested map', () => setNested('k', 's', 1), () => appendUnique('k', 'x'), 'counting set', 'nested map'],
    ['add on a value', () => set('k', 5), () => add('k', 2), 'counter', 'value'],
    ['increment on a string value', () => set('k', 'text'), () => increment('k'), 'counter', 'value'],
    ['increment on a list', () => append('k', 1), () => increment('k'), 'counter', 'list'],
    ['add on a nested map', () => setNested('k', 's', 1), () => add('k', 1), 'counter', 'nested map'],
    ['setNested on a counter', () => increment('k'), () => setNested('k', 's', 1), 'nested map', 'counter'],
    ['setNested on a list', () => append('k', 1), () => setNested('k', 's', 1), 'nested map', 'list'],
    ['setNested on a value', () => set('k', 1), () => setNested('k', 's', 1), 'nested map', 'value'],
  ];
  for (const [name, first, clash, expected, actual] of cases) {
    test(name, () => {
      start();
      first();
      const before = data();
      const items = buffer.items;
      assert.doesNotThrow(clash);
      assert.deepEqual(data(), before);
      assert.equal(buffer.items, items);
      assert.equal(errors.length, 1);
      const error = errors[0]!;
      assert.ok(error instanceof TelemetryTypeClash);
      assert.equal(error.code, 'ERR_HMETRICS_TELEMETRY_TYPE_CLASH');
      assert.equal(error.key, 'k');
      assert.equal(error.expected, expected);
      assert.equal(error.actual, actual);
      assert.equal(error.fatal(), false);
    });
  }

  test('a clash without an onError handler is still silent and harmless', () => {
    increment('k');
    assert.doesNotThrow(() => append('k', 1));
    assert.deepEqual(data(), { k: 1 });
  });

  test('a handler that throws does not break the call', () => {
    buffer.onError = () => { throw new Error('handler bug'); };
    buffer.retain = true;
    increment('k');
    assert.doesNotThrow(() => append('k', 1));
    assert.deepEqual(data(), { k: 1 });
  });
});

describe('keys and values', () => {
  test('__proto__ and constructor are ordinary keys and subkeys; no prototype is touched', () => {
    start();
    increment('__proto__');
    set('constructor', 'c');
    setNested('nested', '__proto__', 1);
    setNested('nested', 'constructor', 2);
    setNested('constructor:map', '__proto__', { polluted: true });
    append('hasOwnProperty', 1);
    set('obj', JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, boolean>);
    const json = JSON.stringify(buffer.peek());
    const parsed = JSON.parse(json) as Record<string, unknown>;
    assert.ok(Object.hasOwn(parsed, '__proto__'));
    assert.ok(Object.hasOwn(parsed, 'constructor'));
    assert.equal(parsed['constructor'], 'c');
    assert.ok(json.includes('"__proto__":1'), json);
    assert.ok(json.includes('"nested":{"__proto__":1,"constructor":2}'), json);
    assert.ok(json.includes('"obj":{"__proto__":{"polluted":true}}'), json);
    assert.ok(json.includes('"constructor:map":{"__proto__":{"polluted":true}}'), json);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
    assert.deepEqual(errors, []);
  });

  const invalid: Array<[string, () => void]> = [
    ['NaN', () => set('k', Number.NaN)],
    ['Infinity', () => append('k', Number.POSITIVE_INFINITY)],
    ['-Infinity nested', () => setNested('k', 's', { deep: [Number.NEGATIVE_INFINITY] })],
    ['a cycle', () => { const o: Record<string, unknown> = {}; o['self'] = o; set('k', o as never); }],
    ['a function', () => set('k', (() => 1) as never)],
    ['a BigInt', () => append('k', 10n as never)],
    ['a symbol', () => set('k', Symbol('s') as never)],
    ['undefined', () => set('k', undefined as never)],
    ['a class instance', () => set('k', new Map() as never)],
    ['an object for appendUnique', () => appendUnique('k', { a: 1 } as never)],
    ['a string over maxStringLength', () => set('k', 'x'.repeat(1025))],
    ['a key over maxStringLength', () => increment('k'.repeat(1025))],
    ['a subkey over maxStringLength', () => setNested('k', 's'.repeat(1025), 1)],
    ['a non-string key', () => increment(42 as never)],
    ['a non-integer add', () => add('k', 1.5)],
    ['a NaN add', () => add('k', Number.NaN)],
    ['an unsafe-integer add', () => add('k', 2 ** 60)],
    ['a structure over 1000 nodes', () => set('k', Array.from({ length: 1000 }, (_, i) => i))],
  ];
  for (const [name, call] of invalid) {
    test(`rejects ${name}: nothing recorded, reported, not thrown`, () => {
      start();
      assert.doesNotThrow(call);
      assert.deepEqual(data(), {});
      assert.equal(buffer.items, 0);
      assert.equal(errors.length, 1, errors.map((e) => e.message).join('\n'));
      assert.ok(errors[0] instanceof TelemetryInvalidValue, errors[0]?.message);
      assert.equal(errors[0].code, 'ERR_HMETRICS_TELEMETRY_INVALID_VALUE');
    });
  }

  test('a string of exactly maxStringLength is accepted; the limit is configurable', () => {
    start({ maxStringLength: 8 });
    set('k', '12345678');
    set('j', '123456789');
    assert.deepEqual(data(), { k: '12345678' });
    assert.equal(errors.length, 1);
  });
});

describe('the item bound', () => {
  test('every list item and every distinct set value counts; what does not fit is dropped and counted', () => {
    start({ maxItems: 5 });
    append('list', 1);
    append('list', 2);
    appendUnique('set', 'a');
    appendUnique('set', 'a'); // same value: no new item
    appendUnique('set', 'b');
    assert.equal(buffer.items, 4);
    increment('counter'); // 5: full
    append('list', 3); // dropped
    appendUnique('set', 'c'); // dropped
    appendUnique('set', 'a'); // known value: counted, no new item
    increment('counter'); // known counter: no new item
    setNested('map', 's', 1); // dropped
    assert.equal(buffer.items, 5);
    assert.equal(buffer.dropped, 3);
    assert.deepEqual(data(), { list: [1, 2], set: [{ value: 'a', count: 3 }, { value: 'b', count: 1 }], counter: 2 });
    assert.equal(errors.filter((e) => e instanceof TelemetryBufferFull).length, 1, 'full is reported once per filling');
    assert.equal(aggregator.swap().counters.get(InternalMetric.telemetryDropped)?.value, 3);
  });

  test('structured values count their nodes', () => {
    start({ maxItems: 4 });
    set('a', { x: 1, y: [2] }); // object, x, array, 2 = 4 nodes
    assert.equal(buffer.items, 4);
    set('b', 1);
    assert.equal(buffer.dropped, 1);
    set('a', 7); // replacing frees the room
    assert.equal(buffer.items, 1);
  });

  test('default bound is 100 000 items', () => {
    start();
    for (let i = 0; i < 100_001; i++) append('l', i);
    assert.equal(buffer.items, 100_000);
    assert.equal(buffer.dropped, 1);
  });
});

describe('disabled keys', () => {
  test('a key is disabled when its part before the first colon is', () => {
    start({}, ['ua']);
    increment('ua');
    increment('ua:chrome');
    appendUnique('ua:firefox:119', 'x');
    increment('ua_other');
    increment('other:ua');
    assert.deepEqual(data(), { ua_other: 1, 'other:ua': 1 });
    assert.deepEqual(errors, []);
  });

  test('user-disabled keys stay disabled whatever a server says; server ones can be re-enabled; disable wins', () => {
    start({}, ['private']);
    buffer.enable(['private']);
    buffer.disable(['tls'], 'server');
    increment('private');
    increment('tls:hello');
    assert.deepEqual(data(), {});
    buffer.enable(['tls']);
    increment('tls:hello');
    assert.deepEqual(data(), { 'tls:hello': 1 });
    buffer.disable(['private'], 'server'); // the user's verdict is kept
    buffer.enable(['private']);
    increment('private');
    assert.deepEqual(data(), { 'tls:hello': 1 });
    assert.equal(buffer.disabledKeys().get('private'), 'user');
  });

  test('disabling drops what the key already holds', () => {
    start();
    increment('tls:a');
    append('tls', 1);
    increment('keep');
    buffer.disable(['tls'], 'server');
    assert.deepEqual(data(), { keep: 1 });
    assert.equal(buffer.items, 1);
  });
});

describe('fastHash', () => {
  test('FNV-1a 32-bit vectors, lowercase hex', () => {
    assert.equal(fastHash(''), '811c9dc5');
    assert.equal(fastHash('a'), 'e40c292c');
    assert.equal(fastHash('foobar'), 'bf9cf968');
    assert.equal(fastHash(new TextEncoder().encode('foobar')), 'bf9cf968');
    assert.equal(fastHash('é'), fastHash(new Uint8Array([0xc3, 0xa9])), 'strings hash as UTF-8');
    assert.match(fastHash('\u0000'), /^[0-9a-f]{8}$/);
  });
});

describe('the public API records into the process\' buffer', () => {
  test('init\'s maxItems, maxStringLength, disabledKeys and onError reach it', () => {
    processAggregator.swap(); // start from an empty interval
    const seen: HmetricsError[] = [];
    init('wired', ['secret'], { maxItems: 2, maxStringLength: 6, onError: (error) => seen.push(error) });
    api.increment('a');
    api.add('b', 2);
    api.increment('c'); // the third item: full
    api.set('d', '1234567'); // over maxStringLength
    api.increment('secret'); // disabled by the user
    const snapshot = processAggregator.swap();
    assert.equal(snapshot.counters.get('a')?.value, 1);
    assert.equal(snapshot.counters.get('b')?.value, 2);
    assert.equal(snapshot.counters.get('secret'), undefined);
    assert.equal(snapshot.counters.get(InternalMetric.telemetryDropped)?.value, 1);
    assert.deepEqual(seen.map((e) => e.constructor.name), ['TelemetryBufferFull', 'TelemetryInvalidValue']);
  });
});

describe('init and startEmitting', () => {
  test('init once; a second call throws TelemetryAlreadyInitialized', () => {
    init('one');
    assert.throws(() => init('two'), (e: unknown) => e instanceof TelemetryAlreadyInitialized && e.code === 'ERR_HMETRICS_TELEMETRY_ALREADY_INITIALIZED' && isFatal(e));
  });

  for (const id of ['', '0', '00000000-0000-0000-0000-000000000000', 'x'.repeat(129)]) {
    test(`init rejects the id ${JSON.stringify(id.slice(0, 20))}`, () => {
      assert.throws(() => init(id), (e: unknown) => e instanceof InvalidOption && /instanceId/.test(e.message));
      init('fine-after-a-refusal');
    });
  }

  test('init validates its options with clear messages', () => {
    assert.throws(() => init('a', 'nope' as never), /Expected `disabledKeys` to be an array of strings/);
    assert.throws(() => init('a', [], { maxItems: 0 }), /Expected `maxItems` to be a positive integer, got 0/);
    assert.throws(() => init('a', [], { maxStringLength: 1.5 }), /Expected `maxStringLength` to be a positive integer, got 1.5/);
    assert.throws(() => init('a', [], { onError: 'x' as never }), /Expected `onError` to be a function/);
  });

  test('startEmitting needs init, takes an http(s) URL, and runs once', () => {
    assert.throws(() => startEmitting('http://127.0.0.1:9/'), TelemetryNotInitialized);
    init('a');
    assert.throws(() => startEmitting('not a url'), InvalidEndpoint);
    assert.throws(() => startEmitting('udp://127.0.0.1:9'), InvalidEndpoint);
    assert.throws(() => startEmitting('http://127.0.0.1:9/', { timeout: 0 }), /Expected `timeout` to be a positive integer of ms up to 2147483647 \(the longest delay a Node timer holds\), got 0/);
    startEmitting('http://127.0.0.1:9/', { initialDelay: 3_600_000 });
    assert.throws(() => startEmitting('http://127.0.0.1:9/'), TelemetryAlreadyEmitting);
  });

  test('an invalid endpoint error never shows its credentials', () => {
    init('a');
    assert.throws(() => startEmitting('ftp://user:hunter2@example.com/x?token=abc'), (e: unknown) => {
      const message = (e as Error).message;
      return e instanceof InvalidEndpoint && !message.includes('hunter2') && !message.includes('abc');
    });
  });
});
