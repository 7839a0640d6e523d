import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkValue, MAX_VALUE_NODES } from '../src/telemetry/values.js';

// Regression: the comment said holes become null as in JSON, but the copy refused any array
// with a hole ("a undefined cannot be serialised").
test('array holes and undefined items become null, as JSON.stringify writes them', () => {
  // eslint-disable-next-line no-sparse-arrays
  const sparse = [1, , 3];
  const checked = checkValue(sparse, 1024);
  assert.equal(checked.ok, true);
  assert.deepEqual(checked.ok && checked.value, [1, null, 3]);
  assert.equal(JSON.stringify(checked.ok && checked.value), JSON.stringify(sparse));
  assert.deepEqual((checkValue([undefined], 1024) as { value: unknown }).value, [null]);
  assert.equal(checked.ok && checked.items, 4, 'the array and its three items, the hole included');
});

test('a huge sparse array is refused by its length, before any item is read', () => {
  const huge: number[] = [];
  huge[1e9] = 1;
  const checked = checkValue(huge, 1024);
  assert.equal(checked.ok, false);
  assert.match(!checked.ok ? checked.reason : '', new RegExp(`more than ${MAX_VALUE_NODES} nodes`));
});
