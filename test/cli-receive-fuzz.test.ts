import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzzReceiver } from './helpers/receive-fuzz.js';

// A few seconds here; `npm run soak` runs the same fuzz for minutes over fresh seeds.
test('hmetrics receive stays up and bounded under seeded random HTTP input (shapes, sizes, encodings, abrupt closes)', async () => {
  const seed = Number(process.env['HMETRICS_FUZZ_SEED'] ?? 20_261_207);
  const result = await fuzzReceiver(seed, 3_000);
  assert.ok(result.cases >= 16, `only ${result.cases} cases ran`);
  assert.ok(Object.keys(result.statuses).length >= 3, `the input reached several answers: ${JSON.stringify(result.statuses)}`);
});
