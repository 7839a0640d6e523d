import assert from 'node:assert/strict';
import { test } from 'node:test';
import { shared, STATE_VERSION } from '../src/util/global-state.js';

// Two copies of the package are two module instances. A query string gives this test a second
// instance of the same file, as a second copy of hmetrics (or the CommonJS build) would have.
type GlobalStateModule = typeof import('../src/util/global-state.js');
const secondCopy = (): Promise<GlobalStateModule> => import(`../src/util/global-state.js?copy=${Math.random()}`) as Promise<GlobalStateModule>;

test('two module instances get one value per name, created once', async () => {
  const other = await secondCopy();
  assert.notEqual(other.shared, shared, 'really two instances');
  let created = 0;
  const first = shared('test.counter', () => { created++; return { n: 0 }; });
  const second = other.shared('test.counter', () => { created++; return { n: 0 }; });
  assert.equal(second, first);
  assert.equal(created, 1);
  first.n = 5;
  assert.equal(other.shared('test.counter', () => ({ n: -1 })).n, 5);
});

test('the state lives on globalThis under the versioned symbol', () => {
  const value = shared('test.versioned', () => ({ here: true }));
  const store = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[Symbol.for(`hmetrics.state.v${STATE_VERSION}`)];
  assert.equal(store?.['test.versioned'], value);
});

test('every process-wide singleton of the package is in the shared store', async () => {
  const { processAggregator } = await import('../src/metrics/aggregator.js');
  const { isReporting } = await import('../src/loop/lock.js');
  const store = (globalThis as Record<symbol, Record<string, unknown>>)[Symbol.for(`hmetrics.state.v${STATE_VERSION}`)]!;
  assert.equal(store['aggregator'], processAggregator);
  assert.equal(isReporting(), false);
  assert.deepEqual(store['report.lock'], { running: false });
});
